package cli

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const malformedBase = `apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-ctrl, namespace: kube-system}
spec:
  replicas: 2
  selector: {matchLabels: {app: csi}}
  template:
    metadata: {labels: {app: csi}}
    spec:
      containers:
      - name: csi-provisioner
        image: registry.k8s.io/sig-storage/csi-provisioner:v5.3.0
        args: ["--csi-address=/csi/csi.sock"]
`

// TestMalformedFields: a field the policy edits, given in a shape it
// cannot edit without losing what it holds, is an error naming the item
// and the field, in every mode; the item is not touched.
func TestMalformedFields(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
		set                  []string
	}{
		{"tolerations map", "      containers:\n", "      tolerations: {key: mine, operator: Exists}\n      containers:\n",
			"`spec.template.spec.tolerations` must be a list, got a mapping", nil},
		{"args string", `args: ["--csi-address=/csi/csi.sock"]`, `args: "--csi-address=/csi/csi.sock"`,
			"`spec.template.spec.containers[0].args` must be a list, got \"--csi-address=/csi/csi.sock\"", []string{"--set", "sidecars.leaderElection=Add"}},
		{"affinity list", "      containers:\n", "      affinity: [a]\n      containers:\n",
			"`spec.template.spec.affinity` must be a mapping, got a list", nil},
		{"toleration scalar", "      containers:\n", "      tolerations: [mine]\n      containers:\n",
			"`spec.template.spec.tolerations[0]` must be a mapping, got \"mine\"", nil},
		{"strategy string", "  selector:", "  strategy: RollingUpdate\n  selector:",
			"`spec.strategy` must be a mapping, got \"RollingUpdate\"", nil},
		// Found by FuzzFunction: the terms added from the selector matched
		// no pod, so every run added another.
		{"selector selects no template label", "    metadata: {labels: {app: csi}}", "    metadata: {labels: {app: csi-typo}}",
			"`spec.selector` must select the pod template's labels (`spec.template.metadata.labels`)", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Replace(malformedBase, tc.from, tc.to, 1)
			if in == malformedBase {
				t.Fatal("the case changes nothing")
			}
			out, stderr, code := run(t, in, nil, append(tc.set, "-")...)
			line := "error: Deployment kube-system/csi-ctrl (-): " + tc.want
			if code != 1 || out != "" || !strings.Contains(stderr, line) {
				t.Fatalf("want exit 1, no output and %q, got exit %d:\n%s", line, code, stderr)
			}
			// As a KRM function: the error is a result on the item and its
			// field, and the item is written unchanged.
			rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(in, "\n"), "\n", "\n  ") + "\n"
			out, _, code = run(t, rl, nil)
			var got struct {
				Items   []any
				Results []struct {
					Message, Severity string
					Field             struct{ Path string }
				}
			}
			if err := yaml.Unmarshal([]byte(out), &got); err != nil || code != 1 {
				t.Fatalf("exit %d, %v:\n%s", code, err, out)
			}
			var items []any
			if err := yaml.Unmarshal([]byte(strings.SplitN(rl, "items:\n", 2)[1]), &items); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, strings.SplitN(tc.to, "\n", 2)[0][2:]) {
				t.Errorf("the item must be kept as it was:\n%s", out)
			}
			found := false
			for _, r := range got.Results {
				found = found || r.Severity == "error" && strings.HasPrefix(r.Message, tc.want) && strings.HasPrefix(tc.want, "`"+r.Field.Path+"`")
			}
			if !found {
				t.Errorf("no error result on the field:\n%s", out)
			}
		})
	}
}

// TestAliasesAndAnchors: edits never write through an alias into another
// node and never copy an anchor (PyYAML refuses an anchor defined twice).
func TestAliasesAndAnchors(t *testing.T) {
	in := strings.NewReplacer(
		"{matchLabels: {app: csi}}", "{matchLabels: &sel {app: csi}}",
		"metadata: {labels: {app: csi}}", "metadata: {labels: *sel}",
		"      containers:\n", "      tolerations: *tols\n      containers:\n",
		"metadata: {name: csi-ctrl, namespace: kube-system}\n", "metadata: {name: csi-ctrl, namespace: kube-system}\nx-defaults: {tolerations: &tols [{key: mine, operator: Exists}]}\n",
	).Replace(malformedBase) + `---
apiVersion: v1
kind: ConfigMap
metadata: {name: tolerations}
data: {note: keep}
`
	in = strings.Replace(in, `args: ["--csi-address=/csi/csi.sock"]`, "args: &args [\"--csi-address=/csi/csi.sock\"]\n      - name: csi-attacher\n        image: registry.k8s.io/sig-storage/csi-attacher:v4.9.0\n        args: *args", 1)
	out, stderr, code := run(t, in, nil, "--set", "sidecars.leaderElection=Add", "-")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if d := duplicateAnchor([]byte(out)); d != "" {
		t.Errorf("the anchor &%s is defined twice:\n%s", d, out)
	}
	docs, ok := decodeAll([]byte(out))
	if !ok || len(docs) != 2 {
		t.Fatalf("the output must read as two documents:\n%s", out)
	}
	cs := get(docs[0], "spec", "template", "spec", "containers").([]any)
	for i, c := range cs {
		args := get(c, "args").([]any)
		if len(args) != 2 || args[0] != "--csi-address=/csi/csi.sock" || args[1] != "--leader-election" {
			t.Errorf("containers[%d].args = %v, want the address and one --leader-election", i, args)
		}
	}
	if ls := get(docs[0], "spec", "template", "metadata", "labels"); ls.(map[string]any)["app"] != "csi" {
		t.Errorf("the template's labels changed: %v", ls)
	}
	if ts := get(docs[0], "x-defaults", "tolerations").([]any); len(ts) != 1 {
		t.Errorf("the tolerations the alias named changed: %v", ts)
	}
	if ts := get(docs[0], "spec", "template", "spec", "tolerations").([]any); len(ts) != 6 {
		t.Errorf("want the user's toleration and the five of the control plane, got %v", ts)
	}
	again, _, _ := run(t, out, nil, "--set", "sidecars.leaderElection=Add", "-")
	if again != out {
		t.Errorf("a second run changed the output")
	}
}
