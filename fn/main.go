// Command csi-placement is a KRM function that places CSI controller
// workloads on control-plane nodes. See the README.
package main

import (
	"os"

	"github.com/csi-placement/csi-placement/fn/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
}
