// Package krmio reads and writes KRM resources (a ResourceList, or a stream
// of YAML documents) so that items the function does not change are copied
// through byte for byte: they are split by a line lexer, never decoded, and
// never re-encoded. Only items the policy looks at are decoded with yaml.v3,
// and only items it changes are encoded again.
//
// The input reads as yaml.v3 reads it. The lexer handles block-style YAML
// and checks what it relies on: document markers and directives, the
// `items` sequence, every block mapping's keys for repeats (yaml.v3 refuses
// them when it decodes into Go values), kind and apiVersion, and aliases,
// which must name an anchor of their own item. Anything else (flow style,
// JSON, tabs, aliases across items or documents, other line breaks) is
// decoded whole, inside this package; a kind the lexer cannot read off its
// line is decoded at once. So the items ParseResourceList and ParseStream
// return are final: a decoded item that disagrees with the lexer is an
// error, never a second reading. What is refused is refused with the
// source and line. Invalid YAML inside an item the policy never decodes is
// passed through unchanged; decoding it is an error naming the item.
package krmio

import (
	"bytes"
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/csi-placement/csi-placement/fn/internal/parallel"
)

// Item is one resource of the input.
type Item struct {
	raw []byte
	// seqIndent is the column of the "- " that starts a ResourceList item,
	// or -1 for a document of a stream.
	seqIndent int
	// Index is the item's position in the input, from 0.
	Index int
	// Path is the file a stream document came from ("-" for stdin).
	Path string
	// line is the input line the item's text starts on, from 1; source
	// names the input in errors.
	line   int
	source string
	// probed is set when kind and apiVersion were read by the lexer, which
	// a decode must confirm.
	probed bool

	kind, apiVersion string

	root    *yaml.Node // what yaml.v3 decoded: the document node
	node    *yaml.Node // the resource's mapping, inside root
	decErr  error
	changed bool

	// list is the output the item belongs to, so that new items can be
	// put next to it.
	list *container
	// parent is the List whose `items` (entries) hold a member (Members).
	parent  *Item
	entries *yaml.Node
	// members are a List's (Members), read once: a second read would find
	// its aliases already expanded and take the text for the members'.
	members     []*Item
	membersErr  error
	membersRead bool
	// ownLines is set when node was decoded from raw, so that its lines
	// are raw's (an item of an input decoded whole has the input's).
	ownLines bool
}

// container is the output of a ResourceList or a stream: text and items.
type container struct {
	parts []part
	items *[]*Item
}

// InsertAfter adds a new resource to the output right after the item, in
// the same layout: the next entry of a ResourceList, or the next document
// of a stream. The new item is returned, already decoded.
func (it *Item) InsertAfter(obj *yaml.Node) (*Item, error) {
	if it.parent != nil {
		n := it.insertMember(obj)
		if c := it.parent.list; c != nil {
			*c.items = append(*c.items, n)
		}
		return n, nil
	}
	if it.list == nil {
		return nil, fmt.Errorf("item %d: cannot add resources next to it", it.Index)
	}
	n := &Item{seqIndent: it.seqIndent, Index: -1, Path: it.Path, list: it.list, node: obj,
		kind: scalarAt(obj, "kind"), apiVersion: scalarAt(obj, "apiVersion")}
	if it.seqIndent >= 0 {
		n.root = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.SequenceNode, Content: []*yaml.Node{obj}}}}
	} else {
		n.root = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{obj}}
	}
	n.changed = true
	raw, err := n.Bytes()
	if err != nil {
		return nil, err
	}
	n.raw, n.changed = raw, false
	add := []part{{item: n}}
	if it.seqIndent < 0 {
		add = []part{{lit: []byte("---\n")}, {item: n}}
	}
	c := it.list
	for i, p := range c.parts {
		if p.item == it {
			if len(it.raw) > 0 && it.raw[len(it.raw)-1] != '\n' {
				add = append([]part{{lit: []byte("\n")}}, add...)
			}
			c.parts = append(c.parts[:i+1], append(add, c.parts[i+1:]...)...)
			break
		}
	}
	*c.items = append(*c.items, n)
	return n, nil
}

