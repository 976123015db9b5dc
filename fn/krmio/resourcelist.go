package krmio

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// ResourceList is a KRM Functions Specification ResourceList, kept as the
// text it came in. Writing it copies that text through, with changed items
// re-encoded in place and the function's results in place of any old ones.
type ResourceList struct {
	Items []*Item
	// Kind and APIVersion are the ResourceList's own.
	Kind, APIVersion string
	// FunctionConfig is a YAML document whose single key, functionConfig,
	// holds the function's config; nil when the list has none.
	FunctionConfig []byte

	container
}

// part is a piece of the output: literal text, or an item.
type part struct {
	lit  []byte
	item *Item
}

var errLayout = errors.New("layout not handled by the lexer")

// ParseResourceList reads a ResourceList. Block-style YAML, as kpt and
// kustomize write it, is split by the lexer; anything else is decoded
// whole with yaml.v3, which is slower but reads any YAML.
func ParseResourceList(data []byte) (*ResourceList, error) {
	rl, err := splitResourceList(data)
	if errors.Is(err, errLayout) {
		return DecodeResourceList(data)
	}
	return rl, err
}

// splitResourceList is the fast path: one pass of the lexer over the input.
func splitResourceList(data []byte) (*ResourceList, error) {
	rl := &ResourceList{}
	type section struct {
		key        string
		start, end int
	}
	var (
		lx        = newLexer()
		sections  []section
		inItems   bool
		seqIndent = -1
		content   = -1 // indentation of the current item's keys
		cur       *Item
		curStart  int
		lastEnd   int // end of the last line that is part of a node
		items     []*Item
		starts    []int
	)
	finishItem := func() {
		if cur != nil {
			cur.raw = data[curStart:lastEnd]
			cur = nil
		}
	}
	for off := 0; off < len(data); {
		l, _ := cutLine(data[off:])
		next := off + len(l) + 1
		if next > len(data) {
			next = len(data)
		}
		if len(sections) == 0 && isMarker(l, "---") && len(bytes.TrimSpace(l[3:])) == 0 {
			off = next
			continue
		}
		info, ok := lx.line(l)
		if !ok {
			return nil, errLayout
		}
		switch {
		case info.kind == lineTrivia:
		case info.kind == lineCont:
			lastEnd = next
		case info.indent == 0 && !info.dash:
			finishItem()
			if info.key == "" {
				return nil, errLayout
			}
			if n := len(sections); n > 0 {
				sections[n-1].end = off
			}
			sections = append(sections, section{key: info.key, start: off, end: len(data)})
			inItems = info.key == "items"
			switch info.key {
			case "items":
				if !info.opens && !isEmptyFlowSeq(l) {
					return nil, errLayout
				}
			case "kind":
				rl.Kind = info.value
			case "apiVersion":
				rl.APIVersion = info.value
			}
			lastEnd = next
		case inItems:
			if seqIndent < 0 {
				seqIndent = info.indent
			}
			switch {
			case info.indent < seqIndent || info.indent == seqIndent && !info.dash:
				return nil, errLayout
			case info.indent == seqIndent:
				finishItem()
				cur = &Item{seqIndent: seqIndent, Index: len(items)}
				curStart = off
				items, starts = append(items, cur), append(starts, off)
				content = info.keyCol
				if info.key != "" {
					cur.probe(info)
				}
			default:
				if content < 0 {
					content = info.indent
				}
				if info.indent == content && !info.dash && info.key != "" {
					cur.probe(info)
				}
			}
			lastEnd = next
		default:
			lastEnd = next
		}
		off = next
	}
	finishItem()
	if lx.quote != 0 || lx.flow > 0 {
		return nil, errLayout
	}

	// The output is the input with items as parts of their own and the old
	// results section left out.
	at := 0
	for _, s := range sections {
		switch s.key {
		case "results":
			rl.parts = append(rl.parts, part{lit: data[at:s.start]})
			at = s.end
		case "functionConfig":
			rl.FunctionConfig = data[s.start:s.end]
		case "items":
			for i, it := range items {
				rl.parts = append(rl.parts, part{lit: data[at:starts[i]]}, part{item: it})
				at = starts[i] + len(it.raw)
			}
		}
	}
	rl.parts = append(rl.parts, part{lit: data[at:]})
	rl.Items = items
	rl.adopt(&rl.Items)
	return rl, nil
}

