package cli

import (
	"strings"
	"testing"
)

// TestReplicaBound: an input whose controller asks for more replicas than
// the proof places is refused at once, naming the field and the bound,
// rather than simulated for minutes.
func TestReplicaBound(t *testing.T) {
	in := strings.Replace(malformedBase, "replicas: 2", "replicas: 100000", 1)
	out, stderr, code := run(t, in, nil, "-")
	if code != 1 || out != "" || !strings.Contains(stderr, "`spec.replicas` must be at most 100 for the proof to place them, got 100000") {
		t.Fatalf("want exit 1 naming `spec.replicas` and the bound, got %d:\n%s", code, stderr)
	}
	if _, stderr, code := run(t, strings.Replace(in, "100000", "100", 1), nil, "--set", "podAntiAffinity.type=Required", "-"); code != 0 {
		t.Fatalf("100 replicas must be placed, got exit %d:\n%s", code, stderr)
	}
}

// TestStrict: an item the policy never reads is copied through as it is,
// valid YAML or not, so the output is never less valid than the input;
// --strict reads every item and refuses one yaml.v3 cannot read, naming
// the source and the line.
func TestStrict(t *testing.T) {
	bad := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  a: b\n   c: d\n"
	in := malformedBase + "---\n" + bad
	out, stderr, code := run(t, in, nil, "-")
	if code != 0 || !strings.HasSuffix(out, bad) {
		t.Fatalf("without --strict the item must be copied through, got exit %d:\n%s%s", code, out, stderr)
	}
	out, stderr, code = run(t, in, nil, "--strict", "-")
	if want := "error: --strict: stdin: document at line 15: line 20: mapping values are not allowed in this context"; code != 1 || out != "" || !strings.Contains(stderr, want) {
		t.Fatalf("want exit 1 and %q, got %d:\n%s", want, code, stderr)
	}
}

// TestStatefulSetNameTooLong: the API server rejects every pod of a
// StatefulSet whose name leaves no room for the revision hash in a label;
// the function says so with an inventory or without (the real-cluster
// tier found it silent without one).
func TestStatefulSetNameTooLong(t *testing.T) {
	name := strings.Repeat("n", 55)
	in := strings.NewReplacer("kind: Deployment", "kind: StatefulSet", "name: csi-ctrl", "name: "+name).Replace(malformedBase)
	for _, args := range [][]string{{"-"}, {"--nodes", "../../../examples/node-plugin/nodes.yaml", "-"}} {
		_, stderr, code := run(t, in, nil, args...)
		if want := "warning: StatefulSet kube-system/" + name + " (-): placement: the StatefulSet's name has 55 characters"; code != 0 || !strings.Contains(stderr, want) {
			t.Errorf("%v: want exit 0 and %q, got %d:\n%s", args, want, code, stderr)
		}
	}
}
