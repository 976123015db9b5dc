package krmio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
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

// ParseResourceList reads a ResourceList. Block-style YAML, as kpt and
// kustomize write it, is split by the lexer; anything else is decoded
// whole with yaml.v3, which is slower but reads any YAML. Either way the
// result is the one yaml.v3 reads, or an error naming the source and line:
// a ResourceList is one YAML document, a mapping with one `items` key
// holding a sequence of mappings, and no mapping in it repeats a key.
func ParseResourceList(data []byte) (*ResourceList, error) {
	rl, err := splitResourceList(data)
	if errors.Is(err, errLayout) {
		return DecodeResourceList(data)
	}
	return rl, err
}

var bom = []byte("\ufeff")

// oddBreaks reports whether data holds line breaks other than "\n" and
// "\r\n" (yaml.v3 also breaks lines at a lone "\r", NEL, LS and PS), or a
// byte order mark past the start: the lexer leaves those to yaml.v3.
func oddBreaks(data []byte) bool {
	if bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff")) ||
		len(data) >= 2 && (data[0] == 0 || data[1] == 0) { // UTF-16 or UTF-32
		return true
	}
	// One pass of IndexByte a lead byte: NEL is C2 85, LS and PS E2 80 A8
	// and E2 80 A9, a byte order mark EF BB BF.
	for _, lead := range []byte{'\r', 0xc2, 0xe2, 0xef} {
		for at := 0; ; at++ {
			i := bytes.IndexByte(data[at:], lead)
			if i < 0 {
				break
			}
			at += i
			rest := data[at+1:]
			switch lead {
			case '\r':
				if len(rest) == 0 || rest[0] != '\n' {
					return true
				}
			case 0xc2:
				if len(rest) > 0 && rest[0] == 0x85 {
					return true
				}
			case 0xe2:
				if len(rest) > 1 && rest[0] == 0x80 && (rest[1] == 0xa8 || rest[1] == 0xa9) {
					return true
				}
			case 0xef:
				if at > 0 && bytes.HasPrefix(rest, bom[1:]) {
					return true
				}
			}
		}
	}
	return false
}

// isYAML11 reports whether l is the directive "%YAML 1.1", the version
// yaml.v3 reads (it refuses others).
func isYAML11(l []byte) bool {
	l = bytes.TrimRight(l, " \t\r")
	if c := bytes.Index(l, []byte(" #")); c >= 0 {
		l = bytes.TrimRight(l[:c], " \t")
	}
	f := bytes.Fields(l)
	return len(f) == 2 && string(f[0]) == "%YAML" && string(f[1]) == "1.1"
}

// markerOnly reports whether the rest of a document marker line is empty
// or a comment.
func markerOnly(l []byte) bool {
	rest := bytes.TrimSpace(l[3:])
	return len(rest) == 0 || rest[0] == '#'
}

