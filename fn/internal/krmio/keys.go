package krmio

import (
	"bytes"

	"go.yaml.in/yaml/v3"
)

// keyTracker finds mapping keys that repeat in block mappings, a line at a
// time: a stack of the mappings open at increasing columns.
type keyTracker struct {
	stack []keyScope
}

type keyScope struct {
	col  int
	keys []keyAt
	set  map[string]int // for big mappings: key to line
}

type keyAt struct {
	key  []byte
	line int
}

// node records a line that starts a node. It returns a *dupError when the
// line's key is already in its mapping.
func (t *keyTracker) node(info lineInfo, line int) *dupError {
	for n := len(t.stack); n > 0 && t.stack[n-1].col > info.indent; n-- {
		t.stack = t.stack[:n-1]
	}
	if len(info.key) == 0 {
		return nil
	}
	n := len(t.stack)
	if info.dash || n == 0 || t.stack[n-1].col != info.keyCol {
		// A dash always starts a new mapping.
		if n < cap(t.stack) {
			t.stack = t.stack[:n+1]
			s := &t.stack[n]
			s.col, s.keys, s.set = info.keyCol, s.keys[:0], nil
		} else {
			t.stack = append(t.stack, keyScope{col: info.keyCol})
		}
		s := &t.stack[n]
		s.keys = append(s.keys, keyAt{info.key, line})
		return nil
	}
	s := &t.stack[n-1]
	if s.set != nil {
		if l, ok := s.set[string(info.key)]; ok {
			return &dupError{string(info.key), l, line}
		}
		s.set[string(info.key)] = line
		return nil
	}
	for _, k := range s.keys {
		if bytes.Equal(k.key, info.key) {
			return &dupError{string(info.key), k.line, line}
		}
	}
	s.keys = append(s.keys, keyAt{info.key, line})
	if len(s.keys) > 32 {
		s.set = make(map[string]int, 64)
		for _, k := range s.keys {
			s.set[string(k.key)] = k.line
		}
	}
	return nil
}

// findDup returns the first key that repeats in a mapping of the tree, as
// yaml.v3 compares keys (same kind, same value), not following aliases.
func findDup(n *yaml.Node) *dupError {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.MappingNode {
		if len(n.Content) > 64 {
			seen := make(map[[2]string]int, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				id := [2]string{string(rune('0' + k.Kind)), k.Value}
				if l, ok := seen[id]; ok {
					return &dupError{k.Value, l, k.Line}
				}
				seen[id] = k.Line
			}
		} else {
			for i := 0; i+1 < len(n.Content); i += 2 {
				for j := i + 2; j+1 < len(n.Content); j += 2 {
					a, b := n.Content[i], n.Content[j]
					if a.Kind == b.Kind && a.Value == b.Value {
						return &dupError{b.Value, a.Line, b.Line}
					}
				}
			}
		}
	}
	for _, c := range n.Content {
		if d := findDup(c); d != nil {
			return d
		}
	}
	return nil
}

// flowDup checks the keys of a one-line flow collection, decoded alone. ok
// is false when it does not decode alone (an alias to an anchor outside
// it, say): the caller then decodes more.
func flowDup(text []byte, line int) (d *dupError, ok bool) {
	fs := flowScan{text: text}
	if fs.node() && fs.skip() == len(text) {
		if fs.dup != "" {
			return &dupError{key: fs.dup, first: line, then: line}, true
		}
		return nil, true
	}
	var n yaml.Node
	if err := yaml.Unmarshal(text, &n); err != nil {
		return nil, false
	}
	if d = findDup(&n); d != nil {
		d.first, d.then = d.first+line-1, d.then+line-1
	}
	return d, true
}

// flowScan reads the keys of a one-line flow collection, to find repeats
// without a decode. It gives up (false) on anything but plain and simple
// quoted scalars, flow collections and properties; the caller decodes.
type flowScan struct {
	text []byte
	pos  int
	dup  string
}

func (fs *flowScan) skip() int {
	for fs.pos < len(fs.text) && (fs.text[fs.pos] == ' ' || fs.text[fs.pos] == '\t') {
		fs.pos++
	}
	return fs.pos
}

// node reads a node.
func (fs *flowScan) node() bool {
	_, _, ok := fs.scalarOrCollection()
	return ok
}

// scalarOrCollection reads a node; key is a scalar's text, as yaml.v3
// compares keys (scalar is false for a collection).
func (fs *flowScan) scalarOrCollection() (key []byte, scalar, ok bool) {
	t := fs.text
	for fs.skip() < len(t) && (t[fs.pos] == '&' || t[fs.pos] == '!') {
		for fs.pos < len(t) && !flowEnd(t[fs.pos]) && t[fs.pos] != ' ' && t[fs.pos] != '\t' {
			fs.pos++
		}
	}
	if fs.pos >= len(t) {
		return nil, false, false
	}
	switch c := t[fs.pos]; c {
	case '{', '[':
		return nil, false, fs.collection(c)
	case '"', '\'':
		end := closeQuote(t, fs.pos+1, c)
		if end < 0 {
			return nil, false, false
		}
		in := t[fs.pos+1 : end-1]
		fs.pos = end
		if c == '"' && bytes.IndexByte(in, '\\') >= 0 || c == '\'' && bytes.Contains(in, []byte("''")) {
			return nil, false, false // escapes: the decode reads them
		}
		return in, true, true
	case '*', '?', '|', '>', '%', '@', '`', '#':
		return nil, false, false
	}
	start := fs.pos
	for ; fs.pos < len(t); fs.pos++ {
		c := t[fs.pos]
		if flowEnd(c) {
			break
		}
		// A colon ends a plain scalar only before a blank (or the line's
		// end), as yaml.v3 reads flow: "{x:,x}" has the keys "x:" and "x".
		if c == ':' && (fs.pos+1 == len(t) || t[fs.pos+1] == ' ' || t[fs.pos+1] == '\t') {
			break
		}
		if c == '#' && fs.pos > start && (t[fs.pos-1] == ' ' || t[fs.pos-1] == '\t') {
			return nil, false, false
		}
	}
	return trimBlanks(t[start:fs.pos]), true, true
}

// collection reads a flow mapping or sequence from its bracket.
func (fs *flowScan) collection(open byte) bool {
	t := fs.text
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	fs.pos++
	var buf [8][]byte
	keys := buf[:0]
	for {
		if fs.skip() >= len(t) {
			return false
		}
		if t[fs.pos] == closer {
			fs.pos++
			return true
		}
		key, scalar, ok := fs.scalarOrCollection()
		if !ok {
			return false
		}
		hasValue := false
		if fs.skip() < len(t) && t[fs.pos] == ':' {
			hasValue = true
			fs.pos++
			if fs.skip() < len(t) && t[fs.pos] != ',' && t[fs.pos] != closer {
				if !fs.node() {
					return false
				}
			}
		}
		if open == '{' {
			if !scalar {
				return false // a collection as a key
			}
			for _, k := range keys {
				if bytes.Equal(k, key) && fs.dup == "" {
					fs.dup = string(k)
				}
			}
			keys = append(keys, key)
		} else if hasValue && !scalar {
			return false
		}
		switch fs.skip(); {
		case fs.pos >= len(t):
			return false
		case t[fs.pos] == ',':
			fs.pos++
		case t[fs.pos] != closer:
			return false
		}
	}
}

// flowEnd reports whether c is a flow indicator that ends a plain scalar.
func flowEnd(c byte) bool {
	switch c {
	case ',', '[', ']', '{', '}':
		return true
	}
	return false
}
