package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzFunction holds the whole function, in each of its modes (a
// ResourceList on stdin, a manifest stream, the kustomize plugin), to what
// a user relies on, for any input that yaml.v3 reads:
//
//   - no panic; exit 0 or 1, and on exit 1 an error on stderr;
//   - on exit 0 the output parses, with the same items in the same order
//     (less the local-config items the stream modes drop);
//   - an item the policy does not place is unchanged, and a placed one
//     keeps every field outside the placement fields;
//   - a second run on the output changes nothing.
//
// The seeds are the examples' inputs and testdata/fuzz; the real
// manifests in ../shared are added when they are there.
func FuzzFunction(f *testing.F) {
	var seeds [][]byte
	for _, g := range []string{"../../../examples/*/base/*.yaml", "../../../examples/*/*.yaml", "../../../../shared/fixtures/real/*/*.yaml"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && (bytes.Contains(b, []byte("kind: Deployment")) || bytes.Contains(b, []byte("kind: StatefulSet"))) {
				seeds = append(seeds, b)
			}
		}
	}
	// Each example's input again as the v1 List kubectl prints.
	for _, b := range seeds {
		if docs, ok := decodeAll(b); ok && len(docs) > 1 {
			if l, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": docs, "metadata": map[string]any{"resourceVersion": ""}}); err == nil {
				seeds = append(seeds, l)
			}
		}
	}
	for _, b := range seeds {
		for mode := range byte(3) {
			f.Add(mode, byte(0), b)
		}
		f.Add(byte(0), byte(1), b)
	}
	f.Fuzz(func(t *testing.T, mode, variant byte, in []byte) {
		if len(in) > 1<<16 {
			return
		}
		docs, ok := decodeAll(in)
		if !ok {
			return
		}
		policy := policies[int(variant)%len(policies)]
		run := func(stream []byte) (string, string, int) {
			switch mode % 3 {
			case 0: // a ResourceList
				return runWith(t, resourceList(t, stream, policy), nil)
			case 1: // a stream, standalone
				return runWith(t, string(stream), nil, "--config", writeTemp(t, policy), "-")
			default: // the kustomize plugin
				return runWith(t, string(stream), map[string]string{PluginEnv: policy})
			}
		}
		if mode%3 == 0 {
			// The function reads the items as the ResourceList holds them,
			// written again by yaml.v3 (".0" becomes "0").
			var rl map[string]any
			if err := yaml.Unmarshal([]byte(resourceList(t, in, policy)), &rl); err != nil {
				return
			}
			docs, _ = rl["items"].([]any)
		}
		out, stderr, code := run(in)
		if code != 0 && code != 1 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
		if code == 1 {
			if !strings.Contains(stderr, "error") {
				t.Fatalf("exit 1 without an error on stderr:\n%s", stderr)
			}
			return
		}
		var got []any
		if mode%3 == 0 {
			var rl map[string]any
			if err := yaml.Unmarshal([]byte(out), &rl); err != nil {
				t.Fatalf("the output ResourceList does not parse: %v\n%s", err, out)
			}
			items, _ := rl["items"].([]any)
			got = items
		} else {
			var ok bool
			if got, ok = decodeAll([]byte(out)); !ok {
				t.Fatalf("the output does not parse:\n%s", out)
			}
			docs = withoutLocalConfig(docs)
		}
		// A v1 List is read as its items: each is judged as an item.
		docs, got = withMembers(docs), withMembers(got)
		if len(got) != len(docs) {
			t.Fatalf("%d items in, %d out:\n%s", len(docs), len(got), out)
		}
		for i := range docs {
			if kind(got[i]) != kind(docs[i]) || name(got[i]) != name(docs[i]) {
				t.Fatalf("item %d: %s %s in, %s %s out", i, kind(docs[i]), name(docs[i]), kind(got[i]), name(got[i]))
			}
			if a, b := outsidePlacement(docs[i]), outsidePlacement(got[i]); !reflect.DeepEqual(a, b) {
				t.Fatalf("item %d (%s %s) changed outside the placement fields:\n in: %v\nout: %v", i, kind(docs[i]), name(docs[i]), a, b)
			}
			if lost := lostContent(docs[i], got[i]); lost != "" {
				t.Fatalf("item %d (%s %s): %s\n%s", i, kind(docs[i]), name(docs[i]), lost, out)
			}
		}
		if d := duplicateAnchor([]byte(out)); d != "" {
			t.Fatalf("the output defines the anchor &%s twice in one document (PyYAML refuses it):\n%s", d, out)
		}
		if mode%3 == 0 {
			return // the output ResourceList carries results: its items are run again by the stream modes
		}
		again, stderr, code := run([]byte(out))
		if code != 0 || again != out {
			t.Fatalf("a second run changed the output (exit %d):\n%s\n--- once:\n%s\n--- twice:\n%s", code, stderr, out, again)
		}
	})
}

// policies the fuzz target runs: the default, and one that touches every
// rule.
var policies = []string{
	"apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec: {onNoMatch: Ignore}\n",
	"apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  onNoMatch: Ignore\n  replicas: 3\n  podAntiAffinity: {type: Required}\n  sidecars: {leaderElection: Add}\n  nodePlugin: {tolerateControlPlane: true}\n  priorityClassName: system-cluster-critical\n  topologySpread: {}\n  topologySpreads: [{topologyKey: kubernetes.io/hostname}]\n  resources: {mode: Add, memoryLimit: true}\n",
}

