package krmio

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestParallelEncode: items encoded on every core come out in order and
// as one by one, with an unchanged item between each.
func TestParallelEncode(t *testing.T) {
	var in strings.Builder
	in.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	n := 4 * parallelAbove
	for i := range n {
		fmt.Fprintf(&in, "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c%d} # c%d\n  data:\n    k: 'v%d'\n", i, i, i)
	}
	rl, err := ParseResourceList([]byte(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	want.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for i, it := range rl.Items {
		if i%2 == 0 {
			if _, err := it.Node(); err != nil {
				t.Fatal(err)
			}
			it.MarkChanged()
		}
		b, err := it.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		want.Write(b)
	}
	var got bytes.Buffer
	if err := rl.Write(&got, nil); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("got:\n%s\nwant:\n%s", got.String(), want.String())
	}
}

// TestDecodeAll: items decoded on every core are what Node decodes.
func TestDecodeAll(t *testing.T) {
	var in strings.Builder
	in.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for i := range 4 * parallelAbove {
		fmt.Fprintf(&in, "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d%d}\n", i)
	}
	rl, err := ParseResourceList([]byte(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	DecodeAll(rl.Items)
	for i, it := range rl.Items {
		if it.node == nil {
			t.Fatalf("item %d was not decoded", i)
		}
		n, err := it.Node()
		if err != nil || n.Content[5].Content[1].Value != fmt.Sprintf("d%d", i) {
			t.Errorf("item %d: %v, %v", i, n, err)
		}
	}
}

// TestWriteSettles: once written, a changed item reads as its output, and
// a second write and a second edit start from there.
func TestWriteSettles(t *testing.T) {
	rl, err := ParseResourceList([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    k: v # why\n"))
	if err != nil {
		t.Fatal(err)
	}
	it := rl.Items[0]
	n, err := it.Node()
	if err != nil {
		t.Fatal(err)
	}
	n.Content[7].Content[1].Value = "w"
	it.MarkChanged()
	var first, second bytes.Buffer
	if err := rl.Write(&first, nil); err != nil {
		t.Fatal(err)
	}
	if err := rl.Write(&second, nil); err != nil || second.String() != first.String() {
		t.Fatalf("a second write: %v\n%s", err, second.String())
	}
	if !strings.Contains(first.String(), "k: w # why\n") || it.Changed() {
		t.Fatalf("first write:\n%s", first.String())
	}
	n, err = it.Node()
	if err != nil || n.Content[7].Content[1].Value != "w" {
		t.Fatalf("the node read again must hold the edit: %v", err)
	}
	n.Content[7].Content[1].Value = "x"
	it.MarkChanged()
	var third bytes.Buffer
	if err := rl.Write(&third, nil); err != nil || third.String() != strings.Replace(first.String(), "k: w", "k: x", 1) {
		t.Fatalf("a second edit: %v\n%s", err, third.String())
	}
}