// splitResourceList is the fast path: one pass of the lexer over the input.
// errLayout means the input must be decoded whole.
func splitResourceList(data []byte) (*ResourceList, error) {
	if oddBreaks(data) {
		return nil, errLayout
	}
	rl := &ResourceList{}
	type section struct {
		key        string
		start, end int
	}
	var (
		lx        = newLexer()
		keys      keyTracker
		sections  []section
		inItems   bool
		seqIndent = -1
		content   = -1 // indentation of the current item's keys; -2: not a block mapping
		cur       *Item
		curStart  int
		lastEnd   int // end of the last line that is part of a node
		items     []*Item
		starts    []int
		doubt     []*Item // items whose kind or apiVersion only a decode can tell
		probing   bool    // the last node line set a kind or apiVersion
		rlProbing bool    // the same, for the ResourceList's own
		line      int
		directive bool
		marker    bool
		ended     bool // after "...": only comments may follow
	)
	doubtCur := func() {
		if n := len(doubt); n == 0 || doubt[n-1] != cur {
			doubt = append(doubt, cur)
		}
	}
	finishItem := func() {
		if cur == nil {
			return
		}
		cur.raw = data[curStart:lastEnd]
		if content == -1 {
			doubtCur() // no node: null
		}
		cur = nil
	}
	off := 0
	if bytes.HasPrefix(data, bom) {
		off = len(bom)
	}
	for off < len(data) {
		l, _ := cutLine(data[off:])
		line++
		next := min(off+len(l)+1, len(data))
		idle := lx.quote == 0 && lx.flow == 0
		switch {
		case ended:
			if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
				return nil, errLayout // a second document
			}
			off = next
			continue
		case len(sections) == 0 && idle && l0(l) == '%':
			if marker || directive || !isYAML11(l) {
				return nil, errLayout
			}
			directive = true
			off = next
			continue
		case len(sections) == 0 && !marker && isMarker(l, "---") && markerOnly(l):
			marker = true
			off = next
			continue
		case len(sections) > 0 && idle && isMarker(l, "...") && markerOnly(l):
			if n := len(sections); n > 0 {
				sections[n-1].end = off
			}
			finishItem()
			ended = true
			off = next
			continue
		}
		info, ok := lx.line(l)
		if !ok {
			return nil, errLayout
		}
		multiMap := lx.multiMap
		lx.multiMap = false
		for _, fm := range lx.flowMaps {
			d, ok := flowDup(fm, line)
			switch {
			case !ok:
				multiMap = true // decode the item, or the whole list
			case d != nil && cur != nil && (info.kind == lineCont || info.indent > seqIndent):
				return nil, fmt.Errorf("%s: item %d at line %d: %w", rlSource, cur.Index, cur.line, d)
			case d != nil:
				multiMap = true // a new item or a section: the decode names it
			}
		}
		switch {
		case info.kind == lineTrivia:
			off = next
			continue
		case info.kind == lineCont:
			if rlProbing {
				return nil, errLayout
			}
			if probing && cur != nil {
				doubtCur()
			}
			if !lx.commit(false) || multiMap && cur == nil {
				return nil, errLayout
			}
			if multiMap {
				doubtCur()
			}
			lastEnd = next
			off = next
			continue
		}
		probing, rlProbing = false, false
		if len(sections) == 0 && (info.indent != 0 || info.dash) {
			return nil, errLayout // not a block mapping
		}
		if d := keys.node(info, line); d != nil {
			switch {
			case info.indent == 0 && !info.dash:
				return nil, fmt.Errorf("%s: ResourceList must have one `%s` key, found a second at line %d", rlSource, d.key, d.then)
			case cur != nil:
				return nil, fmt.Errorf("%s: item %d at line %d: %w", rlSource, cur.Index, cur.line, d)
			default:
				return nil, fmt.Errorf("%s: in `%s`: %w", rlSource, sections[len(sections)-1].key, d)
			}
		}
		switch {
		case info.indent == 0 && !info.dash:
			finishItem()
			if len(info.key) == 0 || directive && !marker || !lx.commit(true) {
				return nil, errLayout
			}
			if n := len(sections); n > 0 {
				sections[n-1].end = off
			}
			sections = append(sections, section{key: string(info.key), start: off, end: len(data)})
			inItems = false
			switch string(info.key) {
			case "items":
				switch {
				case info.opens:
					inItems = true
				case info.exact && isNull(string(info.value)), isEmptyFlowSeq(l):
				default:
					return nil, errLayout
				}
			case "kind", "apiVersion":
				if !info.exact {
					return nil, errLayout
				}
				if string(info.key) == "kind" {
					rl.Kind = string(info.value)
				} else {
					rl.APIVersion = string(info.value)
				}
				rlProbing = true
			}
		case inItems:
			if seqIndent < 0 {
				seqIndent = info.indent
			}
			switch {
			case info.indent < seqIndent || info.indent == seqIndent && !info.dash:
				return nil, errLayout
			case info.indent == seqIndent:
				finishItem()
				if !lx.commit(true) {
					return nil, errLayout
				}
				cur = &Item{seqIndent: seqIndent, Index: len(items), line: line, source: rlSource, probed: true}
				curStart = off
				items, starts = append(items, cur), append(starts, off)
				switch {
				case info.dashes == 1 && len(info.key) > 0:
					content = info.keyCol
					if probing = cur.probe(info); !cur.probed {
						doubtCur()
					}
				case info.dashes == 1 && !info.scalar:
					content = -1
				default:
					content = -2
					doubtCur()
				}
			default:
				if !lx.commit(false) {
					return nil, errLayout
				}
				if content == -1 {
					content = info.indent
					if info.dash || len(info.key) == 0 {
						content = -2
						doubtCur()
					}
				}
				if info.indent == content && !info.dash && len(info.key) > 0 {
					if probing = cur.probe(info); !cur.probed {
						doubtCur()
					}
				}
			}
		default:
			if !lx.commit(false) {
				return nil, errLayout
			}
		}
		if multiMap {
			if cur == nil {
				return nil, errLayout
			}
			doubtCur()
		}
		lastEnd = next
		off = next
	}
	finishItem()
	if lx.quote != 0 || lx.flow > 0 || len(sections) == 0 {
		return nil, errLayout
	}
	for _, it := range doubt {
		it.probed = false
		n, err := it.Node()
		if err != nil {
			return nil, err
		}
		it.kind, it.apiVersion = scalarAt(n, "kind"), scalarAt(n, "apiVersion")
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

// l0 is the first byte of a line, or 0.
func l0(l []byte) byte {
	if len(l) == 0 {
		return 0
	}
	return l[0]
}

// isNull reports whether a plain scalar is null to yaml.v3.
func isNull(v string) bool {
	switch v {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

func isEmptyFlowSeq(l []byte) bool {
	_, v, _ := bytes.Cut(l, []byte(":"))
	v, _, _ = bytes.Cut(v, []byte(" #"))
	return string(bytes.TrimSpace(v)) == "[]"
}

// probe records the item's kind or apiVersion from one of its top-level
// keys, and reports whether it did. A value the line does not hold whole
// leaves it to a decode.
func (it *Item) probe(info lineInfo) bool {
	switch string(info.key) {
	case "kind", "apiVersion":
	case "<<":
		it.probed = false // a merge key may bring them
		return false
	default:
		return false
	}
	if !info.exact {
		it.probed = false
		return false
	}
	if string(info.key) == "kind" {
		it.kind = string(info.value)
	} else {
		it.apiVersion = string(info.value)
	}
	return true
}

// DecodeResourceList reads a ResourceList with a full yaml.v3 decode: the
// path for YAML the lexer does not handle (flow style, JSON, tabs,
// aliases across items). Items are encoded one by one for output, which is
// linear in their number, where encoding the whole list as one document
// is not.
func DecodeResourceList(data []byte) (*ResourceList, error) {
	src := rlSource
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: must be a ResourceList, found no YAML document", src)
		}
		return nil, fmt.Errorf("%s: %w", src, relinedIn(err, data, 1))
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil:
		return nil, fmt.Errorf("%s: a ResourceList is one YAML document: a second document at line %d must not follow", src, second.Line)
	case !errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%s: a ResourceList is one YAML document, and after it: %w", src, relined(err, 1))
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: a ResourceList must be a mapping, got %s at line %d", src, nodeKind(root), root.Line)
	}
	rl := &ResourceList{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		for j := i + 2; j+1 < len(root.Content); j += 2 {
			if a, b := root.Content[i], root.Content[j]; a.Kind == b.Kind && a.Value == b.Value {
				return nil, fmt.Errorf("%s: ResourceList must have one `%s` key, found a second at line %d", src, b.Value, b.Line)
			}
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "items" {
			if d := findDup(v); d != nil {
				return nil, fmt.Errorf("%s: in `%s`: %w", src, k.Value, d)
			}
		}
		switch k.Value {
		case "results":
			continue
		case "kind":
			rl.Kind = scalarValue(v)
		case "apiVersion":
			rl.APIVersion = scalarValue(v)
		case "items":
			seq := v
			if v.Kind == yaml.AliasNode {
				budget := maxExpansion
				if seq, _ = yn.Expand(v, &budget); seq == nil {
					return nil, fmt.Errorf("%s: `items`: its aliases must not expand to more than %d nodes", src, maxExpansion)
				}
			}
			if seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
				seq = &yaml.Node{Kind: yaml.SequenceNode}
			}
			if seq.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("%s: `items` must be a sequence, got %s at line %d", src, nodeKind(seq), v.Line)
			}
			if len(seq.Content) == 0 {
				rl.parts = append(rl.parts, part{lit: []byte("items: []\n")})
				continue
			}
			rl.parts = append(rl.parts, part{lit: []byte("items:\n")})
			budget := maxExpansion
			for j, n := range seq.Content {
				line := n.Line
				if n.Kind == yaml.AliasNode {
					// The same resource twice: two items, two nodes.
					cp, ok := yn.Expand(n, &budget)
					if !ok {
						return nil, fmt.Errorf("%s: item %d at line %d: its aliases must not expand to more than %d nodes", src, j, line, maxExpansion)
					}
					n = cp
				}
				if n.Kind != yaml.MappingNode {
					return nil, fmt.Errorf("%s: item %d at line %d must be a mapping (a resource), got %s", src, j, line, nodeKind(n))
				}
				if d := findDup(n); d != nil {
					return nil, fmt.Errorf("%s: item %d at line %d: %w", src, j, line, d)
				}
				if !expandOutside(n, &budget) {
					return nil, fmt.Errorf("%s: item %d at line %d: its aliases must not expand to more than %d nodes", src, j, line, maxExpansion)
				}
				one := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}
				raw, err := encodeNode(one, true)
				if err != nil {
					return nil, fmt.Errorf("%s: item %d at line %d: %w", src, j, line, err)
				}
				it := &Item{raw: raw, Index: j, seqIndent: 0, line: line, source: src,
					root: &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{one}}, node: n,
					kind: scalarAt(n, "kind"), apiVersion: scalarAt(n, "apiVersion")}
				rl.Items = append(rl.Items, it)
				rl.parts = append(rl.parts, part{item: it})
			}
			continue
		}
		budget := maxExpansion
		pair := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}
		if !expandOutside(pair, &budget) {
			return nil, fmt.Errorf("%s: `%s`: its aliases must not expand to more than %d nodes", src, k.Value, maxExpansion)
		}
		text, err := encodeNode(pair, true)
		if err != nil {
			return nil, fmt.Errorf("%s: `%s`: %w", src, k.Value, err)
		}
		if k.Value == "functionConfig" {
			rl.FunctionConfig = text
		}
		rl.parts = append(rl.parts, part{lit: text})
	}
	rl.adopt(&rl.Items)
	return rl, nil
}

