package krmio

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// IsList reports whether the item is a v1 List, what `kubectl get -o yaml`
// prints: kustomize and kyaml read its items as resources.
func (it *Item) IsList() bool { return it.apiVersion == "v1" && it.kind == "List" }

// Members returns the resources in a v1 List item's `items`, as items that
// share the List's decoded node: an edit to a member, or a resource put
// after it, is an edit to the List, which is then encoded again whole. A
// member's text (Raw) is its lines of the List. A List with aliases has
// them expanded (and its anchors dropped) first, as a target has. Any other
// item has none.
// `items` that is not a sequence of mappings is an error naming the entry.
func (it *Item) Members() ([]*Item, error) {
	if !it.IsList() {
		return nil, nil
	}
	n, err := it.Node()
	if err != nil {
		return nil, err
	}
	// Members are edited as trees of their own: an alias from one into
	// another would be written through, or lose its anchor.
	if _, err := yn.Detach(n); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", sourceName(it.source), it.where(), err)
	}
	var seq, next *yaml.Node // `items`, and the key after it
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "items" {
			seq = n.Content[i+1]
			if i+2 < len(n.Content) {
				next = n.Content[i+2]
			}
		}
	}
	if seq == nil || seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
		return nil, nil
	}
	if seq.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: %s: `items` must be a sequence of resources, got %s", sourceName(it.source), it.where(), nodeKind(seq))
	}
	lines := bytes.SplitAfter(it.raw, []byte("\n"))
	text := func(from, to int) []byte { // lines from..to-1, from 1
		to = min(to, len(lines)+1)
		return bytes.Join(lines[min(from, to)-1:to-1], nil)
	}
	members := make([]*Item, 0, len(seq.Content))
	for i, e := range seq.Content {
		if e.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: %s: `items[%d]` must be a mapping (a resource), got %s", sourceName(it.source), it.where(), i, nodeKind(e))
		}
		end := len(lines) + 1
		switch {
		case i+1 < len(seq.Content):
			end = seq.Content[i+1].Line
		case next != nil:
			end = next.Line
		}
		raw := it.raw // members that may share a line (flow style): all of it
		if seq.Style&yaml.FlowStyle == 0 && end > e.Line {
			raw = text(e.Line, end)
		}
		members = append(members, &Item{raw: raw, seqIndent: it.seqIndent, Index: it.Index, Path: it.Path,
			line: it.line + e.Line - 1, source: it.source, kind: scalarAt(e, "kind"), apiVersion: scalarAt(e, "apiVersion"),
			node: e, parent: it, entries: seq})
	}
	return members, nil
}

// insertMember puts obj in the List right after the member it.
func (it *Item) insertMember(obj *yaml.Node) *Item {
	at := len(it.entries.Content)
	for i, e := range it.entries.Content {
		if e == it.node {
			at = i + 1
			break
		}
	}
	it.entries.Content = append(it.entries.Content[:at], append([]*yaml.Node{obj}, it.entries.Content[at:]...)...)
	it.parent.MarkChanged()
	return &Item{seqIndent: it.seqIndent, Index: -1, Path: it.Path, line: it.line, source: it.source, node: obj,
		kind: scalarAt(obj, "kind"), apiVersion: scalarAt(obj, "apiVersion"), parent: it.parent, entries: it.entries}
}