func runWith(t *testing.T, stdin string, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v\ninput:\n%s", r, stdin)
		}
	}()
	return run(t, stdin, env, args...)
}

func writeTemp(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// resourceList wraps a stream's documents as a ResourceList's items.
func resourceList(t *testing.T, stream []byte, policy string) string {
	docs, _ := decodeAll(stream)
	var fc any
	if err := yaml.Unmarshal([]byte(policy), &fc); err != nil {
		t.Fatal(err)
	}
	b, err := yaml.Marshal(map[string]any{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": docs, "functionConfig": fc})
	if err != nil {
		t.Skip("not encodable:", err)
	}
	return string(b)
}

// decodeAll reads every document of a stream as yaml.v3 does; it reports
// false where yaml.v3 refuses the stream or a document is not a mapping.
func decodeAll(b []byte) ([]any, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, true
		}
		if err != nil {
			return nil, false
		}
		if v == nil {
			continue
		}
		if _, ok := v.(map[string]any); !ok {
			return nil, false
		}
		out = append(out, v)
	}
}

// withMembers follows each v1 List with its items, and leaves the List
// without them.
func withMembers(docs []any) []any {
	var out []any
	for _, d := range docs {
		items, ok := get(d, "items").([]any)
		if fmt.Sprint(get(d, "apiVersion")) != "v1" || kind(d) != "List" || !ok {
			out = append(out, d)
			continue
		}
		l := maps.Clone(d.(map[string]any))
		delete(l, "items")
		out = append(append(out, l), items...)
	}
	return out
}

func withoutLocalConfig(docs []any) []any {
	var out []any
	for _, d := range docs {
		if a, _ := get(d, "metadata", "annotations").(map[string]any); a["config.kubernetes.io/local-config"] == "true" {
			continue
		}
		out = append(out, d)
	}
	return out
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func kind(v any) string { return fmt.Sprint(get(v, "kind")) }
func name(v any) string { return fmt.Sprint(get(v, "metadata", "name")) }

// outsidePlacement is an item less the fields the policy may set on a
// workload (and the pod template's annotations a rollout marks).
func outsidePlacement(v any) any {
	c := deepCopy(v)
	switch kind(c) {
	case "Deployment", "StatefulSet", "DaemonSet":
	default:
		return c
	}
	spec, _ := get(c, "spec").(map[string]any)
	for _, k := range []string{"replicas", "strategy", "updateStrategy"} {
		delete(spec, k)
	}
	pod, _ := get(c, "spec", "template", "spec").(map[string]any)
	for _, k := range []string{"affinity", "tolerations", "priorityClassName", "topologySpreadConstraints"} {
		delete(pod, k)
	}
	if cs, ok := pod["containers"].([]any); ok {
		for _, x := range cs {
			if m, ok := x.(map[string]any); ok {
				delete(m, "args")
				delete(m, "resources")
			}
		}
	}
	return c
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// lostContent says what of the user's tolerations and container args a
// placed workload lost: each must be kept (a leader-election flag may be
// switched on), and a field of the wrong type must have been refused.
func lostContent(in, out any) string {
	switch kind(in) {
	case "Deployment", "StatefulSet", "DaemonSet":
	default:
		return ""
	}
	if t := get(in, "spec", "template", "spec", "tolerations"); t != nil {
		ts, ok := t.([]any)
		if !ok && !reflect.DeepEqual(get(out, "spec", "template", "spec", "tolerations"), t) {
			return fmt.Sprintf("`spec.template.spec.tolerations` is %T, which the function must refuse or keep, not replace", t)
		}
		outTs, _ := get(out, "spec", "template", "spec", "tolerations").([]any)
		for _, x := range ts {
			if !slices.ContainsFunc(outTs, func(y any) bool { return reflect.DeepEqual(x, y) }) {
				return fmt.Sprintf("the toleration %v was lost", x)
			}
		}
	}
	inCs, _ := get(in, "spec", "template", "spec", "containers").([]any)
	outCs, _ := get(out, "spec", "template", "spec", "containers").([]any)
	for i, c := range inCs {
		a := get(c, "args")
		if a == nil {
			continue
		}
		args, ok := a.([]any)
		if !ok {
			if len(outCs) > i && !reflect.DeepEqual(get(outCs[i], "args"), a) {
				return fmt.Sprintf("containers[%d].args is %T, which the function must refuse or keep, not replace", i, a)
			}
			continue
		}
		var outArgs []any
		if len(outCs) > i {
			outArgs, _ = get(outCs[i], "args").([]any)
		}
		for _, x := range args {
			s, _ := x.(string)
			if !slices.ContainsFunc(outArgs, func(y any) bool { return reflect.DeepEqual(x, y) }) && !strings.Contains(s, "leader-elect") {
				return fmt.Sprintf("containers[%d].args lost %v", i, x)
			}
		}
	}
	return ""
}

// duplicateAnchor names an anchor defined twice in one document.
func duplicateAnchor(b []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			return ""
		}
		seen := map[string]bool{}
		var walk func(*yaml.Node) string
		walk = func(n *yaml.Node) string {
			if n.Anchor != "" {
				if seen[n.Anchor] {
					return n.Anchor
				}
				seen[n.Anchor] = true
			}
			for _, c := range n.Content {
				if d := walk(c); d != "" {
					return d
				}
			}
			return ""
		}
		if d := walk(&n); d != "" {
			return d
		}
	}
}