// Kind is the item's kind, read without decoding the item.
func (it *Item) Kind() string { return it.kind }

// APIVersion is the item's apiVersion, read without decoding the item.
func (it *Item) APIVersion() string { return it.apiVersion }

// Raw is the item's text as it was read.
func (it *Item) Raw() []byte { return it.raw }

// Node decodes the item on first use and returns its mapping node. Changes
// made to it are written out only after MarkChanged. An item yaml.v3 cannot
// read, that is not a mapping or that repeats a key is an error naming the
// item and the line.
func (it *Item) Node() (*yaml.Node, error) {
	if it.node != nil || it.decErr != nil {
		return it.node, it.decErr
	}
	n, root, err := it.decode()
	if err != nil {
		it.decErr = fmt.Errorf("%s: %s: %w", sourceName(it.source), it.where(), err)
		return nil, it.decErr
	}
	it.root, it.node, it.ownLines = root, n, true
	return n, nil
}

// DecodeAll decodes items on every core when there are many, so that
// Node then returns at once what it would have: the node or the error.
// Items decode independently; each is decoded once.
func DecodeAll(items []*Item) {
	forEach(len(items), func(i int) { _, _ = items[i].Node() })
}

// forEach runs f for 0..n-1 on every core when n is large enough to pay
// for the goroutines.
func forEach(n int, f func(int)) { parallel.Each(n, parallelAbove, f) }

// where names the item in errors.
func (it *Item) where() string {
	if it.seqIndent < 0 {
		return fmt.Sprintf("document at line %d", it.line)
	}
	return fmt.Sprintf("item %d at line %d", it.Index, it.line)
}

// Line is the input line the item's text starts on, from 1.
func (it *Item) Line() int { return it.line }

func (it *Item) decode() (n, root *yaml.Node, err error) {
	root = &yaml.Node{}
	if err := yaml.Unmarshal(it.raw, root); err != nil {
		return nil, nil, relinedIn(err, it.raw, it.line)
	}
	n = root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if it.seqIndent >= 0 {
		// A ResourceList item is read as a one-entry sequence; the lexer
		// split the list where yaml.v3 does, or the input was decoded whole.
		if n.Kind != yaml.SequenceNode || len(n.Content) != 1 {
			return nil, nil, fmt.Errorf("must be one entry of `items`, as yaml.v3 reads the ResourceList")
		}
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("must be a mapping (a resource), got %s", nodeKind(n))
	}
	if d := findDup(n); d != nil {
		d.first, d.then = d.first+it.line-1, d.then+it.line-1
		return nil, nil, d
	}
	if it.probed && (scalarAt(n, "kind") != it.kind || scalarAt(n, "apiVersion") != it.apiVersion) {
		return nil, nil, fmt.Errorf("`kind` and `apiVersion` must read the same to the lexer (%q, %q) and to yaml.v3 (%q, %q)",
			it.kind, it.apiVersion, scalarAt(n, "kind"), scalarAt(n, "apiVersion"))
	}
	return n, root, nil
}

// MarkChanged records that the item's node was edited, so that it is encoded
// again on output (a List member's List, which holds it).
func (it *Item) MarkChanged() {
	it.changed = it.node != nil
	if it.parent != nil {
		it.parent.MarkChanged()
	}
}

// settle makes an item's output text its input once it is written, as
// InsertAfter does for a new item: its decoded node (an output of
// thousands of changed items holds thousands) is let go, and decoded
// again from the text if it is asked for.
func (it *Item) settle(text []byte) {
	it.raw, it.root, it.node, it.changed = text, nil, nil, false
}

// Changed reports whether the item will be encoded again on output.
func (it *Item) Changed() bool { return it.changed }

