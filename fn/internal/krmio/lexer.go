package krmio

import "bytes"

// lineKind says what a line is to the splitter.
type lineKind int

const (
	// lineTrivia is a blank or comment-only line: it starts no node.
	lineTrivia lineKind = iota
	// lineCont continues a scalar or flow collection begun on an earlier line.
	lineCont
	// lineNode starts a node: a mapping key, a sequence entry, or a scalar.
	lineNode
)

// lineInfo describes a line that starts a node.
type lineInfo struct {
	kind   lineKind
	indent int // columns of leading spaces
	dash   bool
	// key is the first mapping key on the line (empty when none), whose
	// node (with its anchor or tag) starts at column keyCol; value is its scalar value when that is a simple one-line
	// plain or quoted scalar.
	key    []byte
	keyCol int
	value  []byte
	// opens is set when the key has no value on its line: a nested block
	// (or null) follows.
	opens bool
	// exact is set when value is the whole of a one-line scalar value, as
	// yaml.v3 reads it (a multi-line plain scalar is caught by the caller:
	// a continuation line follows).
	exact bool
	// dashes counts the "- " entries the line opens; scalar is set when the
	// line's node (after the dashes) is not a mapping key: a scalar, a flow
	// collection, a block scalar or an alias.
	dashes int
	scalar bool
}

// lexer walks block-style YAML a line at a time and keeps just enough state
// (block scalars, multi-line quoted, flow and plain scalars) to tell where
// nodes start without decoding anything. It is deliberately conservative:
// whatever it does not understand makes it report !ok, and the caller then
// decodes the whole input with yaml.v3 instead.
type lexer struct {
	blockParent int  // >= 0 inside a block scalar: lines indented more belong to it
	plainParent int  // >= 0 while a plain scalar may go on, on lines indented more
	quote       byte // open quote of a multi-line quoted scalar
	flow        int  // depth of an open multi-line flow collection
	flowPlain   bool // inside a plain scalar of that collection
	// anchors are the anchors defined so far in the current unit (an item,
	// a section, a document): an alias to any other anchor needs the whole
	// input decoded, since the unit is decoded alone. events are the
	// anchors and aliases of the last line, in order, for commit.
	anchors []string
	events  []prop
	// brackets are the open flow collections; multiMap is set when a flow
	// mapping with more than one entry was met, whose keys only a decode
	// checks for repeats.
	brackets []byte
	multiMap bool
	// flowMaps are the one-line flow collections of the last line that
	// hold a mapping with more than one entry: the caller checks their
	// keys with a decode of that text alone. multiMap stays set for one
	// that does not close on its line.
	flowMaps [][]byte
}

// prop is an anchor or an alias.
type prop struct {
	alias bool
	name  string
}

func newLexer() lexer { return lexer{blockParent: -1, plainParent: -1} }

// commit applies the last line's anchors and aliases, after a new unit
// when the line starts one. It reports false for an alias to an anchor
// outside the unit.
func (lx *lexer) commit(newUnit bool) bool {
	if newUnit {
		lx.anchors = lx.anchors[:0]
	}
	return len(lx.events) == 0 || lx.replay()
}

func (lx *lexer) replay() bool {
	for _, e := range lx.events {
		if !e.alias {
			lx.anchors = append(lx.anchors, e.name)
			continue
		}
		found := false
		for _, a := range lx.anchors {
			found = found || a == e.name
		}
		if !found {
			return false
		}
	}
	return true
}

// alias records the alias "*name" at pos.
func (lx *lexer) alias(l []byte, pos int) bool {
	lx.events = append(lx.events, prop{alias: true, name: string(l[pos+1 : anchorEnd(l, pos+1)])})
	return true
}

// anchorEnd returns where an anchor or alias name starting at pos ends.
func anchorEnd(l []byte, pos int) int {
	for pos < len(l) && !bytes.ContainsRune([]byte(" \t,[]{}"), rune(l[pos])) {
		pos++
	}
	return pos
}

