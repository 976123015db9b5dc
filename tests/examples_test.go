// Package tests runs the examples end to end through the real tools
// (kustomize, kubectl kustomize, kpt) and compares their output with the
// golden files in each example's folder. `go test ./tests -update`
// rewrites the golden files; read the diff before committing it.
package tests

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	goldenpkg "github.com/csi-placement/csi-placement/internal/golden"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// update is the -update flag, shared with every golden comparison.
var update = goldenpkg.Update

// testVersion is stamped into the binary the tests build.
const testVersion = "v0.0.0-test"

var (
	repo         string // the repository's root
	binDir       string // a temporary bin/, with csi-placement built for the tests
	binary       string
	examplesCopy string // a copy of examples/ beside binDir
)

func TestMain(m *testing.M) { os.Exit(setup(m)) }

// setup builds the binary, stamped as make build does, into a temporary
// folder: bin/ keeps what make build put there. The kustomize examples run
// it as ../../bin/csi-placement, so a copy of examples/ goes beside it.
func setup(m *testing.M) int {
	flag.Parse()
	wd, _ := os.Getwd()
	repo = filepath.Dir(wd)
	work, err := os.MkdirTemp("", "csi-placement-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(work)
	binDir = filepath.Join(work, "bin")
	binary = filepath.Join(binDir, "csi-placement")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-X github.com/csi-placement/csi-placement/fn/internal/cli.Version="+testVersion, "-o", binary, "./fn")
	build.Dir, build.Stdout, build.Stderr = repo, os.Stdout, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the function:", err)
		return 1
	}
	examplesCopy = filepath.Join(work, "examples")
	if err := copyTree(filepath.Join(repo, "examples"), examplesCopy, nil); err != nil {
		fmt.Fprintln(os.Stderr, "copying the examples:", err)
		return 1
	}
	// kpt finds the function by name (exec: csi-placement), ahead of any
	// in bin/, where make tools puts kustomize and helm.
	os.Setenv("PATH", strings.Join([]string{binDir, filepath.Join(repo, "bin"), os.Getenv("PATH")}, string(os.PathListSeparator)))
	return m.Run()
}

// copyTree copies the folder from to to, leaving out the folders skip
// names.
func copyTree(from, to string, skip func(name string) bool) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			if rel != "." && skip != nil && skip(d.Name()) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
}

// tool finds a tool's binary in bin/ or on PATH; it skips the test when
// it is missing, except under CI, where it fails.
func tool(t *testing.T, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required under CI: %s", name, install)
	}
	t.Skipf("%s not found: %s", name, install)
	return ""
}

const installKustomize = "make kustomize (go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2)"

// example is a folder under examples/ with golden output.
type example struct {
	dir, name string
	// run is the example's folder in the copy beside the test binary,
	// where the tools run it.
	run string
	// plugin: a kustomization whose transformer is the plugin, found by
	// apiVersion and kind, rather than a KRM function.
	plugin bool
	// kpt: a kpt package, rendered (Kptfile pipeline) or evaluated, as its
	// .expected/config.yaml says.
	kpt bool
	// fails: the run must fail with expected.stderr.
	fails bool
}

func examples(t *testing.T) []example {
	t.Helper()
	var out []example
	root := filepath.Join(repo, "examples")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name, _ := filepath.Rel(root, p)
		e := example{dir: p, name: name, run: filepath.Join(examplesCopy, name)}
		switch {
		case exists(filepath.Join(p, "Kptfile")):
			e.kpt = true
		case exists(filepath.Join(p, "kustomization.yaml")) && (exists(filepath.Join(p, "expected.yaml")) || exists(filepath.Join(p, "expected.stderr"))):
			e.fails = exists(filepath.Join(p, "expected.stderr"))
			e.plugin = !bytes.Contains(read(t, filepath.Join(p, transformer(t, p))), []byte("config.kubernetes.io/function"))
		default:
			return nil
		}
		out = append(out, e)
		return nil
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	return out
}

// kustomization is the part of a kustomization.yaml the tests read.
type kustomization struct {
	Resources    []string `json:"resources"`
	Transformers []string `json:"transformers"`
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	var k kustomization
	if err := yaml.Unmarshal(read(t, filepath.Join(dir, "kustomization.yaml")), &k); err != nil {
		t.Fatal(err)
	}
	return k
}

