// Package tests runs the examples end to end through the real tools and
// compares their output with the golden files in each example's folder.
package tests

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

var update = flag.Bool("update", false, "rewrite the golden files from the kustomize CLI's output")

var (
	repo   string // the repository's root
	binary string // bin/csi-placement, built fresh for the tests
)

func TestMain(m *testing.M) {
	flag.Parse()
	wd, _ := os.Getwd()
	repo = filepath.Dir(wd)
	binary = filepath.Join(repo, "bin", "csi-placement")
	build := exec.Command("go", "build", "-o", binary, "./fn")
	build.Dir, build.Stdout, build.Stderr = repo, os.Stdout, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the function:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// tool finds a tool's binary in bin/ or on PATH; it skips the test when
// it is missing, except under CI, where it fails.
func tool(t *testing.T, name, install string) string {
	t.Helper()
	if p := filepath.Join(repo, "bin", name); isExec(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required under CI: %s", name, install)
	}
	t.Skipf("%s not found: %s", name, install)
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&0o111 != 0
}

// kustomizations lists the examples that are kustomizations with a golden
// expected.yaml.
func kustomizations(t *testing.T) []string {
	dirs, _ := filepath.Glob(filepath.Join(repo, "examples", "*", "kustomization.yaml"))
	var out []string
	for _, k := range dirs {
		d := filepath.Dir(k)
		if _, err := os.Stat(filepath.Join(d, "expected.yaml")); err == nil {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		t.Fatal("no kustomization examples found")
	}
	return out
}

func TestKustomizeCLI(t *testing.T) {
	kustomize := tool(t, "kustomize", "make kustomize (go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2)")
	for _, dir := range kustomizations(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cmd := exec.Command(kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("kustomize build: %v\n%s", err, stderr.String())
			}
			golden(t, filepath.Join(dir, "expected.yaml"), out)
		})
	}
}

func TestKrusty(t *testing.T) {
	for _, dir := range kustomizations(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			opts := krusty.MakeDefaultOptions()
			opts.PluginConfig = types.EnabledPluginConfig(types.BploLoadFromFileSys)
			opts.PluginConfig.FnpLoadingOptions.EnableExec = true
			opts.Reorder = krusty.ReorderOptionLegacy // what the CLI does by default
			m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.AsYaml()
			if err != nil {
				t.Fatal(err)
			}
			compare(t, filepath.Join(dir, "expected.yaml"), out)
		})
	}
}

// TestExamplesIdempotent runs the function on each example's own output,
// with the example's config and local-config inputs: nothing may change.
func TestExamplesIdempotent(t *testing.T) {
	for _, dir := range kustomizations(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			args := []string{"--quiet", "--config", filepath.Join(dir, "placement.yaml"), filepath.Join(dir, "expected.yaml")}
			if _, err := os.Stat(filepath.Join(dir, "nodes.yaml")); err == nil {
				args = append(args, filepath.Join(dir, "nodes.yaml"))
			}
			cmd := exec.Command(binary, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			want, _ := os.ReadFile(filepath.Join(dir, "expected.yaml"))
			if !bytes.HasPrefix(out, want) {
				t.Errorf("a second run changed the output:\n%s", out)
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	compare(t, path, got)
}

func compare(t *testing.T, path string, got []byte) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./tests -update rewrites it; read the diff):\n%s", path, diff(string(want), string(got)))
	}
}

// diff shows the first differing lines.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, wl, gl)
		}
	}
	return ""
}
