package tests

import (
	"bytes"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestKpt renders (Kptfile pipeline) or evaluates (.expected/eval.args)
// each kpt example on a copy, and evaluates rendered ones ad hoc too: the files the function changes must equal
// .expected/<file>, every other file must be unchanged, and kpt's results
// must equal .expected/results.yaml. A second run on the output must change
// nothing.
func TestKpt(t *testing.T) {
	kpt := tool(t, "kpt", "kpt 1.0 comes with the machine image (package google-cloud-cli-kpt)")
	for _, e := range examples(t) {
		if !e.kpt {
			continue
		}
		expected := filepath.Join(e.dir, ".expected")
		// A rendered package is also evaluated ad hoc with the pipeline's
		// config: both must give the same files and results.
		modes := map[string]func(pkg string) []string{}
		if exists(filepath.Join(expected, "eval.args")) {
			modes["eval"] = func(pkg string) []string {
				return append([]string{"fn", "eval", pkg, "--exec", "csi-placement", "--"}, strings.Fields(string(read(t, filepath.Join(expected, "eval.args"))))...)
			}
		} else {
			modes["render"] = func(pkg string) []string { return []string{"fn", "render", "--allow-exec", pkg} }
			modes["eval --fn-config"] = func(pkg string) []string {
				return []string{"fn", "eval", pkg, "--exec", "csi-placement", "--fn-config", filepath.Join(pkg, configPath(t, e.dir))}
			}
		}
		for mode, args := range modes {
			t.Run(e.name+"/"+mode, func(t *testing.T) {
				pkg := filepath.Join(t.TempDir(), filepath.Base(e.dir))
				copyPackage(t, e.dir, pkg)
				run := func(resultsDir string) {
					t.Helper()
					a := args(pkg)
					a = append(a[:2:2], append([]string{"--results-dir", resultsDir}, a[2:]...)...) // before any "--"
					if out, err := exec.Command(kpt, a...).CombinedOutput(); err != nil {
						t.Fatalf("kpt %s: %v\n%s", strings.Join(a, " "), err, out)
					}
				}
				results := t.TempDir()
				run(results)
				golden(t, filepath.Join(expected, "results.yaml"), read(t, filepath.Join(results, "results.yaml")))
				walkPackage(t, pkg, func(rel string, got []byte) {
					if want := filepath.Join(expected, rel); exists(want) || *update && !bytes.Equal(got, read(t, filepath.Join(e.dir, rel))) {
						golden(t, want, got)
					} else {
						compare(t, filepath.Join(e.dir, rel), got)
					}
				})

				// Idempotent: run again on the output, nothing changes.
				before := map[string][]byte{}
				walkPackage(t, pkg, func(rel string, got []byte) { before[rel] = got })
				again := t.TempDir()
				run(again)
				walkPackage(t, pkg, func(rel string, got []byte) {
					if !bytes.Equal(before[rel], got) {
						t.Errorf("a second run changed %s:\n%s", rel, diff(string(before[rel]), string(got)))
					}
				})
				if r := read(t, filepath.Join(again, "results.yaml")); !bytes.Contains(r, []byte("already follows the policy; nothing changed")) {
					t.Errorf("a second run must say nothing changed:\n%s", r)
				}
			})
		}
	}
}

// configPath is the configPath of the Kptfile's only mutator.
func configPath(t *testing.T, dir string) string {
	t.Helper()
	var kf struct {
		Pipeline struct {
			Mutators []struct {
				ConfigPath string `json:"configPath"`
			} `json:"mutators"`
		} `json:"pipeline"`
	}
	if err := yaml.Unmarshal(read(t, filepath.Join(dir, "Kptfile")), &kf); err != nil || len(kf.Pipeline.Mutators) != 1 {
		t.Fatalf("%s/Kptfile: want one mutator: %v", dir, err)
	}
	return kf.Pipeline.Mutators[0].ConfigPath
}

// copyPackage copies a package without its .expected folder.
func copyPackage(t *testing.T, from, to string) {
	t.Helper()
	if err := copyTree(from, to, func(name string) bool { return name == ".expected" }); err != nil {
		t.Fatal(err)
	}
}

// walkPackage calls f with each file of a package, by relative path.
func walkPackage(t *testing.T, pkg string, f func(rel string, data []byte)) {
	t.Helper()
	err := filepath.WalkDir(pkg, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(pkg, p)
		f(rel, read(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