// transformer is the file of the example's (only) transformer.
func transformer(t *testing.T, dir string) string {
	k := readKustomization(t, dir)
	if len(k.Transformers) != 1 {
		t.Fatalf("%s: want one transformer, got %v", dir, k.Transformers)
	}
	return k.Transformers[0]
}

func TestKustomizeCLI(t *testing.T) {
	kustomize := tool(t, "kustomize", installKustomize)
	for _, e := range examples(t) {
		if e.kpt || e.plugin {
			continue
		}
		t.Run(e.name, func(t *testing.T) {
			cmd := exec.Command(kustomize, "build", "--enable-alpha-plugins", "--enable-exec", e.run)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if e.fails {
				if code := exitCode(err); code != 1 {
					t.Fatalf("kustomize must fail with exit 1, got %v\n%s", err, stderr.String())
				}
				golden(t, filepath.Join(e.dir, "expected.stderr"), stderr.Bytes())
				return
			}
			if err != nil {
				t.Fatalf("kustomize build: %v\n%s", err, stderr.String())
			}
			golden(t, filepath.Join(e.dir, "expected.yaml"), out)
		})
	}
}

// TestKrusty runs the same kustomizations in-process with kustomize's API.
func TestKrusty(t *testing.T) {
	for _, e := range examples(t) {
		if e.kpt || e.plugin {
			continue
		}
		t.Run(e.name, func(t *testing.T) {
			opts := krusty.MakeDefaultOptions()
			opts.PluginConfig = types.EnabledPluginConfig(types.BploLoadFromFileSys)
			opts.PluginConfig.FnpLoadingOptions.EnableExec = true
			opts.Reorder = krusty.ReorderOptionLegacy // what the CLI does by default
			m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), e.run)
			if e.fails {
				if err == nil {
					t.Fatal("the build must fail")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.AsYaml()
			if err != nil {
				t.Fatal(err)
			}
			compare(t, filepath.Join(e.dir, "expected.yaml"), out)
		})
	}
}

// TestKustomizeExamplesIdempotent runs the function on each kustomization
// example's own output, with its config and the local-config items of its
// inputs (the Node inventory, which kustomize does not output): nothing may
// change.
func TestKustomizeExamplesIdempotent(t *testing.T) {
	for _, e := range examples(t) {
		if e.kpt || e.fails {
			continue
		}
		t.Run(e.name, func(t *testing.T) {
			args := []string{"--quiet", "--config", filepath.Join(e.dir, transformer(t, e.dir)), filepath.Join(e.dir, "expected.yaml")}
			args = append(args, localConfig(t, e.dir)...)
			cmd := exec.Command(binary, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if want := read(t, filepath.Join(e.dir, "expected.yaml")); !bytes.HasPrefix(out, want) {
				t.Errorf("a second run changed the output:\n%s", diff(string(want), string(out)))
			}
		})
	}
}

// localConfig lists the input files of a kustomization, followed through
// the folders it includes, that hold local-config items.
func localConfig(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, r := range readKustomization(t, dir).Resources {
		p := filepath.Join(dir, r)
		if exists(filepath.Join(p, "kustomization.yaml")) {
			out = append(out, localConfig(t, p)...)
		} else if bytes.Contains(read(t, p), []byte("config.kubernetes.io/local-config")) {
			out = append(out, p)
		}
	}
	return out
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err == nil {
		return 0
	}
	return -1
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func read(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenpkg.Check(t, path, got)
}

func compare(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenpkg.Compare(t, path, got)
}

// diff is a unified diff from want to got.
func diff(want, got string) string {
	return goldenpkg.Diff("want", "got", want, got)
}

// TestVersion checks that the binary says the version it was stamped with.
func TestVersion(t *testing.T) {
	out, err := exec.Command(binary, "--version").Output()
	if err != nil || string(out) != "csi-placement "+testVersion+"\n" {
		t.Errorf("--version: %v %q, want %q", err, out, "csi-placement "+testVersion)
	}
}
