package yamlnode

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

func parse(t *testing.T, in string) *kyaml.RNode {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(strings.TrimLeft(in, "\n")), &doc); err != nil {
		t.Fatal(err)
	}
	return kyaml.NewRNode(doc.Content[0])
}

func encode(t *testing.T, n *kyaml.RNode) string {
	t.Helper()
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(n.YNode()); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSet(t *testing.T) {
	for _, tc := range []struct {
		name, in, key, want string
		value               *kyaml.RNode
		order               []string
	}{
		{"after the closest key before it", "containers: []\nnodeSelector: {}\ntolerations: []\n", "affinity", "containers: []\nnodeSelector: {}\naffinity: x\ntolerations: []\n", kyaml.NewStringRNode("x"), PodSpecOrder},
		{"before the closest key after it", "hostAliases: []\ntolerations: []\n", "affinity", "hostAliases: []\naffinity: x\ntolerations: []\n", kyaml.NewStringRNode("x"), PodSpecOrder},
		{"unknown keys go last", "b: 1\na: 2\n", "z", "b: 1\na: 2\nz: x\n", kyaml.NewStringRNode("x"), PodSpecOrder},
		{"no order: last", "b: 1\n", "a", "b: 1\na: x\n", kyaml.NewStringRNode("x"), nil},
		{"replaced in place, the line comment kept", "a: 1 # why\nb: 2\n", "a", "a: [x] # why\nb: 2\n", Seq(kyaml.NewStringRNode("x")), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parse(t, tc.in)
			if tc.value.YNode().Kind == kyaml.SequenceNode {
				tc.value.YNode().Style = kyaml.FlowStyle
			}
			Set(m, tc.key, tc.value, tc.order)
			if got := encode(t, m); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestSetScalar(t *testing.T) {
	m := parse(t, "replicas: 3 # from the chart\n")
	SetScalar(m, "replicas", Int(1), DeploymentSpecOrder)
	SetScalar(m, "paused", kyaml.NewStringRNode("true"), DeploymentSpecOrder)
	if got, want := encode(t, m), "replicas: 1 # from the chart\npaused: \"true\"\n"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestEnsure(t *testing.T) {
	m := parse(t, "tolerations: []\nnodeSelector: null\n")
	seq := Ensure(m, "tolerations", kyaml.SequenceNode, PodSpecOrder)
	seq.YNode().Content = append(seq.YNode().Content, kyaml.NewStringRNode("a").YNode())
	aff := Ensure(m, "affinity", kyaml.MappingNode, PodSpecOrder)
	Set(aff, "nodeAffinity", Map("x", Int(1), "skipped", (*kyaml.RNode)(nil)), AffinityOrder)
	ns := Ensure(m, "nodeSelector", kyaml.MappingNode, PodSpecOrder)
	Set(ns, "k", kyaml.NewStringRNode("v"), nil)
	want := "tolerations:\n- a\nnodeSelector:\n  k: v\naffinity:\n  nodeAffinity:\n    x: 1\n"
	if got := encode(t, m); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if Ensure(m, "affinity", kyaml.MappingNode, nil).YNode() != aff.YNode() {
		t.Error("Ensure must return the existing mapping")
	}
}

func TestDeleteIfEmpty(t *testing.T) {
	m := parse(t, "a: {}\nb: {x: 1}\nc: null\nd: []\n")
	for _, k := range []string{"a", "b", "c", "d"} {
		DeleteIfEmpty(m, k)
	}
	if got, want := encode(t, m), "b: {x: 1}\nc: null\nd: []\n"; got != want {
		t.Errorf("only an empty mapping goes; got:\n%s", got)
	}
}

func TestRead(t *testing.T) {
	m := parse(t, "spec:\n  template:\n    metadata:\n      labels: {app: a, empty: null}\n  list: [x, y]\n  bad: [1]\n  null: ~\n")
	if got := String(m, "spec", "template", "metadata", "labels", "app"); got != "a" {
		t.Errorf("String: %q", got)
	}
	if got := StringMap(m, "spec", "template", "metadata", "labels"); len(got) != 2 || got["app"] != "a" || got["empty"] != "" {
		t.Errorf("StringMap: %v", got)
	}
	if got := Elements(Get(m, "spec", "list")); len(got) != 2 || String(got[1]) != "y" {
		t.Errorf("Elements: %v", got)
	}
	for _, path := range [][]string{{"spec", "missing"}, {"spec", "bad", "x"}, {"spec", "null", "x"}, {"nothing", "at", "all"}} {
		if n := Get(m, path...); n != nil {
			t.Errorf("Get %v: want nil, got %v", path, n.MustString())
		}
	}
	if String(m, "spec", "list") != "" || StringMap(m, "spec", "list") != nil || Elements(Get(m, "spec", "template")) != nil {
		t.Error("a node of another kind reads as empty")
	}
	if Get(nil, "a") != nil || String(nil) != "" {
		t.Error("nil reads as empty")
	}
}

func TestStripComments(t *testing.T) {
	m := parse(t, "# head\na: 1 # line\nb:\n  c: 2 # inner\n")
	if got, want := encode(t, StripComments(m.Copy())), "a: 1\nb:\n  c: 2\n"; got != want {
		t.Errorf("got:\n%s", got)
	}
	if !strings.Contains(encode(t, m), "# line") {
		t.Error("the original must keep its comments")
	}
}

// TestAliases: reads follow aliases, and edits land on the anchored node,
// as yaml.v3 reads the document.
func TestAliases(t *testing.T) {
	m := parse(t, "base: &b {app: a}\nlabels: *b\nlist: &l [x]\nitems: *l\nn: &n 1\ncount: *n\n")
	if got := StringMap(m, "labels"); got["app"] != "a" {
		t.Errorf("StringMap through an alias: %v", got)
	}
	if got := Elements(Get(m, "items")); len(got) != 1 || String(got[0]) != "x" {
		t.Errorf("Elements through an alias: %v", got)
	}
	if String(m, "count") != "1" || String(m, "labels", "app") != "a" {
		t.Error("String through an alias")
	}
	Set(Ensure(m, "labels", kyaml.MappingNode, nil), "tier", kyaml.NewStringRNode("c"), nil)
	if got, want := encode(t, m), "base: &b {app: a, tier: c}\nlabels: *b\nlist: &l [x]\nitems: *l\nn: &n 1\ncount: *n\n"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestGetReadsAsField holds Get to the walk it replaces, kyaml's Field step
// by step with aliases followed, on every path of a document that has
// duplicate keys, aliases, nulls and keys of other kinds.
func TestGetReadsAsField(t *testing.T) {
	m := parse(t, "a: &x {b: 1, b: 2, c: ~, d: [1]}\ne: *x\n? [k]\n: v\n1: one\nf: {g: {h: i}}\n")
	byField := func(n *kyaml.RNode, path ...string) *kyaml.RNode {
		n = deref(n)
		for _, k := range path {
			if kyaml.IsMissingOrNull(n) {
				return nil
			}
			f := n.Field(k)
			if f == nil {
				return nil
			}
			n = deref(f.Value)
		}
		return n
	}
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h", "1", "k", "x", ""}
	paths := 0
	for _, k1 := range keys {
		for _, k2 := range keys {
			for _, k3 := range keys {
				for _, path := range [][]string{{k1}, {k1, k2}, {k1, k2, k3}} {
					got, want := Get(m, path...), byField(m, path...)
					if got.IsNil() != want.IsNil() || !got.IsNil() && got.YNode() != want.YNode() {
						t.Fatalf("Get %q: got %v, want %v", path, got, want)
					}
					paths++
				}
			}
		}
	}
	if String(m, "a", "b") != "1" || String(m, "e", "b") != "1" || String(m, "f", "g", "h") != "i" {
		t.Error("Get: the first of duplicate keys, through an alias, three deep")
	}
}
