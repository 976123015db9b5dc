package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --set overrides the config file (or the default policy) before it is
// parsed: the result is checked like any config.
func TestSet(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "cm.yaml")
	if err := os.WriteFile(manifest, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	typed := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(typed, []byte("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nmetadata:\n  name: p\nspec:\n  onNoMatch: Error\n  nodeAffinity: {type: Preferred}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cm := filepath.Join(dir, "configmap.yaml")
	if err := os.WriteFile(cm, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n  on-no-match: error\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no target is an error by default", []string{manifest}, 1, "no"},
		{"default policy", []string{"--set", "onNoMatch=Ignore", manifest}, 0, ""},
		{"over a config file", []string{"--config", typed, "--set", "onNoMatch=Warning", manifest}, 0, "warning:"},
		{"nested key, YAML value", []string{"--set", "onNoMatch=Ignore", "--set", "nodeAffinity.controlPlaneLabels=[a, b]", manifest}, 0, ""},
		{"ConfigMap config: data keys", []string{"--config", cm, "--set", "on-no-match=ignore", manifest}, 0, ""},
		{"last one wins", []string{"--set", "onNoMatch=Ignore", "--set", "onNoMatch=Error", manifest}, 1, "no"},
		{"unknown field", []string{"--set", "onNoMach=Ignore", manifest}, 1, "error: `spec.onNoMach` is not a known field: did you mean \"onNoMatch\"?"},
		{"audit", []string{"--set", "mode=Audit", "../../../examples/harvester/base/harvester-csi-driver.yaml"}, 1, "error: Deployment kube-system/harvester-csi-controllers (../../../examples/harvester/base/harvester-csi-driver.yaml): `spec.template.spec.tolerations` must tolerate"},
		{"wrong value", []string{"--set", "mode=audit", manifest}, 1, "error: `spec.mode` must be one of"},
		{"through a scalar", []string{"--config", typed, "--set", "onNoMatch.x=1", manifest}, 1, "error: --set onNoMatch.x: `spec.onNoMatch` is not a mapping"},
		{"no value", []string{"--set", "onNoMatch", manifest}, 1, "error: --set \"onNoMatch\": want KEY=VALUE"},
		{"needs a path", []string{"--set", "mode=Audit"}, 2, "--set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 {
				_, stderr, code := run(t, "", nil, tc.args...)
				if code != tc.code || !strings.Contains(stderr, tc.stderr) {
					t.Fatalf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", code, tc.code, stderr, tc.stderr)
				}
			}
		})
	}
}
