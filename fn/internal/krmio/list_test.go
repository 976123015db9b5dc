package krmio

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestMembers(t *testing.T) {
	in := "apiVersion: v1\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
	s, err := ParseStream([]byte(in), "list.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	l := s.Items[0]
	ms, err := l.Members()
	if err != nil || len(ms) != 2 {
		t.Fatalf("members %v, %v", ms, err)
	}
	if ms[0].Kind() != "Deployment" || ms[0].APIVersion() != "apps/v1" || ms[0].Line() != 3 || ms[1].Kind() != "ConfigMap" || ms[1].Line() != 6 {
		t.Errorf("members read %s %s line %d, %s line %d", ms[0].APIVersion(), ms[0].Kind(), ms[0].Line(), ms[1].Kind(), ms[1].Line())
	}
	// A member's text is its lines, up to the List's next key.
	if got := string(ms[1].Raw()); got != "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n" {
		t.Errorf("member text %q", got)
	}

	// An edit to a member, and a resource put after it, are the List's.
	n, _ := ms[0].Node()
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "spec"}, &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle})
	ms[0].MarkChanged()
	pdb := &yaml.Node{}
	if err := yaml.Unmarshal([]byte("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: a}\n"), pdb); err != nil {
		t.Fatal(err)
	}
	added, err := ms[0].InsertAfter(pdb.Content[0])
	if err != nil || added.Kind() != "PodDisruptionBudget" {
		t.Fatalf("insert: %v %v", added, err)
	}
	if !l.Changed() || len(s.Items) != 2 {
		t.Errorf("the List must be changed (%v), and the new resource listed (%d items)", l.Changed(), len(s.Items))
	}
	var out bytes.Buffer
	if err := s.Write(&out); err != nil {
		t.Fatal(err)
	}
	want := "apiVersion: v1\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n  spec: {}\n- apiVersion: policy/v1\n  kind: PodDisruptionBudget\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}

	// Members that may share a line (flow style, JSON) have their own
	// encoding as text.
	s, _ = ParseStream([]byte("apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap}, {apiVersion: v1, kind: Secret}]\n"), "", 0)
	if ms, err := s.Items[0].Members(); err != nil || len(ms) != 2 || ms[1].Kind() != "Secret" || string(ms[1].Raw()) != "{apiVersion: v1, kind: Secret}\n" {
		t.Errorf("flow members: %v %v", ms, err)
	}

	// In an input decoded whole, a member's lines are the input's.
	s, err = ParseStream([]byte("# a\n# b\n--- {kind: A}\n---\napiVersion: v1\nkind: List\nitems:\n- kind: B\n  metadata: {name: b}\n"), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := s.Items[1].Members(); err != nil || len(ms) != 1 || ms[0].Line() != 8 || string(ms[0].Raw()) != "kind: B\nmetadata: {name: b}\n" {
		t.Errorf("members of a stream decoded whole: %v %v", ms, err)
	}

	// Members are read once: a List with an alias has it expanded on the
	// first read, and a second read gives the same members, with the text
	// of the expanded member, not the List's lines that hold the alias.
	s, err = ParseStream([]byte("apiVersion: v1\nkind: List\nitems:\n- kind: A\n  metadata: &m {name: x}\n- kind: B\n  metadata: *m\n"), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Items[0].Members()
	if err != nil || len(first) != 2 {
		t.Fatalf("members %v, %v", first, err)
	}
	again, err := s.Items[0].Members()
	if err != nil || len(again) != 2 || again[1] != first[1] {
		t.Fatalf("a second read made other members: %v, %v", again, err)
	}
	if got := string(again[1].Raw()); got != "kind: B\nmetadata: {name: x}\n" {
		t.Errorf("the aliased member's text on a second read: %q", got)
	}
}

func TestMembersRefused(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"apiVersion: v1\nkind: List\nitems: {a: b}\n", "document at line 1: `items` must be a sequence of resources, got a mapping"},
		{"apiVersion: v1\nkind: List\nitems: 3\n", "`items` must be a sequence of resources, got the scalar \"3\""},
		{"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n- just text\n", "`items[1]` must be a mapping (a resource), got the scalar \"just text\""},
	} {
		s, err := ParseStream([]byte(tc.in), "l.yaml", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Items[0].Members(); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "l.yaml: ") {
			t.Errorf("%q: got %v, want an error with %q", tc.in, err, tc.want)
		}
	}
	// An alias between members is expanded: each member is a tree of its own.
	s, _ := ParseStream([]byte("apiVersion: v1\nkind: List\nitems:\n- &a {apiVersion: v1, kind: ConfigMap, metadata: {labels: &l {a: b}}}\n- {apiVersion: v1, kind: Secret, metadata: {labels: *l}}\n- *a\n"), "", 0)
	ms, err := s.Items[0].Members()
	if err != nil || len(ms) != 3 || ms[2].Kind() != "ConfigMap" {
		t.Fatalf("aliased members: %v %v", ms, err)
	}
	var refs func(*yaml.Node) bool
	refs = func(n *yaml.Node) bool {
		r := n.Kind == yaml.AliasNode || n.Anchor != ""
		for _, c := range n.Content {
			r = refs(c) || r
		}
		return r
	}
	if n, _ := s.Items[0].Node(); refs(n) || scalarAt(ms[1].node.Content[5].Content[1], "a") != "b" {
		t.Errorf("aliases must be expanded, with their values, and anchors dropped")
	}

	// No items, null items, and any other kind: no members, no error.
	for _, in := range []string{"apiVersion: v1\nkind: List\n", "apiVersion: v1\nkind: List\nitems:\n", "apiVersion: v2\nkind: List\nitems: 3\n", "apiVersion: v1\nkind: ConfigMap\nitems: 3\n"} {
		s, _ := ParseStream([]byte(in), "", 0)
		if ms, err := s.Items[0].Members(); len(ms) != 0 || err != nil {
			t.Errorf("%q: %v %v", in, ms, err)
		}
	}
}