// line classifies one line, without its line break. ok is false for YAML the
// lexer does not handle (tabs as indentation, directives, complex keys).
func (lx *lexer) line(l []byte) (info lineInfo, ok bool) {
	l = bytes.TrimSuffix(l, []byte{'\r'})
	lx.events = lx.events[:0]
	lx.flowMaps = lx.flowMaps[:0]
	if (lx.quote != 0 || lx.flow > 0) && (isMarker(l, "---") || isMarker(l, "...")) {
		return info, false
	}
	if lx.quote != 0 {
		end := closeQuote(l, 0, lx.quote)
		if end < 0 {
			return lineInfo{kind: lineCont}, true
		}
		lx.quote = 0
		return lineInfo{kind: lineCont}, lx.afterValue(l, end)
	}
	if lx.flow > 0 {
		return lineInfo{kind: lineCont}, lx.scanFlow(l, 0, false)
	}
	indent := 0
	for indent < len(l) && l[indent] == ' ' {
		indent++
	}
	blank := len(bytes.TrimSpace(l[indent:])) == 0
	if lx.blockParent >= 0 {
		if blank || indent > lx.blockParent {
			return lineInfo{kind: lineCont}, true
		}
		lx.blockParent = -1
	}
	if blank {
		return lineInfo{kind: lineTrivia}, true
	}
	if l[indent] == '\t' {
		return info, false
	}
	if lx.plainParent >= 0 {
		if indent > lx.plainParent && l[indent] != '#' {
			return lineInfo{kind: lineCont}, true
		}
		lx.plainParent = -1
	}
	if l[indent] == '#' {
		return lineInfo{kind: lineTrivia}, true
	}
	if indent == 0 && (isMarker(l, "---") || isMarker(l, "...") || l[0] == '%') {
		return info, false
	}
	info = lineInfo{kind: lineNode, indent: indent, keyCol: -1}
	pos := indent
	parent := indent
	for pos < len(l) && l[pos] == '-' && (pos+1 == len(l) || l[pos+1] == ' ' || l[pos+1] == '\t') {
		if pos+1 < len(l) && l[pos+1] == '\t' {
			return info, false // a tab after an indicator: let yaml.v3 judge
		}
		info.dash = true
		info.dashes++
		parent = pos
		pos = skipSpaces(l, pos+1)
	}
	nodeCol := pos // where the node starts, with its properties: a mapping's indentation
	pos, ok = lx.properties(l, pos)
	if !ok {
		return info, false
	}
	if pos >= len(l) || l[pos] == '#' {
		return info, true
	}
	info.scalar = true
	switch c := l[pos]; c {
	case '?', ':', '*', '%', '@', '`':
		// Complex keys, empty keys, aliases (their anchor may be outside
		// the unit, or the alias a key) and reserved indicators.
		if c == '*' && lx.alias(l, pos) && trailing(l, anchorEnd(l, pos+1)) {
			return info, true
		}
		return info, false
	case '|', '>':
		lx.blockParent = parent
		return info, true
	case '[', '{':
		return info, lx.scanFlow(l, pos, false)
	case '"', '\'':
		end := closeQuote(l, pos+1, c)
		if end < 0 {
			lx.quote = c
			return info, true
		}
		after := skipSpaces(l, end)
		if after < len(l) && l[after] == ':' && (after+1 == len(l) || l[after+1] == ' ' || l[after+1] == '\t') {
			key, exact := unquote(l[pos:end])
			if !exact {
				return info, false
			}
			info.key, info.keyCol, info.scalar = key, nodeCol, false
			return info, lx.value(l, after+1, nodeCol, &info)
		}
		return info, lx.afterValue(l, end)
	}
	// A plain scalar: a key when ": " (or a final ":") comes before any comment.
	for i := pos; i < len(l); i++ {
		if l[i] == '#' && (l[i-1] == ' ' || l[i-1] == '\t') {
			break
		}
		if l[i] == ':' && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t') {
			info.key, info.keyCol, info.scalar = trimBlanks(l[pos:i]), nodeCol, false
			return info, lx.value(l, i+1, nodeCol, &info)
		}
	}
	lx.plainParent = parent
	return info, true
}