// nodeKind names what a node is, for errors.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("the scalar %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func scalarValue(n *yaml.Node) string {
	if n = resolve(n); n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

// maxExpansion bounds the nodes that expanding aliases may copy.
const maxExpansion = 1 << 20

// expandOutside replaces every alias in the tree whose anchor lies outside
// it with a copy of what it names, so that the tree reads the same when
// encoded alone. It reports false when that would copy more than budget
// nodes.
func expandOutside(n *yaml.Node, budget *int) bool {
	inside := map[*yaml.Node]bool{}
	var mark func(*yaml.Node)
	mark = func(n *yaml.Node) {
		inside[n] = true
		for _, c := range n.Content {
			mark(c)
		}
	}
	mark(n)
	var walk func(*yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		for i, c := range n.Content {
			if c.Kind == yaml.AliasNode && c.Alias != nil && !inside[c.Alias] {
				cp, ok := yn.Expand(c.Alias, budget)
				if !ok {
					return false
				}
				cp.Anchor = ""
				cp.HeadComment, cp.LineComment, cp.FootComment = c.HeadComment, c.LineComment, c.FootComment
				n.Content[i] = cp
				continue
			}
			if !walk(c) {
				return false
			}
		}
		return true
	}
	return walk(n)
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

func writeParts(out io.Writer, parts []part, tail []byte) error {
	encoded, err := encodeChanged(parts)
	if err != nil {
		return err
	}
	// A large list is thousands of parts: one write each would be as many
	// system calls.
	w := bufio.NewWriterSize(out, 64<<10)
	var last []byte
	for i, p := range parts {
		b := p.lit
		if p.item != nil {
			b = encoded[i]
		}
		if len(b) == 0 {
			continue
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		last = b
	}
	if len(tail) > 0 {
		if len(last) > 0 && last[len(last)-1] != '\n' {
			if _, err := w.Write([]byte("\n")); err != nil {
				return err
			}
		}
		if _, err := w.Write(tail); err != nil {
			return err
		}
	}
	return w.Flush()
}

// parallelAbove is the number of changed items from which they are
// encoded on every core: below it the goroutines cost more than they save.
const parallelAbove = 32

// encodeChanged encodes the changed items among parts, on every core when
// there are many: re-encoding is most of a run's work when a large input
// has many targets, and items encode independently (the encoder only
// reads their nodes). encoded[i] is item part i's text. Each changed item
// settles on its text, so that the nodes are let go as they are written.
func encodeChanged(parts []part) ([][]byte, error) {
	encoded := make([][]byte, len(parts))
	var changed []int
	for i, p := range parts {
		switch {
		case p.item == nil:
		case p.item.changed:
			changed = append(changed, i)
		default:
			encoded[i] = p.item.raw
		}
	}
	errs := make([]error, len(parts))
	forEach(len(changed), func(k int) {
		i := changed[k]
		it := parts[i].item
		if encoded[i], errs[i] = it.Bytes(); errs[i] == nil {
			it.settle(encoded[i])
		}
	})
	for _, i := range changed {
		if errs[i] != nil {
			return nil, errs[i] // the first in input order, as a sequential write reports it
		}
	}
	return encoded, nil
}

func encodeNode(n *yaml.Node, compact bool) ([]byte, error) {
	b, err := encodeDoc(n, compact, 0)
	if err != nil {
		return nil, err
	}
	if err := readsBack(b, n); err != nil {
		return nil, fmt.Errorf("encoded again, a node at line %d %w", n.Line, err)
	}
	return b, nil
}

// scalarAt returns the value of a scalar key of a mapping, or "", as
// yaml.v3 reads it: the mapping's own key first, then merged mappings.
func scalarAt(m *yaml.Node, key string) string {
	return scalarAtDepth(m, key, 0)
}

func scalarAtDepth(m *yaml.Node, key string, depth int) string {
	m = resolve(m)
	if m.Kind != yaml.MappingNode || depth > 10 {
		return ""
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Kind == yaml.ScalarNode {
			return scalarValue(m.Content[i+1])
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Tag == "") {
			v := resolve(m.Content[i+1])
			if v.Kind == yaml.SequenceNode {
				for _, e := range v.Content {
					if s := scalarAtDepth(e, key, depth+1); s != "" {
						return s
					}
				}
				continue
			}
			if s := scalarAtDepth(v, key, depth+1); s != "" {
				return s
			}
		}
	}
	return ""
}
