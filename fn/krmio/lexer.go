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
	// key is the first mapping key on the line (empty when none), found at
	// column keyCol; value is its scalar value when that is a simple one-line
	// plain or quoted scalar.
	key    string
	keyCol int
	value  string
	// opens is set when the key has no value on its line: a nested block
	// (or null) follows.
	opens bool
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
}

func newLexer() lexer { return lexer{blockParent: -1, plainParent: -1} }

// line classifies one line, without its line break. ok is false for YAML the
// lexer does not handle (tabs as indentation, directives, complex keys).
func (lx *lexer) line(l []byte) (info lineInfo, ok bool) {
	l = bytes.TrimSuffix(l, []byte{'\r'})
	if lx.quote != 0 {
		end := closeQuote(l, 0, lx.quote)
		if end < 0 {
			return lineInfo{kind: lineCont}, true
		}
		lx.quote = 0
		lx.afterValue(l, end)
		return lineInfo{kind: lineCont}, true
	}
	if lx.flow > 0 {
		lx.scanFlow(l, 0)
		return lineInfo{kind: lineCont}, true
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
	for pos < len(l) && l[pos] == '-' && (pos+1 == len(l) || l[pos+1] == ' ') {
		info.dash = true
		parent = pos
		pos = skipSpaces(l, pos+1)
	}
	pos = skipProperties(l, pos)
	if pos >= len(l) || l[pos] == '#' {
		return info, true
	}
	switch c := l[pos]; c {
	case '?':
		return info, false
	case '|', '>':
		lx.blockParent = parent
		return info, true
	case '[', '{':
		lx.scanFlow(l, pos)
		return info, true
	case '"', '\'':
		end := closeQuote(l, pos+1, c)
		if end < 0 {
			lx.quote = c
			return info, true
		}
		after := skipSpaces(l, end)
		if after < len(l) && l[after] == ':' && (after+1 == len(l) || l[after+1] == ' ') {
			info.key, info.keyCol = unquote(l[pos:end]), pos
			lx.value(l, after+1, pos, &info)
			return info, true
		}
		lx.afterValue(l, end)
		return info, true
	}
	// A plain scalar: a key when ": " (or a final ":") comes before any comment.
	for i := pos; i < len(l); i++ {
		if l[i] == '#' && (l[i-1] == ' ' || l[i-1] == '\t') {
			break
		}
		if l[i] == ':' && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t') {
			info.key, info.keyCol = string(bytes.TrimRight(l[pos:i], " \t")), pos
			lx.value(l, i+1, pos, &info)
			return info, true
		}
	}
	lx.plainParent = parent
	return info, true
}

// value reads what follows a key's colon, from pos; keyCol is where the key
// starts, which is the indentation its nested lines must exceed.
func (lx *lexer) value(l []byte, pos, keyCol int, info *lineInfo) {
	pos = skipProperties(l, skipSpaces(l, pos))
	if pos >= len(l) || l[pos] == '#' {
		info.opens = true
		return
	}
	switch c := l[pos]; c {
	case '|', '>':
		lx.blockParent = keyCol
	case '[', '{':
		lx.scanFlow(l, pos)
	case '"', '\'':
		end := closeQuote(l, pos+1, c)
		if end < 0 {
			lx.quote = c
			return
		}
		info.value = unquote(l[pos:end])
		lx.afterValue(l, end)
	default:
		end := len(l)
		for i := pos + 1; i < len(l); i++ {
			if l[i] == '#' && (l[i-1] == ' ' || l[i-1] == '\t') {
				end = i
				break
			}
		}
		info.value = string(bytes.TrimRight(l[pos:end], " \t"))
		lx.plainParent = keyCol
	}
}

// afterValue looks at the rest of a line after a closed quoted scalar: only
// flow punctuation matters there.
func (lx *lexer) afterValue(l []byte, pos int) {
	if lx.flow > 0 {
		lx.scanFlow(l, pos)
	}
}

// scanFlow follows flow collection brackets and the quoted scalars in them.
func (lx *lexer) scanFlow(l []byte, pos int) {
	for i := pos; i < len(l); i++ {
		switch c := l[i]; c {
		case '[', '{':
			lx.flow++
		case ']', '}':
			lx.flow--
		case '#':
			if i > 0 && (l[i-1] == ' ' || l[i-1] == '\t') {
				return
			}
		case '"', '\'':
			if i > pos && !bytes.ContainsRune([]byte("[{,: \t"), rune(l[i-1])) {
				continue // a quote inside a plain scalar
			}
			end := closeQuote(l, i+1, c)
			if end < 0 {
				lx.quote = c
				return
			}
			i = end - 1
		}
	}
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

// unquote returns the text of a one-line quoted scalar. Escapes are kept as
// written: callers compare the result with plain identifiers only.
func unquote(q []byte) string {
	if len(q) >= 2 {
		return string(q[1 : len(q)-1])
	}
	return string(q)
}

// skipProperties skips anchors and tags ("&a", "!!str") before a node.
func skipProperties(l []byte, pos int) int {
	for pos < len(l) && (l[pos] == '&' || l[pos] == '!') {
		for pos < len(l) && l[pos] != ' ' {
			pos++
		}
		pos = skipSpaces(l, pos)
	}
	return pos
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
