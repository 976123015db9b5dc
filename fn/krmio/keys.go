package krmio

import "go.yaml.in/yaml/v3"

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
	key  string
	line int
}

func (t *keyTracker) reset() { t.stack = t.stack[:0] }

// depth is the number of mappings open.
func (t *keyTracker) depth() int { return len(t.stack) }

// node records a line that starts a node. It returns a *dupError when the
// line's key is already in its mapping.
func (t *keyTracker) node(info lineInfo, line int) *dupError {
	for n := len(t.stack); n > 0 && t.stack[n-1].col > info.indent; n-- {
		t.stack = t.stack[:n-1]
	}
	if info.key == "" {
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
		if l, ok := s.set[info.key]; ok {
			return &dupError{info.key, l, line}
		}
		s.set[info.key] = line
		return nil
	}
	for _, k := range s.keys {
		if k.key == info.key {
			return &dupError{info.key, k.line, line}
		}
	}
	s.keys = append(s.keys, keyAt{info.key, line})
	if len(s.keys) > 32 {
		s.set = make(map[string]int, 64)
		for _, k := range s.keys {
			s.set[k.key] = k.line
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
	var n yaml.Node
	if err := yaml.Unmarshal(text, &n); err != nil {
		return nil, false
	}
	if d = findDup(&n); d != nil {
		d.first, d.then = d.first+line-1, d.then+line-1
	}
	return d, true
}
