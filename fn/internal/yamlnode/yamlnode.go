// Package yamlnode adds to kyaml's RNode what the rules need and kyaml
// lacks: a new key goes where the Kubernetes API puts it (kyaml's
// SetField and LookupCreate append), an edited value keeps the comments
// of the one it replaces, and mappings and sequences of nodes are built
// in the order given. Reading is kyaml's (Elements, GetValue, GetMeta,
// and Field's rule for a path), with short forms that read an absent or
// mistyped field as empty, as the rules want, and follow aliases (kyaml's
// Field does not).
package yamlnode

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Set puts value at key in mapping m: in place of the old value, keeping
// the key and its comments, or as a new key placed by order.
func Set(m *yaml.RNode, key string, value *yaml.RNode, order []string) {
	mn, v := m.YNode(), value.YNode()
	for i := 0; i+1 < len(mn.Content); i += 2 {
		if mn.Content[i].Value == key {
			if v.LineComment == "" {
				v.LineComment = mn.Content[i+1].LineComment
			}
			mn.Content[i+1] = v
			return
		}
	}
	at := insertAt(mn, key, order)
	kv := []*yaml.Node{{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: key}, v}
	mn.Content = append(mn.Content[:at], append(kv, mn.Content[at:]...)...)
}

// SetScalar edits a scalar in place (its comments stay), or adds it.
func SetScalar(m *yaml.RNode, key string, value *yaml.RNode, order []string) {
	if f := Get(m, key); f != nil && f.YNode().Kind == yaml.ScalarNode {
		old, v := f.YNode(), value.YNode()
		old.Value, old.Tag, old.Style = v.Value, v.Tag, v.Style
		return
	}
	Set(m, key, value, order)
}

// Ensure returns the mapping or sequence at key, adding an empty one (in
// block style) where order puts it when it is absent, null or of another
// kind. An empty flow collection ("{}", "[]") turns to block style, so
// that what is added to it reads as the rest of the manifest does.
func Ensure(m *yaml.RNode, key string, kind yaml.Kind, order []string) *yaml.RNode {
	if f := Get(m, key); f != nil && f.YNode().Kind == kind {
		if n := f.YNode(); len(n.Content) == 0 {
			n.Style &^= yaml.FlowStyle
		}
		return f
	}
	tag := yaml.NodeTagMap
	if kind == yaml.SequenceNode {
		tag = yaml.NodeTagSeq
	}
	n := yaml.NewRNode(&yaml.Node{Kind: kind, Tag: tag})
	Set(m, key, n, order)
	return n
}

// DeleteIfEmpty removes key from m when its value is an empty mapping.
// (kyaml's Clear with IfEmpty also removes scalars, which have no content.)
func DeleteIfEmpty(m *yaml.RNode, key string) {
	if f := m.Field(key); f != nil && f.Value.YNode().Kind == yaml.MappingNode && len(f.Value.Content()) == 0 {
		_, _ = m.Pipe(yaml.Clear(key))
	}
}

// Int is an integer scalar.
func Int(v int) *yaml.RNode {
	return yaml.NewRNode(&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.Itoa(v)})
}

// Map builds a block mapping from key, value pairs in the order given
// (kyaml's NewMapRNode sorts, and holds strings only); nil values are left
// out.
func Map(kv ...any) *yaml.RNode {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
	for i := 0; i+1 < len(kv); i += 2 {
		v, _ := kv[i+1].(*yaml.RNode)
		if v.IsNil() {
			continue
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: kv[i].(string)}, v.YNode())
	}
	return yaml.NewRNode(m)
}

// Seq builds a block sequence of nodes (kyaml's NewListRNode holds
// strings only).
func Seq(items ...*yaml.RNode) *yaml.RNode {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
	for _, it := range items {
		s.Content = append(s.Content, it.YNode())
	}
	return yaml.NewRNode(s)
}

// Elements are a sequence's entries; none when n is absent or not a
// sequence.
func Elements(n *yaml.RNode) []*yaml.RNode {
	es, _ := deref(n).Elements()
	for i, e := range es {
		es[i] = deref(e)
	}
	return es
}

// Get follows path from n as kyaml's Field does, step by step (the first
// key of that name); nil when a step is absent, null or not a mapping (the
// API server judges wrong kinds, not the rules). It reads as kyaml's Lookup
// does, without the field path and the filters Lookup builds at each step,
// which cost a rule about 80 µs per target.
func Get(n *yaml.RNode, path ...string) *yaml.RNode {
	if len(path) == 0 {
		return deref(n)
	}
	// On the bare nodes, wrapping only the end: Field wraps the key and
	// the value of every step in new RNodes, a tenth of all a list of a
	// thousand controllers allocated.
	y := derefNode(n.YNode())
	for _, k := range path {
		if y == nil || y.Tag == yaml.NodeTagNull || y.Kind != yaml.MappingNode {
			return nil
		}
		var v *yaml.Node
		for i := 0; i+1 < len(y.Content); i += 2 {
			if y.Content[i] != nil && y.Content[i].Value == k {
				v = y.Content[i+1]
				break
			}
		}
		if v == nil {
			return nil
		}
		y = derefNode(v)
	}
	return yaml.NewRNode(y)
}

// derefNode follows aliases to the node they name.
func derefNode(y *yaml.Node) *yaml.Node {
	for y != nil && y.Kind == yaml.AliasNode {
		y = y.Alias
	}
	return y
}

// deref follows aliases to the node they name; n itself when it is none.
func deref(n *yaml.RNode) *yaml.RNode {
	if y := n.YNode(); y != nil && y.Kind == yaml.AliasNode {
		return yaml.NewRNode(derefNode(y))
	}
	return n
}

// String is the scalar at path from n, or "".
func String(n *yaml.RNode, path ...string) string {
	v := Get(n, path...)
	if v.IsNil() || v.YNode().Kind != yaml.ScalarNode {
		return ""
	}
	return yaml.GetValue(v)
}

// StringMap reads a mapping of scalars, such as labels, at path from n
// (kyaml's GetLabels and GetAnnotations read only metadata's).
func StringMap(n *yaml.RNode, path ...string) map[string]string {
	m := Get(n, path...).YNode()
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make(map[string]string, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if v := deref(yaml.NewRNode(m.Content[i+1])).YNode(); v.Kind == yaml.ScalarNode && v.Tag != yaml.NodeTagNull {
			out[m.Content[i].Value] = v.Value
		} else {
			out[m.Content[i].Value] = ""
		}
	}
	return out
}

// StripComments removes the comments of a copied node, which belong to
// where it was copied from.
func StripComments(n *yaml.RNode) *yaml.RNode {
	var strip func(*yaml.Node)
	strip = func(y *yaml.Node) {
		y.HeadComment, y.LineComment, y.FootComment = "", "", ""
		for _, c := range y.Content {
			strip(c)
		}
	}
	if !n.IsNil() {
		strip(n.YNode())
	}
	return n
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
