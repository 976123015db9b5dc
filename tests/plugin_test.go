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
// and builds the harvester example with its PlacementPolicy as a plain
// transformer config (no function annotation): kustomize and kubectl
// kustomize find the plugin by apiVersion and kind, and must give the same
// output as the KRM function.
func TestTransformerPlugin(t *testing.T) {
	home := t.TempDir()
	pluginDir := filepath.Join(home, "fn.csi-placement.dev", "v1alpha1", "placementpolicy")
	must(t, os.MkdirAll(pluginDir, 0o755))
	bin, err := os.ReadFile(binary)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(pluginDir, "PlacementPolicy"), bin, 0o755))

	src := filepath.Join(repo, "examples", "harvester")
	dir := t.TempDir()
	for _, f := range []string{"kustomization.yaml", "harvester-csi-driver.yaml", "nodes.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	cfg, err := os.ReadFile(filepath.Join(src, "placement.yaml"))
	must(t, err)
	cfg = regexp.MustCompile(`(?s)  annotations:.*?path: \S+\n`).ReplaceAll(cfg, nil)
	if bytes.Contains(cfg, []byte("config.kubernetes.io/function")) {
		t.Fatal("the plugin config must not carry the function annotation")
	}
	must(t, os.WriteFile(filepath.Join(dir, "placement.yaml"), cfg, 0o644))

	for name, args := range map[string][]string{
		"kustomize": {tool(t, "kustomize", "make kustomize"), "build", "--enable-alpha-plugins", dir},
		"kubectl":   {tool(t, "kubectl", "install kubectl"), "kustomize", "--enable-alpha-plugins", dir},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(os.Environ(), "KUSTOMIZE_PLUGIN_HOME="+home)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			compare(t, filepath.Join(src, "expected.yaml"), out)
		})
	}

	// A bad config fails the build, and kustomize shows the plugin's stderr.
	must(t, os.WriteFile(filepath.Join(dir, "placement.yaml"), append(cfg, "  replicaBounds: {max: 0}\n"...), 0o644))
	cmd := exec.Command(tool(t, "kustomize", "make kustomize"), "build", "--enable-alpha-plugins", dir)
	cmd.Env = append(os.Environ(), "KUSTOMIZE_PLUGIN_HOME="+home)
	out, err := cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("`spec.replicaBounds.max` must be >= 1, got 0")) {
		t.Errorf("want a failed build naming the field, got %v:\n%s", err, out)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
