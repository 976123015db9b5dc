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
// copy of what it names, and every anchor is dropped (Expand). Edits then
// never write through an alias into another node, and nothing copied from
// n carries an anchor, which would be defined twice. The values read the
// same. It reports whether n had an alias or an anchor.
func Detach(n *yaml.Node) (bool, error) {
	if !hasRefs(n) {
		return false, nil
	}
	budget := detachBudget
	c, ok := Expand(n, &budget)
	if !ok {
		return true, ErrTooLarge
	}
	*n = *c
	return true, nil
}

// Expand copies n with every alias in it replaced by a copy of what it
// names (keeping the alias's comments) and no anchors; each node copied
// takes one from budget, and it reports false when budget runs out.
func Expand(n *yaml.Node, budget *int) (*yaml.Node, bool) {
	if *budget--; *budget < 0 {
		return nil, false
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		cp, ok := Expand(n.Alias, budget)
		if ok {
			cp.HeadComment, cp.LineComment, cp.FootComment = n.HeadComment, n.LineComment, n.FootComment
		}
		return cp, ok
	}
	cp := *n
	cp.Anchor = ""
	cp.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		var ok bool
		if cp.Content[i], ok = Expand(c, budget); !ok {
			return nil, false
		}
	}
	return &cp, true
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