// Bytes is the item's text for output: the input bytes, or the edited node
// encoded in the layout the item came in.
func (it *Item) Bytes() ([]byte, error) {
	if !it.changed {
		return it.raw, nil
	}
	out, err := encodeDoc(it.root, !wideSequences(it.raw), len(it.raw)+len(it.raw)/2) // the item, and what the policy adds
	if err != nil {
		return nil, fmt.Errorf("item %d: %w", it.Index, err)
	}
	if it.seqIndent > 0 {
		out = indentLines(out, it.seqIndent)
	}
	if len(it.raw) > 0 && !bytes.HasSuffix(it.raw, []byte("\n")) {
		out = bytes.TrimSuffix(out, []byte("\n")) // as the input ended
	}
	if err := readsBack(out, it.root); err != nil {
		return nil, fmt.Errorf("item %d: encoded again, the edited item %w: refusing to write it", it.Index, err)
	}
	return out, nil
}

// encodeDoc is yaml.v3's encoding of a document, or of a node it puts in
// one (indent 2, sequences compact or not), by emit where it can; size is
// what the text is expected to take.
func encodeDoc(doc *yaml.Node, compact bool, size int) ([]byte, error) {
	if doc.Kind != yaml.DocumentNode {
		// What yaml.v3's Encode does with any other node.
		doc = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}
	}
	if out, ok := emit(doc, compact, size); ok {
		return out, nil
	}
	var b bytes.Buffer
	b.Grow(size)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if compact {
		enc.CompactSeqIndent()
	}
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// readsBack checks that text encoded from n reads back as n's data:
// yaml.v3's encoder has written text it cannot read (an anchor beside a
// comment), or that reads otherwise (an implicit null in a flow mapping
// written as ”).
func readsBack(text []byte, n *yaml.Node) error {
	if n.Kind != yaml.DocumentNode {
		n = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}
	}
	var back yaml.Node
	if err := yaml.Unmarshal(text, &back); err != nil {
		return fmt.Errorf("does not read back (%v)", err)
	}
	if empty(&back) && empty(n) {
		return nil // an empty document reads back as no node at all
	}
	if !sameData(&back, n) {
		return errors.New("does not read back (it reads back differently)")
	}
	return nil
}

// empty reports whether a decoded document holds nothing (or null).
func empty(d *yaml.Node) bool {
	if d.Kind == 0 || len(d.Content) == 0 {
		return true
	}
	c := d.Content[0]
	return len(d.Content) == 1 && c.Kind == yaml.ScalarNode && c.ShortTag() == "!!null"
}

// sameData reports whether two nodes hold the same data: kinds, resolved
// tags and values, whatever their style, comments and place.
func sameData(a, b *yaml.Node) bool {
	// An alias is compared by the anchor it names, not followed: an alias
	// may name its own ancestor (a merge key into itself).
	if a.Kind == yaml.AliasNode || b.Kind == yaml.AliasNode {
		return a.Kind == b.Kind && a.Value == b.Value
	}
	if a.Kind != b.Kind || len(a.Content) != len(b.Content) {
		return false
	}
	if a.Kind == yaml.ScalarNode && (a.Value != b.Value || a.ShortTag() != b.ShortTag()) {
		return false
	}
	for i := range a.Content {
		if !sameData(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// wideSequences reports whether the text indents a block sequence under its
// key ("key:\n  - a") rather than writing it compact ("key:\n- a"), judged
// by the first such sequence, as kyaml does. Re-encoded items keep the style.
func wideSequences(raw []byte) bool {
	lx := newLexer()
	parent := -1
	for len(raw) > 0 {
		var l []byte
		l, raw = cutLine(raw)
		info, ok := lx.line(l)
		if !ok {
			return false
		}
		if info.kind != lineNode {
			continue
		}
		if parent >= 0 && info.dash {
			return info.indent > parent
		}
		parent = -1
		if info.opens {
			parent = info.keyCol
		}
	}
	return false
}

func indentLines(b []byte, n int) []byte {
	pad := bytes.Repeat([]byte{' '}, n)
	out := make([]byte, 0, len(b)+n*bytes.Count(b, []byte("\n")))
	for len(b) > 0 {
		var l []byte
		l, b = cutLine(b)
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, pad...)
		}
		out = append(out, l...)
		out = append(out, '\n')
	}
	return out
}

// cutLine splits off the first line of b, without its line break.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}