// trailing reports whether only spaces or a comment follow pos.
func trailing(l []byte, pos int) bool {
	pos = skipSpaces(l, pos)
	return pos == len(l) || l[pos] == '#'
}

// value reads what follows a key's colon, from pos; keyCol is where the key
// starts, which is the indentation its nested lines must exceed.
func (lx *lexer) value(l []byte, pos, keyCol int, info *lineInfo) bool {
	pos, ok := lx.properties(l, skipSpaces(l, pos))
	if !ok {
		return false
	}
	if pos >= len(l) || l[pos] == '#' {
		info.opens = true
		return true
	}
	switch c := l[pos]; c {
	case '|', '>':
		lx.blockParent = keyCol
	case '[', '{':
		return lx.scanFlow(l, pos, false)
	case '*':
		return lx.alias(l, pos) && trailing(l, anchorEnd(l, pos+1))
	case '?', '%', '@', '`':
		return false
	case '-', ':':
		if pos+1 == len(l) || l[pos+1] == ' ' || l[pos+1] == '\t' {
			return false // "key: - a", "key: : a": invalid, yaml.v3 judges
		}
		lx.plain(l, pos, keyCol, info)
	case '"', '\'':
		end := closeQuote(l, pos+1, c)
		if end < 0 {
			lx.quote = c
			return true
		}
		info.value, info.exact = unquote(l[pos:end])
		if !trailing(l, end) {
			return false
		}
	default:
		lx.plain(l, pos, keyCol, info)
	}
	return true
}

// plain reads a plain scalar value from pos to the end of the line or a
// comment.
func (lx *lexer) plain(l []byte, pos, keyCol int, info *lineInfo) {
	{
		end := len(l)
		for i := pos + 1; i < len(l); i++ {
			if l[i] == '#' && (l[i-1] == ' ' || l[i-1] == '\t') {
				end = i
				break
			}
		}
		info.value = trimBlanks(l[pos:end])
		info.exact = true
		lx.plainParent = keyCol
	}
}

// afterValue looks at the rest of a line after a closed quoted scalar: only
// flow punctuation matters there.
func (lx *lexer) afterValue(l []byte, pos int) bool {
	if lx.flow > 0 {
		return lx.scanFlow(l, pos, true)
	}
	return trailing(l, pos)
}

// scanFlow follows flow collection brackets and the scalars in them, token
// by token as yaml.v3's scanner reads flow: a quote starts a quoted scalar
// only where a token starts, and is text inside a plain scalar ("[a "b]" is
// the one entry `a "b`). A plain scalar may go on to the next line
// (lx.flowPlain). afterQuote is set when pos follows a quoted scalar, which
// only a separator or a comment may follow. It reports false for what it
// cannot follow: an alias to an anchor it has not seen, text after the
// collection closes, or what yaml.v3 would refuse or read in its own way
// (a comment not after a blank, an odd anchor, tag or indicator).
func (lx *lexer) scanFlow(l []byte, pos int, afterQuote bool) bool {
	oneLine := lx.flow == 0 && !lx.multiMap
	for i := pos; i < len(l); i++ {
		c := l[i]
		if c == ' ' || c == '\t' {
			continue
		}
		if c == '#' {
			if i == 0 || l[i-1] == ' ' || l[i-1] == '\t' {
				lx.flowPlain = false
				return true
			}
			if !lx.flowPlain {
				return false // yaml.v3 reads "[a,#b]" as a comment
			}
			continue
		}
		if lx.flowPlain {
			switch {
			case c == ':' && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t'):
				lx.flowPlain = false
				continue
			case c == ',' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}':
				lx.flowPlain = false // an indicator ends it, and is read below
			default:
				continue
			}
		}
		if afterQuote {
			afterQuote = false
			if c != ',' && c != ']' && c != '}' && c != ':' {
				return false
			}
		}
		switch c {
		case '[', '{':
			lx.flow++
			lx.brackets = append(lx.brackets, c)
		case ']', '}':
			lx.flow--
			if lx.flow < 0 {
				return false
			}
			lx.brackets = lx.brackets[:len(lx.brackets)-1]
			if lx.flow == 0 {
				if oneLine && lx.multiMap {
					lx.flowMaps = append(lx.flowMaps, l[pos:i+1])
					lx.multiMap = false
				}
				return trailing(l, i+1)
			}
		case ',':
			if n := len(lx.brackets); n > 0 && lx.brackets[n-1] == '{' {
				lx.multiMap = true
			}
		case ':', '?':
			// The value and key indicators: in flow, yaml.v3 reads them as
			// such wherever a token starts.
		case '&', '*':
			end := i + 1
			for end < len(l) && isAnchorChar(l[end]) {
				end++
			}
			if end == i+1 || end < len(l) && !bytes.ContainsRune([]byte(" \t,]}:?"), rune(l[end])) {
				return false
			}
			lx.events = append(lx.events, prop{alias: c == '*', name: string(l[i+1 : end])})
			i = end - 1
		case '!':
			end := i + 1
			for end < len(l) && l[end] != ' ' && l[end] != '\t' {
				end++
			}
			if bytes.ContainsAny(l[i:end], "{}[],'\"") {
				return false
			}
			i = end - 1
		case '"', '\'':
			end := closeQuote(l, i+1, c)
			if end < 0 {
				lx.quote = c
				return true
			}
			i, afterQuote = end-1, true
		case '|', '>', '%', '@', '`':
			return false
		case '-':
			if i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t' {
				return false // a block entry, which flow must not hold
			}
			lx.flowPlain = true
		default:
			lx.flowPlain = true
		}
	}
	return true
}

