package tests

import (
	"bytes"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// kptCase is a kpt package's .expected/config.yaml: the fields of kpt's
// e2e runner (pkg/test/runner) that the examples use, which the kpt
// functions catalog's harness reads too.
type kptCase struct {
	TestType  string            `json:"testType"` // render or eval
	ExitCode  int               `json:"exitCode"`
	AllowExec bool              `json:"allowExec"` // render: the Kptfile runs an exec function
	Image     string            `json:"image"`     // eval: the function's image
	ExecPath  string            `json:"execPath"`  // eval: or its binary
	Args      map[string]string `json:"args"`      // eval: key=value after --
	FnConfig  string            `json:"fnConfig"`  // eval: a config file, relative to .expected
}

// readKptCase reads a package's .expected/config.yaml, refusing fields it
// does not know, so a misspelt one cannot pass unnoticed.
func readKptCase(t *testing.T, dir string) kptCase {
	t.Helper()
	var c kptCase
	p := filepath.Join(dir, ".expected", "config.yaml")
	if err := yaml.UnmarshalStrict(read(t, p), &c); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	switch {
	case c.TestType != "render" && c.TestType != "eval":
		t.Fatalf("%s: testType must be render or eval, got %q", p, c.TestType)
	case c.TestType == "eval" && (c.Image == "") == (c.ExecPath == ""):
		t.Fatalf("%s: an eval case must have one of image and execPath", p)
	case c.TestType == "render" && (c.Image != "" || c.ExecPath != "" || len(c.Args) > 0 || c.FnConfig != ""):
		t.Fatalf("%s: image, execPath, args and fnConfig are for eval cases; a render case runs its Kptfile", p)
	}
	return c
}

// evalArgs are the key=value arguments of an eval case, sorted.
func (c kptCase) evalArgs() []string {
	var a []string
	for k, v := range c.Args {
		a = append(a, k+"="+v)
	}
	slices.Sort(a)
	return a
}

// TestKpt runs each kpt example as its .expected/config.yaml says, in
// place on a copy of the whole package (.expected included, which
// .krmignore must keep out of kpt's input): rendered (Kptfile pipeline), and
// then also evaluated ad hoc with the pipeline's config, or evaluated with
// the case's args, by the binary the tests built (an image case runs the
// same function: the container tier runs the image). kpt must exit with the
// case's exitCode, the files the function changes must equal
// .expected/<file>, every other file must be unchanged, and kpt's results
// must equal .expected/results.yaml. A second run on the output must
// change nothing.
func TestKpt(t *testing.T) {
	kpt := tool(t, "kpt", "kpt 1.0 comes with the machine image (package google-cloud-cli-kpt)")
	for _, e := range examples(t) {
		if !e.kpt {
			continue
		}
		expected := filepath.Join(e.dir, ".expected")
		c := readKptCase(t, e.dir)
		modes := map[string]func(pkg string) []string{}
		if c.TestType == "eval" {
			modes["eval"] = func(pkg string) []string {
				a := []string{"fn", "eval", pkg, "--exec", "csi-placement"}
				if c.ExecPath != "" {
					a[4] = filepath.Join(pkg, ".expected", filepath.FromSlash(c.ExecPath))
				}
				if c.FnConfig != "" {
					a = append(a, "--fn-config", filepath.Join(pkg, ".expected", filepath.FromSlash(c.FnConfig)))
				}
				return append(append(a, "--"), c.evalArgs()...)
			}
		} else {
			modes["render"] = func(pkg string) []string {
				if c.AllowExec {
					return []string{"fn", "render", "--allow-exec", pkg}
				}
				return []string{"fn", "render", pkg}
			}
			// A rendered package is also evaluated ad hoc with the
			// pipeline's config: both must give the same files and results.
			modes["eval --fn-config"] = func(pkg string) []string {
				return []string{"fn", "eval", pkg, "--exec", "csi-placement", "--fn-config", filepath.Join(pkg, configPath(t, e.dir))}
			}
		}
		for mode, args := range modes {
			t.Run(e.name+"/"+mode, func(t *testing.T) {
				if ignore := filepath.Join(e.dir, ".krmignore"); !exists(ignore) || !slices.Contains(strings.Fields(string(read(t, ignore))), ".expected") {
					t.Errorf("%s must list .expected, or kpt reads the golden copies as resources of the package", ignore)
				}
				pkg := filepath.Join(t.TempDir(), filepath.Base(e.dir))
				if err := copyTree(e.dir, pkg, nil); err != nil {
					t.Fatal(err)
				}
				run := func(resultsDir string) {
					t.Helper()
					a := args(pkg)
					a = append(a[:2:2], append([]string{"--results-dir", resultsDir}, a[2:]...)...) // before any "--"
					out, err := exec.Command(kpt, a...).CombinedOutput()
					if code := exitCode(err); code != c.ExitCode {
						t.Fatalf("kpt %s: exit %d, want %d (.expected/config.yaml): %v\n%s", strings.Join(a, " "), code, c.ExitCode, err, out)
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
				if c.ExitCode != 0 {
					return
				}

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

// configPath is the configPath of the Kptfile's only function, a mutator
// or a validator.
func configPath(t *testing.T, dir string) string {
	t.Helper()
	type fn struct {
		ConfigPath string `json:"configPath"`
	}
	var kf struct {
		Pipeline struct {
			Mutators   []fn `json:"mutators"`
			Validators []fn `json:"validators"`
		} `json:"pipeline"`
	}
	if err := yaml.Unmarshal(read(t, filepath.Join(dir, "Kptfile")), &kf); err != nil {
		t.Fatal(err)
	}
	fns := append(kf.Pipeline.Mutators, kf.Pipeline.Validators...)
	if len(fns) != 1 {
		t.Fatalf("%s/Kptfile: want one function, got %d", dir, len(fns))
	}
	return fns[0].ConfigPath
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
