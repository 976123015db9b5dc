package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A config value JSON cannot hold (.inf, .nan) is reported on its field
// in every mode, and a ResourceList still comes back, with the items and
// the errors as results.
func TestNonFiniteConfig(t *testing.T) {
	typed := "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  podAntiAffinity: {weight: .inf}\n  controlPlaneNodes: -.Inf\n"
	typedErrs := "error: `spec.controlPlaneNodes` must be an integer, got -.Inf\n" +
		"error: `spec.podAntiAffinity.weight` must be an integer, got .inf\n"
	cm := "apiVersion: v1\nkind: ConfigMap\ndata:\n  anti-affinity-weight: .nan\n"
	cmErrs := "error: `data.anti-affinity-weight` must be a string, got .nan\n"
	items := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n"
	indent := func(s string) string {
		return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
	}

	for _, tc := range []struct{ name, config, stderr, path string }{
		{"typed", typed, typedErrs, "spec.podAntiAffinity.weight"},
		{"ConfigMap", cm, cmErrs, "data.anti-affinity-weight"},
	} {
		t.Run(tc.name+" ResourceList", func(t *testing.T) {
			in := items + "functionConfig:\n" + indent(tc.config)
			out, stderr, code := run(t, in, nil)
			if code != 1 || stderr != tc.stderr {
				t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, tc.stderr)
			}
			if !strings.HasPrefix(out, items) || !strings.Contains(out, "  severity: error\n  field:\n    path: "+tc.path+"\n") {
				t.Errorf("the items must pass through, with the errors as results:\n%s", out)
			}
		})
		t.Run(tc.name+" standalone", func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(cfg, []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := run(t, "", nil, "--config", cfg, "-")
			if code != 1 || stderr != tc.stderr {
				t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, tc.stderr)
			}
		})
		t.Run(tc.name+" transformer plugin", func(t *testing.T) {
			_, stderr, code := run(t, "", map[string]string{PluginEnv: tc.config})
			if code != 1 || stderr != tc.stderr {
				t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, tc.stderr)
			}
		})
	}
}

// So is one given with --set, where the value is YAML.
func TestNonFiniteSet(t *testing.T) {
	_, stderr, code := run(t, "", nil, "--set", "podAntiAffinity.weight=.inf", "-")
	if want := "error: `spec.podAntiAffinity.weight` must be an integer, got \".inf\"\n"; code != 1 || stderr != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
}

// In the ConfigMap form, the result's field is the key the user wrote,
// also for a check on two keys at once.
func TestConfigMapErrorsNameTheKey(t *testing.T) {
	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {pdb-max-unavailable: \"1\", pdb-min-available: \"50%\", min-replicas: \"3\", max-replicas: \"2\"}\n"
	out, stderr, code := run(t, in, nil)
	want := "error: `data.pdb-min-available` must not be set with `data.pdb-max-unavailable`: a PodDisruptionBudget takes exactly one\n" +
		"error: `data.max-replicas` must be >= `data.min-replicas` (3), got 2\n"
	if code != 1 || stderr != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
	for _, path := range []string{"data.pdb-min-available", "data.max-replicas"} {
		if !strings.Contains(out, "  field:\n    path: "+path+"\n") {
			t.Errorf("want a result on %s:\n%s", path, out)
		}
	}
}
