package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestTransformerPlugin installs the binary under a temporary plugin home
// and builds each plugin example, whose transformer config has no function
// annotation, with kustomize and with kubectl kustomize, which find the
// plugin by apiVersion and kind.
func TestTransformerPlugin(t *testing.T) {
	home := t.TempDir()
	pluginDir := filepath.Join(home, "fn.csi-placement.dev", "v1alpha1", "placementpolicy")
	must(t, os.MkdirAll(pluginDir, 0o755))
	must(t, os.WriteFile(filepath.Join(pluginDir, "PlacementPolicy"), read(t, binary), 0o755))
	env := append(os.Environ(), "KUSTOMIZE_PLUGIN_HOME="+home)
	tools := map[string][]string{
		"kustomize": {tool(t, "kustomize", installKustomize), "build", "--enable-alpha-plugins"},
		"kubectl":   {tool(t, "kubectl", "kubectl comes with the machine image"), "kustomize", "--enable-alpha-plugins"},
	}
	found := false
	for _, e := range examples(t) {
		if !e.plugin {
			continue
		}
		found = true
		// The plugin is the same function: its output is the KRM function's.
		if krm := filepath.Join(repo, "examples", "harvester", "expected.yaml"); e.name == "kustomize-plugin" && !bytes.Equal(read(t, krm), read(t, filepath.Join(e.dir, "expected.yaml"))) {
			t.Errorf("%s/expected.yaml must equal %s", e.name, krm)
		}
		for name, args := range tools {
			t.Run(e.name+"/"+name, func(t *testing.T) {
				cmd := exec.Command(args[0], append(args[1:], e.dir)...)
				cmd.Env = env
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%v\n%s", err, stderr.String())
				}
				compare(t, filepath.Join(e.dir, "expected.yaml"), out)
			})
		}
	}
	if !found {
		t.Fatal("no plugin example found")
	}

	// A resource the function adds (a PodDisruptionBudget) survives the
	// plugin path too: the ha example, with its policy as a plugin config,
	// gives the ha example's output.
	t.Run("new items", func(t *testing.T) {
		examples := filepath.Join(t.TempDir(), "examples")
		copyPackage(t, filepath.Join(repo, "examples", "auto-detect"), filepath.Join(examples, "auto-detect"))
		ha := filepath.Join(examples, "ha-plugin")
		must(t, os.MkdirAll(ha, 0o755))
		must(t, os.WriteFile(filepath.Join(ha, "kustomization.yaml"), read(t, filepath.Join(repo, "examples", "ha", "kustomization.yaml")), 0o644))
		cfg := regexp.MustCompile(`(?s)  annotations:.*?path: \S+\n`).ReplaceAll(read(t, filepath.Join(repo, "examples", "ha", "placement.yaml")), nil)
		must(t, os.WriteFile(filepath.Join(ha, "placement.yaml"), cfg, 0o644))
		for name, args := range tools {
			cmd := exec.Command(args[0], append(args[1:], ha)...)
			cmd.Env = env
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			compare(t, filepath.Join(repo, "examples", "ha", "expected.yaml"), out)
		}
	})

	// A bad config fails the build, and kustomize shows the plugin's stderr.
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: [cm.yaml]\ntransformers: [placement.yaml]\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "placement.yaml"), []byte("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nmetadata: {name: x}\nspec:\n  replicaBounds: {max: 0}\n"), 0o644))
	cmd := exec.Command(tools["kustomize"][0], "build", "--enable-alpha-plugins", dir)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("error: `spec.replicaBounds.max` must be between 1 and 100, got 0")) {
		t.Errorf("want a failed build naming the field, got %v:\n%s", err, out)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
