package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestCIGate runs the commands of examples/ci-gate/workflow.yaml over a
// folder with the Harvester chart as rendered (exit 1) and one with it
// placed (exit 0); neither changes a file.
func TestCIGate(t *testing.T) {
	kpt := tool(t, "kpt", "kpt 1.0 comes with the machine image (package google-cloud-cli-kpt)")
	example := filepath.Join("..", "examples", "ci-gate")
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string `json:"name"`
				Run  string `json:"run"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	must(t, yaml.Unmarshal(read(t, filepath.Join(example, "workflow.yaml")), &wf))
	steps := map[string][]string{}
	for _, s := range wf.Jobs["audit"].Steps {
		if s.Run != "" {
			run := strings.TrimSuffix(strings.TrimSpace(strings.ReplaceAll(s.Run, "\\\n", " ")), "> /dev/null")
			steps[s.Name] = strings.Fields(run)
		}
	}
	if len(steps) != 2 {
		t.Fatalf("want the kpt and standalone steps, got %v", steps)
	}
	// --image runs in the container tier; here the same function by --exec.
	kptArgs := steps["kpt audit"]
	for i, a := range kptArgs {
		if a == "--image" {
			kptArgs = append(append(append([]string{}, kptArgs[:i]...), "--exec", "csi-placement"), kptArgs[i+2:]...)
			break
		}
	}
	policy := read(t, filepath.Join(preCommitExample, "placement.yaml"))
	for _, tc := range []struct {
		name     string
		manifest []byte
		code     int
	}{
		{"rendered", read(t, filepath.Join(repo, "examples", "harvester", "base", "harvester-csi-driver.yaml")), 1},
		{"placed", read(t, filepath.Join(helmExample, "expected.yaml")), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			files := map[string][]byte{"deploy/placement.yaml": policy, "deploy/csi.yaml": tc.manifest, "deploy/other.yaml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n")}
			for name, data := range files {
				must(t, os.MkdirAll(filepath.Join(work, filepath.Dir(name)), 0o755))
				must(t, os.WriteFile(filepath.Join(work, name), data, 0o644))
			}
			for name, args := range map[string][]string{"kpt": append([]string{kpt}, kptArgs[1:]...), "standalone": append([]string{binary}, steps["standalone audit"][1:]...)} {
				r := runIn(t, work, nil, args[0], args[1:]...)
				if r.code != tc.code {
					t.Errorf("%s: exit %d, want %d\n%s", name, r.code, tc.code, r.stderr)
				}
				if tc.code != 0 {
					stderr := r.stderr
					file := "expected.stderr"
					if name == "kpt" {
						file = "expected-kpt.stderr"
						stderr = regexp.MustCompile(`in [0-9.]+m?s\n`).ReplaceAll(stderr, []byte("in <time>\n"))
					}
					golden(t, filepath.Join(example, file), stderr)
				}
				for name, data := range files {
					if got := read(t, filepath.Join(work, name)); !bytes.Equal(got, data) {
						t.Errorf("%s changed %s", args[0], name)
					}
				}
			}
		})
	}
}
