// Command sdknoop is a KRM function that does nothing, built on the KRM
// functions SDK: what a function written the usual way pays for I/O.
package main

import (
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

func main() {
	os.Exit(func() int {
		if err := fn.AsMain(fn.ResourceListProcessorFunc(func(rl *fn.ResourceList) (bool, error) { return true, nil })); err != nil {
			return 1
		}
		return 0
	}())
}
