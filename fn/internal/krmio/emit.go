package krmio

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// emit writes doc as yaml.v3's Encoder does (SetIndent(2), and with
// compact CompactSeqIndent), byte for byte, or reports false for a
// document outside what it knows: line and foot comments, anchors,
// aliases, explicit tags, block scalars, keys that are not short scalars,
// and scalars or comments with anything but printable ASCII. Those are
// left to yaml.v3. Head comments (a Helm render's "# Source:" line) it
// writes where yaml.v3 does.
//
// Why it exists: yaml.v3's emitter queues every event of a document and
// never shrinks the queue, so encoding a changed Deployment allocates
// about 120 KB; on a list where one item in ten is a controller that is
// a third of the run. This follows yaml.v3's emitter state by state
// (emitterc.go) for the nodes it knows, with no queue; TestEmit and
// FuzzEmit hold it to yaml.v3's output.
func emit(doc *yaml.Node, compact bool, size int) ([]byte, bool) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || !comment(doc.HeadComment) || doc.LineComment != "" || doc.FootComment != "" || doc.Anchor != "" {
		return nil, false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode && root.Kind != yaml.SequenceNode {
		return nil, false
	}
	e := emitter{b: make([]byte, 0, size), indent: -1, whitespace: true, indention: true, compact: compact}
	// yaml_emitter_emit_document_start, _content and _end
	e.analyze(doc)
	if e.head != "" {
		e.processHead()
		e.putBreak()
	}
	e.analyze(root)
	e.processHead()
	e.node(root, false, false, false)
	e.writeIndent()
	return e.b, !e.unknown
}

// comment reports whether emit knows a head comment: lines of printable
// ASCII.
func comment(c string) bool {
	for i := 0; i < len(c); i++ {
		if b := c[i]; (b < 0x20 || b > 0x7e) && b != '\n' {
			return false
		}
	}
	return true
}

// knows reports whether emit knows the node itself (its content is judged
// as it is written): scalars are judged by scalarStyle.
func knows(n *yaml.Node) bool {
	if !comment(n.HeadComment) || n.LineComment != "" || n.FootComment != "" || n.Anchor != "" || n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return true
	case yaml.MappingNode:
		if n.Tag != "" && n.Tag != "!!map" || len(n.Content)%2 != 0 {
			return false
		}
		for i := 0; i < len(n.Content); i += 2 {
			// A key longer than 128 bytes, or not a scalar, is a complex
			// key ("? ") to yaml.v3.
			if k := n.Content[i]; k.Kind != yaml.ScalarNode || len(k.Value) > 128 {
				return false
			}
		}
		return true
	case yaml.SequenceNode:
		return n.Tag == "" || n.Tag == "!!seq"
	}
	return false
}

type style int

const (
	plainStyle style = iota
	singleQuoted
	doubleQuoted
)

// scalarStyle is the style yaml.v3's encoder asks for (encode.go, node):
// the node's own, or double quotes for a string that would read as
// another type; false when the value or tag is outside what emit knows.
func scalarStyle(n *yaml.Node) (style, bool) {
	for i := 0; i < len(n.Value); i++ {
		if c := n.Value[i]; c < 0x20 || c > 0x7e {
			return 0, false // line breaks, tabs, controls, non-ASCII
		}
	}
	quoted := n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0
	force := false
	if n.Tag != "" {
		if !strings.HasPrefix(n.Tag, "!!") || n.Tag == "!!binary" {
			return 0, false
		}
		if !(n.Tag == "!!str" && quoted) {
			if resolved := (&yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}).ShortTag(); resolved != n.Tag {
				if n.Tag != "!!str" {
					return 0, false // an explicit tag yaml.v3 writes out
				}
				force = true
			}
		}
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return doubleQuoted, true
	case n.Style&yaml.SingleQuotedStyle != 0:
		return singleQuoted, true
	case force:
		return doubleQuoted, true
	}
	return plainStyle, true
}

// emitter is the part of yaml.v3's emitter state that the nodes emit
// knows act on.
type emitter struct {
	b                     []byte
	column, indent        int
	indents               []int
	flow                  int
	whitespace, indention bool
	compact               bool
	head                  string // the head comment not yet written
	// unknown is set at the first node emit does not know: what it wrote
	// is then thrown away, and yaml.v3 writes the document.
	unknown bool
}

