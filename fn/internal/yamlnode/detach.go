package yamlnode

import (
	"errors"

	"go.yaml.in/yaml/v3"
)

// ErrTooLarge is Detach's error for aliases that expand past its budget
// (an alias bomb).
var ErrTooLarge = errors.New("its aliases expand to more than 100000 nodes")

const detachBudget = 100000

// Detach makes n a tree of its own: every alias in it is replaced by a
// copy of what it names, and every anchor is dropped. Edits then never
// write through an alias into another node, and nothing copied from n
// carries an anchor, which would be defined twice. The values read the
// same. It reports whether n had an alias or an anchor.
func Detach(n *yaml.Node) (bool, error) {
	if !hasRefs(n) {
		return false, nil
	}
	budget := detachBudget
	// expand returns n with its aliases expanded: n itself, or with copy
	// (under an alias, whose target stays where it is) a copy.
	var expand func(n *yaml.Node, copy bool) (*yaml.Node, error)
	expand = func(n *yaml.Node, copy bool) (*yaml.Node, error) {
		if budget--; budget < 0 {
			return nil, ErrTooLarge
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			c, err := expand(n.Alias, true)
			if err != nil {
				return nil, err
			}
			// The copy keeps the alias's place and comments.
			c.Line, c.Column = n.Line, n.Column
			c.HeadComment, c.LineComment, c.FootComment = n.HeadComment, n.LineComment, n.FootComment
			return c, nil
		}
		if copy {
			c := *n
			c.Content = append([]*yaml.Node(nil), n.Content...)
			n = &c
		}
		n.Anchor = ""
		for i, k := range n.Content {
			e, err := expand(k, copy)
			if err != nil {
				return nil, err
			}
			n.Content[i] = e
		}
		return n, nil
	}
	root, err := expand(n, false)
	if err != nil {
		return true, err
	}
	*n = *root
	return true, nil
}

func hasRefs(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasRefs(c) {
			return true
		}
	}
	return false
}