func isEmptyFlowSeq(l []byte) bool {
	_, v, _ := bytes.Cut(l, []byte(":"))
	v, _, _ = bytes.Cut(v, []byte(" #"))
	return string(bytes.TrimSpace(v)) == "[]"
}

// probe records the item's kind or apiVersion from one of its top-level keys.
func (it *Item) probe(info lineInfo) {
	switch info.key {
	case "kind":
		it.kind = info.value
	case "apiVersion":
		it.apiVersion = info.value
	}
}

// DecodeResourceList reads a ResourceList with a full yaml.v3 decode: the
// path for YAML the lexer does not handle (flow style, JSON, tabs). Items
// are encoded one by one for output, which is linear in their number,
// where encoding the whole list as one document is not.
func DecodeResourceList(data []byte) (*ResourceList, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading the ResourceList: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("reading the ResourceList: input is empty")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("reading the ResourceList: must be a mapping")
	}
	rl := &ResourceList{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "results":
			continue
		case "kind":
			rl.Kind = v.Value
		case "apiVersion":
			rl.APIVersion = v.Value
		case "items":
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				rl.parts = append(rl.parts, part{lit: []byte("items: []\n")})
				continue
			}
			rl.parts = append(rl.parts, part{lit: []byte("items:\n")})
			for j, n := range v.Content {
				seq := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}
				raw, err := encodeNode(seq, true)
				if err != nil {
					return nil, fmt.Errorf("item %d: %w", j, err)
				}
				it := &Item{raw: raw, Index: j, seqIndent: 0}
				if n.Kind == yaml.MappingNode {
					it.root = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{seq}}
					it.node = n
					it.kind, it.apiVersion = scalarAt(n, "kind"), scalarAt(n, "apiVersion")
				}
				rl.Items = append(rl.Items, it)
				rl.parts = append(rl.parts, part{item: it})
			}
			continue
		}
		text, err := encodeNode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}, true)
		if err != nil {
			return nil, err
		}
		if k.Value == "functionConfig" {
			rl.FunctionConfig = text
		}
		rl.parts = append(rl.parts, part{lit: text})
	}
	rl.adopt(&rl.Items)
	return rl, nil
}

// adopt makes the container the owner of its items.
func (c *container) adopt(items *[]*Item) {
	c.items = items
	for _, it := range *items {
		it.list = c
	}
}

// Write writes the ResourceList, then results (a "results:" section, or
// nothing).
func (rl *ResourceList) Write(w io.Writer, results []byte) error {
	return writeParts(w, rl.parts, results)
}

func writeParts(w io.Writer, parts []part, tail []byte) error {
	var last []byte
	for _, p := range parts {
		b := p.lit
		if p.item != nil {
			var err error
			if b, err = p.item.Bytes(); err != nil {
				return err
			}
		}
		if len(b) == 0 {
			continue
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		last = b
	}
	if len(tail) == 0 {
		return nil
	}
	if len(last) > 0 && last[len(last)-1] != '\n' {
		if _, err := w.Write([]byte("\n")); err != nil {
			return err
		}
	}
	_, err := w.Write(tail)
	return err
}

func encodeNode(n *yaml.Node, compact bool) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if compact {
		enc.CompactSeqIndent()
	}
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// scalarAt returns the value of a scalar key of a mapping, or "".
func scalarAt(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.ScalarNode {
			return m.Content[i+1].Value
		}
	}
	return ""
}