// analyze is what yaml_emitter_analyze_event does with a node's event
// before the state that takes it: a head comment waits to be written, in
// place of one that waits still.
func (e *emitter) analyze(n *yaml.Node) {
	if n.HeadComment != "" {
		e.head = n.HeadComment
	}
}

// processHead is yaml_emitter_process_head_comment.
func (e *emitter) processHead() {
	if e.head == "" {
		return
	}
	e.writeIndent()
	e.writeComment(e.head)
	e.head = ""
}

// writeComment is yaml_emitter_write_comment.
func (e *emitter) writeComment(c string) {
	breaks, pound := false, false
	for i := 0; i < len(c); i++ {
		if c[i] == '\n' {
			e.putBreak()
			breaks, pound = true, false
			continue
		}
		if breaks {
			e.writeIndent()
		}
		if !pound {
			if c[i] != '#' {
				e.write("# ")
			}
			pound = true
		}
		e.put(c[i])
		e.indention, breaks = false, false
	}
	if !breaks {
		e.putBreak()
	}
	e.whitespace = true
}

func (e *emitter) put(c byte) {
	e.b = append(e.b, c)
	e.column++
}

func (e *emitter) write(s string) {
	e.b = append(e.b, s...)
	e.column += len(s)
}

func (e *emitter) putBreak() {
	e.b = append(e.b, '\n')
	e.column = 0
	e.indention = true
}

// writeIndent is yaml_emitter_write_indent.
func (e *emitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || e.column == indent && !e.whitespace {
		e.putBreak()
	}
	for e.column < indent {
		e.put(' ')
	}
	e.whitespace = true
}

// indicator is yaml_emitter_write_indicator.
func (e *emitter) indicator(s string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	e.write(s)
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
}

// increaseIndent is yaml_emitter_increase_indent_compact; inSeqItem says
// the node is an item of a block sequence.
func (e *emitter) increaseIndent(flow, inSeqItem, compactSeq bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0 && flow:
		e.indent = 2
	case e.indent < 0:
		e.indent = 0
	case inSeqItem:
		e.indent += 2
	default:
		e.indent = 2 * ((e.indent + 2) / 2)
		if compactSeq {
			e.indent -= 2
		}
	}
}