// isAnchorChar reports whether c may be in an anchor or alias name, as
// yaml.v3 reads them.
func isAnchorChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-'
}

// closeQuote returns the index just past the quote that closes a scalar
// opened by q, scanning from pos, or -1 when the line ends first.
func closeQuote(l []byte, pos int, q byte) int {
	for i := pos; i < len(l); i++ {
		switch {
		case q == '"' && l[i] == '\\':
			i++
		case l[i] == q:
			if q == '\'' && i+1 < len(l) && l[i+1] == '\'' {
				i++
				continue
			}
			return i + 1
		}
	}
	return -1
}

// unquote returns the text of a one-line quoted scalar; exact is false when
// a double-quoted one holds escapes, which it keeps as written.
func unquote(q []byte) (text []byte, exact bool) {
	if len(q) < 2 {
		return q, false
	}
	in := q[1 : len(q)-1]
	if q[0] == '\'' {
		if bytes.Contains(in, []byte("''")) {
			return bytes.ReplaceAll(in, []byte("''"), []byte("'")), true
		}
		return in, true
	}
	return in, bytes.IndexByte(in, '\\') < 0
}

// properties skips anchors and tags ("&a", "!!str") before a node,
// recording anchors.
func (lx *lexer) properties(l []byte, pos int) (int, bool) {
	for pos < len(l) && (l[pos] == '&' || l[pos] == '!') {
		start := pos
		for pos < len(l) && l[pos] != ' ' && l[pos] != '\t' {
			pos++
		}
		if l[start] == '&' {
			lx.events = append(lx.events, prop{name: string(l[start+1 : pos])})
		} else if pos < len(l) && l[pos] == '\t' || bytes.ContainsAny(l[start:pos], "{}[],") {
			return pos, false
		}
		pos = skipSpaces(l, pos)
	}
	return pos, true
}

func skipSpaces(l []byte, pos int) int {
	for pos < len(l) && (l[pos] == ' ' || l[pos] == '\t') {
		pos++
	}
	return pos
}

// isMarker reports whether l is the document marker m, alone or followed by
// a space.
func isMarker(l []byte, m string) bool {
	return bytes.HasPrefix(l, []byte(m)) && (len(l) == len(m) || l[len(m)] == ' ' || l[len(m)] == '\t' || l[len(m)] == '\r')
}

// trimBlanks drops trailing spaces and tabs.
func trimBlanks(b []byte) []byte {
	n := len(b)
	for n > 0 && (b[n-1] == ' ' || b[n-1] == '\t') {
		n--
	}
	return b[:n]
}
