package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileInput runs the three modes over inputs that krmio must read
// as yaml.v3 does, or refuse with an error naming the source and line.
func TestHostileInput(t *testing.T) {
	const fc = "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {on-no-match: ignore}\n"
	const policy = "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nmetadata:\n  name: p\nspec:\n  onNoMatch: Ignore\n"

	for _, c := range []struct {
		name, in, stderr string
		code             int
		out              []string // parts of stdout, in order
	}{
		{"two items keys", "kind: ResourceList\nitems:\n- kind: A\n" + fc + "items:\n- kind: B\n",
			"error: stdin ResourceList: ResourceList must have one `items` key, found a second at line 8\n", 1, nil},
		{"items is a mapping", "kind: ResourceList\nitems:\n  kind: A\n" + fc,
			"error: stdin ResourceList: `items` must be a sequence, got a mapping at line 3\n", 1, nil},
		{"a second document", "kind: ResourceList\nitems:\n- kind: A\n---\n" + fc,
			"error: stdin ResourceList: a ResourceList is one YAML document: a second document at line 4 must not follow\n", 1, nil},
		{"a repeated key in an item", "kind: ResourceList\nitems:\n- kind: A\n  metadata:\n    name: a\n    name: b\n" + fc,
			"error: stdin ResourceList: item 0 at line 3: mapping key \"name\" must not repeat: defined at line 5 and again at line 6\n", 1, nil},
		{"aliases across items", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- &sa {apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}\n- *sa\n" + fc,
			"", 0, []string{"items:\n- &sa {apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}\n- {apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}\n"}},
		{"end marker", "kind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Secret\n" + fc + "...\n",
			"", 0, []string{"items:\n- apiVersion: v1\n  kind: Secret\n" + fc + "...\n"}},
	} {
		t.Run("function/"+c.name, func(t *testing.T) {
			out, stderr, code := run(t, c.in, nil)
			check(t, out, stderr, code, c.stderr, c.code, c.out)
		})
	}

	for _, c := range []struct {
		name, in, stderr string // stderr: the error, after the source's name
		code             int
	}{
		{"YAML 1.1 directive", "%YAML 1.1\n---\napiVersion: v1\nkind: Secret\n", "", 0},
		{"a byte order mark only", "\ufeff", "", 0},
		{"a byte order mark", "\ufeffapiVersion: v1\nkind: Secret\n---\napiVersion: v1\nkind: ConfigMap\n", "", 0},
		{"concatenated JSON", `{"apiVersion":"v1","kind":"Secret"}{"apiVersion":"v1","kind":"ConfigMap"}`, ": did not find expected <document start>\n", 1},
		{"a repeated key", "apiVersion: v1\nkind: Secret\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: x\n  a: y\n", ": document at line 4: mapping key \"a\" must not repeat: defined at line 7 and again at line 8\n", 1},
		{"a bare document after the end marker", "apiVersion: v1\nkind: Secret\n...\nkind: ConfigMap\n", ": line 3: did not find expected <document start>\n", 1},
		{"a List whose items is a mapping", "apiVersion: v1\nkind: Secret\n---\napiVersion: v1\nkind: List\nitems:\n  kind: Deployment\n", ": document at line 4: `items` must be a sequence of resources, got a mapping\n", 1},
		{"a List item that is text", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n- kind Deployment\n", ": document at line 1: `items[1]` must be a mapping (a resource), got the scalar \"kind Deployment\"\n", 1},
		{"a List without items", "apiVersion: v1\nkind: List\nmetadata: {resourceVersion: \"\"}\n", "", 0},
		{"a List of an alias", "apiVersion: v1\nkind: List\nitems:\n- &s {apiVersion: v1, kind: Secret}\n- *s\n", "", 0},
	} {
		dir := t.TempDir()
		file := filepath.Join(dir, "in.yaml")
		cfg := filepath.Join(dir, "policy.yaml")
		if err := os.WriteFile(file, []byte(c.in), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfg, []byte(policy), 0o644); err != nil {
			t.Fatal(err)
		}
		var want []string
		if c.code == 0 {
			want = []string{c.in} // unchanged: byte for byte
		}
		t.Run("standalone/"+c.name, func(t *testing.T) {
			out, stderr, code := run(t, "", nil, "--config", cfg, "--quiet", file)
			check(t, out, stderr, code, errFor(file, c.stderr), c.code, want)
		})
		t.Run("plugin/"+c.name, func(t *testing.T) {
			out, stderr, code := run(t, c.in, map[string]string{PluginEnv: policy}, cfg)
			check(t, out, stderr, code, errFor("stdin", c.stderr), c.code, want)
		})
	}
}

func errFor(source, msg string) string {
	if msg == "" {
		return ""
	}
	return "error: " + source + msg
}

func check(t *testing.T, out, stderr string, code int, wantStderr string, wantCode int, parts []string) {
	t.Helper()
	if code != wantCode || stderr != wantStderr {
		t.Fatalf("exit %d, stderr %q; want exit %d, stderr %q", code, stderr, wantCode, wantStderr)
	}
	for _, p := range parts {
		i := strings.Index(out, p)
		if i < 0 {
			t.Fatalf("stdout lacks\n%s\ngot\n%s", p, out)
		}
		out = out[i+len(p):]
	}
}
