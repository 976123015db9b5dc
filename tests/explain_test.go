package tests

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExplain runs `csi-placement explain` for each example with an
// explain.args file (arguments one per line, paths from the repository's
// root) and compares its table and its stderr with the golden files.
func TestExplain(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repo, "examples", "*", "explain.args"))
	if len(files) == 0 {
		t.Fatal("no explain example found")
	}
	for _, f := range files {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			args := append([]string{"explain"}, strings.Fields(string(read(t, f)))...)
			cmd := exec.Command(binary, args...)
			cmd.Dir = repo
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			golden(t, filepath.Join(dir, "expected.txt"), stdout.Bytes())
			golden(t, filepath.Join(dir, "expected.stderr"), stderr.Bytes())
		})
	}
}
