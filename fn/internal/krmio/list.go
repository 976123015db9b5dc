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

// IsNode reports whether the item is a v1 Node: an inventory of the
// cluster, read by the proof and never placed.
func (it *Item) IsNode() bool { return it.apiVersion == "v1" && it.kind == "Node" }

// Members returns the resources in a v1 List item's `items`, as items that
// share the List's decoded node: an edit to a member, or a resource put
// after it, is an edit to the List, which is then encoded again whole. A
// List with aliases has them expanded (and its anchors dropped) first, as
// a target has. Any other item has none.
// `items` that is not a sequence of mappings is an error naming the entry.
// The members are made once: every caller edits and reads the same ones.
func (it *Item) Members() ([]*Item, error) {
	if !it.IsList() {
		return nil, nil
	}
	if !it.membersRead {
		it.members, it.membersErr = it.readMembers()
		it.membersRead = true
	}
	return it.members, it.membersErr
}

func (it *Item) readMembers() ([]*Item, error) {
	n, err := it.Node()
	if err != nil {
		return nil, err
	}
	// Members are edited as trees of their own: an alias from one into
	// another would be written through, or lose its anchor.
	detached, err := yn.Detach(n)
	if err != nil {
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
	// A member's text is its lines of the List where they hold it: block
	// style, decoded from this text, no alias expanded into it. Otherwise
	// (JSON, `kubectl get -o json`) it is the member encoded alone: the
	// text is what the rules read for names and sockets.
	exact := it.ownLines && seq.Style&yaml.FlowStyle == 0 && !detached
	lines := bytes.SplitAfter(it.raw, []byte("\n"))
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
		var raw []byte
		if end = min(end, len(lines)+1); exact && e.Line >= 1 && end > e.Line {
			raw = bytes.Join(lines[e.Line-1:end-1], nil)
		} else if raw, err = encodeNode(e, true); err != nil {
			return nil, fmt.Errorf("%s: %s: `items[%d]`: %w", sourceName(it.source), it.where(), i, err)
		}
		line := e.Line // an input decoded whole numbers its own lines
		if it.ownLines {
			line += it.line - 1
		}
		members = append(members, &Item{raw: raw, seqIndent: it.seqIndent, Index: it.Index, Path: it.Path,
			line: line, source: it.source, kind: scalarAt(e, "kind"), apiVersion: scalarAt(e, "apiVersion"),
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
