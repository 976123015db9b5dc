package krmio

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// sameData is what the read-back check of an edited item compares: the
// data, not its style, comments or place.
func TestSameData(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"a: 1\nb: [x, y]\n", "{a: 1, b: [x, y]}", true},
		{"a: 1 # c\n", "# head\na: 1\n", true},
		{"a: \"1\"\n", "a: '1'\n", true},
		{"x: &a {k: v}\ny: *a\n", "x: &a {k: v}\ny: *a\n", true},
		{"x: &a {k: v}\ny: *a\n", "x: {k: v}\ny: {k: v}\n", false},
		{"a: 1\n", "a: \"1\"\n", false},
		{"a: 1\n", "a: 2\n", false},
		{"a: [x]\n", "a: [x, y]\n", false},
		{"a: {k: v}\n", "a: [k, v]\n", false},
		{"a: true\n", "a: yes\n", false},
	} {
		var a, b yaml.Node
		if err := yaml.Unmarshal([]byte(tc.a), &a); err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal([]byte(tc.b), &b); err != nil {
			t.Fatal(err)
		}
		if got := sameData(&a, &b); got != tc.same {
			t.Errorf("sameData(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

// An edited item reads back as edited, and is written.
func TestReadBack(t *testing.T) {
	s, err := ParseStream([]byte("apiVersion: v1\nkind: ConfigMap\ndata: # the data\n  y: \"1\"\n"), "f.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	it := s.Items[0]
	n, err := it.Node()
	if err != nil {
		t.Fatal(err)
	}
	data := n.Content[5]
	data.Content = append(data.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "z"}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "true"})
	it.MarkChanged()
	b, err := it.Bytes()
	if want := "apiVersion: v1\nkind: ConfigMap\ndata: # the data\n  y: \"1\"\n  z: \"true\"\n"; err != nil || string(b) != want {
		t.Fatalf("got %q, %v; want %q", b, err, want)
	}
}