func (e *emitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

// node is yaml_emitter_emit_node and the states it leads to.
func (e *emitter) node(n *yaml.Node, inSeqItem, mapping, simpleKey bool) {
	if e.unknown || !knows(n) {
		e.unknown = true
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		e.scalar(n, simpleKey)
	case yaml.SequenceNode:
		if e.flow > 0 || n.Style&yaml.FlowStyle != 0 || len(n.Content) == 0 {
			e.flowCollection(n, inSeqItem, "[", "]")
		} else {
			e.blockSequence(n, inSeqItem, mapping)
		}
	case yaml.MappingNode:
		if e.flow > 0 || n.Style&yaml.FlowStyle != 0 || len(n.Content) == 0 {
			e.flowCollection(n, inSeqItem, "{", "}")
		} else {
			e.blockMapping(n, inSeqItem)
		}
	}
}

func (e *emitter) blockSequence(n *yaml.Node, inSeqItem, mapping bool) {
	e.increaseIndent(false, inSeqItem, mapping && (e.column == 0 || !e.indention) && e.compact)
	for _, c := range n.Content {
		e.analyze(c)
		e.processHead()
		e.writeIndent()
		e.indicator("-", true, false, true)
		e.node(c, true, false, false)
	}
	e.popIndent()
}

func (e *emitter) blockMapping(n *yaml.Node, inSeqItem bool) {
	e.increaseIndent(false, inSeqItem, false)
	for i := 0; i < len(n.Content); i += 2 {
		e.analyze(n.Content[i])
		e.processHead()
		e.writeIndent()
		e.node(n.Content[i], false, true, true)
		e.analyze(n.Content[i+1])
		e.indicator(":", false, false, false)
		e.node(n.Content[i+1], false, true, false)
	}
	e.processHead() // at the mapping's end, what the last value left
	e.popIndent()
}

// flowCollection writes a flow sequence, or a flow mapping (its content
// taken in pairs), as yaml_emitter_emit_flow_sequence_item and
// _flow_mapping_key and _value do.
func (e *emitter) flowCollection(n *yaml.Node, inSeqItem bool, open, end string) {
	e.indicator(open, true, true, false)
	e.increaseIndent(true, inSeqItem, false)
	e.flow++
	step := 1
	if open == "{" {
		step = 2
	}
	for i := 0; i < len(n.Content); i += step {
		e.analyze(n.Content[i])
		if i > 0 {
			e.indicator(",", false, false, false)
		}
		e.processHead()
		if e.column == 0 {
			e.writeIndent()
		}
		if step == 1 {
			e.node(n.Content[i], false, false, false)
			continue
		}
		e.node(n.Content[i], false, true, true)
		e.analyze(n.Content[i+1])
		e.indicator(":", false, false, false)
		e.node(n.Content[i+1], false, true, false)
	}
	if step == 2 {
		// yaml_emitter_emit_flow_mapping_key at the end: a comment that
		// waits is written after a comma.
		if e.head != "" && len(n.Content) > 0 {
			e.indicator(",", false, false, false)
		}
		e.processHead()
	}
	e.flow--
	e.popIndent()
	if open == "[" && e.column == 0 {
		e.writeIndent()
	}
	e.indicator(end, false, false, false)
}

// scalar is yaml_emitter_select_scalar_style and the writers, for a
// single line of printable ASCII.
func (e *emitter) scalar(n *yaml.Node, simpleKey bool) {
	st, ok := scalarStyle(n)
	if !ok {
		e.unknown = true
		return
	}
	v := n.Value
	if st == plainStyle {
		flowOK, blockOK := plainAllowed(v)
		if e.flow > 0 && !flowOK || e.flow == 0 && !blockOK || v == "" && (e.flow > 0 || simpleKey) {
			st = singleQuoted
		}
	}
	switch st {
	case plainStyle:
		if v != "" && !e.whitespace {
			e.put(' ')
		}
		e.write(v)
		if v != "" {
			e.whitespace = false
		}
	case singleQuoted:
		e.indicator("'", true, false, false)
		e.write(strings.ReplaceAll(v, "'", "''"))
		e.indicator("'", false, false, false)
	case doubleQuoted:
		e.indicator(`"`, true, false, false)
		if strings.ContainsAny(v, `"\`) {
			v = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v)
		}
		e.write(v)
		e.indicator(`"`, false, false, false)
	}
	e.whitespace = e.whitespace && st == plainStyle
	e.indention = false
}

// plainAllowed is yaml_emitter_analyze_scalar for a single line of
// printable ASCII: whether the value may be written plain in flow and in
// block context.
func plainAllowed(v string) (flow, block bool) {
	if v == "" {
		return false, true
	}
	var flowInd, blockInd bool
	if strings.HasPrefix(v, "---") || strings.HasPrefix(v, "...") {
		flowInd, blockInd = true, true
	}
	if v[0] == ' ' || v[len(v)-1] == ' ' {
		return false, false
	}
	precededBySpace := true
	for i := 0; i < len(v); i++ {
		followedBySpace := i+1 >= len(v) || v[i+1] == ' '
		c := v[i]
		if i == 0 {
			switch c {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				flowInd, blockInd = true, true
			case '?', ':':
				flowInd = true
				blockInd = blockInd || followedBySpace
			case '-':
				if followedBySpace {
					flowInd, blockInd = true, true
				}
			}
		} else {
			switch c {
			case ',', '?', '[', ']', '{', '}':
				flowInd = true
			case ':':
				flowInd = true
				blockInd = blockInd || followedBySpace
			case '#':
				if precededBySpace {
					flowInd, blockInd = true, true
				}
			}
		}
		precededBySpace = c == ' '
	}
	return !flowInd, !blockInd
}

// ScalarText is how yaml.v3's Marshal writes the Go string s as a block
// mapping's value ("k: <text>"), or false where s is not one line of
// printable ASCII. Thousands of results each hold strings; yaml.v3's
// Marshal allocates an encoder for each.
func ScalarText(s string) (string, bool) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: s}
	// encode.go, stringv: plain only where the text reads back as this
	// string, in YAML 1.1 too.
	if n.ShortTag() != "!!str" || isBase60Float(s) || isOldBool(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	e := emitter{b: make([]byte, 0, len(s)+2), indent: 0} // after "k:"
	e.scalar(n, false)
	return strings.TrimPrefix(string(e.b), " "), !e.unknown
}

// isBase60Float and isOldBool are yaml.v3's (encode.go).
func isBase60Float(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c == '+' || c == '-' || c >= '0' && c <= '9') || strings.IndexByte(s, ':') < 0 {
		return false
	}
	return base60float.MatchString(s)
}

var base60float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

func isOldBool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return true
	}
	return false
}
