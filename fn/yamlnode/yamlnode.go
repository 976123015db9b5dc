// Package yamlnode edits yaml.v3 nodes in place, so that comments, styles
// and the order of existing keys survive, and puts new keys where the
// Kubernetes API puts them.
package yamlnode

import (
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Get returns the value of key in mapping m, or nil.
func Get(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

// Lookup follows a path of keys from m.
func Lookup(m *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		if m = Get(m, k); m == nil {
			return nil
		}
	}
	return m
}

// IsNull reports whether n is absent or null.
func IsNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// String returns a scalar's value, or "".
func String(n *yaml.Node) string {
	if n = deref(n); n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// StringMap reads a mapping of scalars, such as labels.
func StringMap(n *yaml.Node) map[string]string {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = String(n.Content[i+1])
	}
	return out
}

// Items returns a sequence's entries, or nil.
func Items(n *yaml.Node) []*yaml.Node {
	if n = deref(n); n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out
}

// Set puts value at key in mapping m: in place of the old value, keeping the
// key and its comments, or as a new key placed by order.
func Set(m *yaml.Node, key string, value *yaml.Node, order []string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			value.LineComment = firstNonEmpty(value.LineComment, old.LineComment)
			m.Content[i+1] = value
			return
		}
	}
	at := insertAt(m, key, order)
	kv := []*yaml.Node{Str(key), value}
	m.Content = append(m.Content[:at], append(kv, m.Content[at:]...)...)
}

// SetScalar edits a scalar in place (its comments stay), or adds it.
func SetScalar(m *yaml.Node, key string, value *yaml.Node, order []string) {
	if old := Get(m, key); old != nil && old.Kind == yaml.ScalarNode {
		old.Value, old.Tag, old.Style = value.Value, value.Tag, value.Style
		return
	}
	Set(m, key, value, order)
}

// Ensure returns the mapping or sequence at key, adding an empty one (in
// block style) when it is absent or null. An empty flow collection ("{}",
// "[]") turns to block style, so that what is added to it reads as the
// rest of the manifest does.
func Ensure(m *yaml.Node, key string, kind yaml.Kind, order []string) *yaml.Node {
	if n := Get(m, key); n != nil && n.Kind == kind {
		if len(n.Content) == 0 {
			n.Style &^= yaml.FlowStyle
		}
		return n
	}
	tag := "!!map"
	if kind == yaml.SequenceNode {
		tag = "!!seq"
	}
	n := &yaml.Node{Kind: kind, Tag: tag}
	Set(m, key, n, order)
	return n
}

// Delete removes key from mapping m.
func Delete(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// DeleteIfEmpty removes key from m when its value is an empty mapping.
func DeleteIfEmpty(m *yaml.Node, key string) {
	if n := Get(m, key); n != nil && n.Kind == yaml.MappingNode && len(n.Content) == 0 {
		Delete(m, key)
	}
}

// Str is a string scalar.
func Str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// Int is an integer scalar.
func Int(v int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
}

// Map builds a block mapping from key, value pairs; nil values are left out.
func Map(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		v, _ := kv[i+1].(*yaml.Node)
		if v == nil {
			continue
		}
		m.Content = append(m.Content, Str(kv[i].(string)), v)
	}
	return m
}

// Seq builds a block sequence.
func Seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// Copy deep-copies a node.
func Copy(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Content != nil {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			c.Content[i] = Copy(k)
		}
	}
	return &c
}

// StripComments removes the comments of a copied node, which belong to
// where it was copied from.
func StripComments(n *yaml.Node) *yaml.Node {
	if n != nil {
		n.HeadComment, n.LineComment, n.FootComment = "", "", ""
		for _, c := range n.Content {
			StripComments(c)
		}
	}
	return n
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// insertAt finds where a new key goes: right after the existing key that
// comes closest before it in the API's order, else right before the one
// closest after it, else at the end.
func insertAt(m *yaml.Node, key string, order []string) int {
	rank := map[string]int{}
	for i, k := range order {
		rank[k] = i
	}
	r, known := rank[key]
	if !known {
		return len(m.Content)
	}
	before, beforeRank, after, afterRank := -1, -1, -1, len(order)
	for i := 0; i+1 < len(m.Content); i += 2 {
		kr, ok := rank[m.Content[i].Value]
		switch {
		case !ok:
		case kr < r && kr > beforeRank:
			before, beforeRank = i, kr
		case kr > r && kr < afterRank:
			after, afterRank = i, kr
		}
	}
	switch {
	case before >= 0:
		return before + 2
	case after >= 0:
		return after
	}
	return len(m.Content)
}
