// Package affinity holds the node affinity and pod anti-affinity rules.
package affinity

import (
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const (
	nodeRule     = "node affinity"
	required     = "requiredDuringSchedulingIgnoredDuringExecution"
	preferred    = "preferredDuringSchedulingIgnoredDuringExecution"
	nodeAffPath  = "spec.template.spec.affinity.nodeAffinity"
	requiredPath = nodeAffPath + "." + required + ".nodeSelectorTerms"
)

// Node places a workload on a pool's nodes (the control plane by
// default): a node with any of Labels. Pool words the pool in results
// ("control-plane" when empty).
type Node struct {
	Type     string // Required, Preferred or None
	Existing string // Merge or Replace
	Labels   []string
	Pool     string
}

func (f Node) pool() string {
	if f.Pool == "" {
		return "control-plane"
	}
	return f.Pool
}

// Apply edits the workload's node affinity.
func (f Node) Apply(w *workload.Workload) []results.Finding {
	var out []results.Finding
	na := w.PodField("affinity", "nodeAffinity")
	existing := yn.Elements(yn.Get(na, required, "nodeSelectorTerms"))

	if f.Existing == config.Replace && !yn.Get(na, required).IsNil() && f.Type != config.Required {
		_, _ = na.Pipe(yaml.Clear(required))
		cleanUp(w)
		out = append(out, results.Finding{Rule: nodeRule, Severity: results.Info, Field: nodeAffPath + "." + required,
			Text: results.Change{Done: "node affinity: dropped the required rule",
				Required: fmt.Sprintf("`%s.%s` must not be set (existing: Replace)", nodeAffPath, required)}})
	}
	switch f.Type {
	case config.Required:
		var terms []*yaml.RNode
		if f.Existing == config.Replace || len(existing) == 0 {
			terms = f.policyTerms()
		} else {
			terms = conjunction(existing, f.policyTerms())
		}
		if sameNodes(terms, existing) || sameTerms(terms, existing) {
			return out
		}
		na := yn.Ensure(yn.Ensure(w.PodSpec(), "affinity", yaml.MappingNode, yn.PodSpecOrder), "nodeAffinity", yaml.MappingNode, yn.AffinityOrder)
		req := yn.Ensure(na, required, yaml.MappingNode, yn.NodeAffinityOrder)
		yn.Set(req, "nodeSelectorTerms", yn.Seq(terms...), nil)
		msg := fmt.Sprintf("node affinity: required %s node (%d terms, was %d)", results.A(f.pool()), len(terms), len(existing))
		out = append(out, results.Finding{Rule: nodeRule, Severity: results.Info, Field: requiredPath, Text: results.Change{Done: msg,
			Required: fmt.Sprintf("`%s` must require a node with one of the labels %s", requiredPath, strings.Join(f.Labels, ", "))},
			Current: describeTerms(existing), Proposed: describeTerms(terms)})
	case config.Preferred:
		na := yn.Ensure(yn.Ensure(w.PodSpec(), "affinity", yaml.MappingNode, yn.PodSpecOrder), "nodeAffinity", yaml.MappingNode, yn.AffinityOrder)
		pref := yn.Ensure(na, preferred, yaml.SequenceNode, yn.NodeAffinityOrder)
		var added, reweighted []string
		for _, l := range f.Labels {
			if t := preference(pref, l); t != nil {
				if w := yn.String(t, "weight"); w != "100" {
					reweighted = append(reweighted, fmt.Sprintf("%s weight %s -> 100", l, w))
					yn.SetScalar(t, "weight", yn.Int(100), []string{"weight", "preference"})
				}
				continue
			}
			pref.YNode().Content = append(pref.YNode().Content, yn.Map(
				"weight", yn.Int(100),
				"preference", yn.Map("matchExpressions", yn.Seq(exists(l)))).YNode())
			added = append(added, l)
		}
		if len(added) > 0 {
			out = append(out, results.Finding{Rule: nodeRule, Severity: results.Info, Field: nodeAffPath + "." + preferred,
				Text: results.Change{Done: "node affinity: preferred " + strings.Join(added, ", "),
					Required: fmt.Sprintf("`%s.%s` must prefer nodes with the labels %s", nodeAffPath, preferred, strings.Join(added, ", "))}})
		}
		if len(reweighted) > 0 {
			out = append(out, results.Finding{Rule: nodeRule, Severity: results.Info, Field: nodeAffPath + "." + preferred,
				Text: results.Change{Done: "node affinity: " + strings.Join(reweighted, ", "),
					Required: fmt.Sprintf("`%s.%s` must prefer %s nodes with weight 100 (%s)", nodeAffPath, preferred, f.pool(), strings.Join(reweighted, ", "))}})
		}
		if f.Existing == config.Merge && mentionsAny(existing, f.Labels) {
			out = append(out, results.Finding{Rule: nodeRule, Severity: results.Warning, Field: requiredPath,
				Text: results.Text(fmt.Sprintf("node affinity: the workload's own required rule still asks for %s nodes, so on a cluster without them its pods stay Pending; set `spec.nodeAffinity.existing: Replace` to drop it", f.pool()))})
		}
	}
	return out
}

func (f Node) policyTerms() []*yaml.RNode {
	terms := make([]*yaml.RNode, len(f.Labels))
	for i, l := range f.Labels {
		terms[i] = yn.Map("matchExpressions", yn.Seq(exists(l)))
	}
	return terms
}

func exists(label string) *yaml.RNode {
	return yn.Map("key", yaml.NewStringRNode(label), "operator", yaml.NewStringRNode("Exists"))
}

// cleanUp removes the affinity blocks an edit left empty.
func cleanUp(w *workload.Workload) {
	ps := w.PodField()
	aff := yn.Get(ps, "affinity")
	yn.DeleteIfEmpty(aff, "nodeAffinity")
	yn.DeleteIfEmpty(ps, "affinity")
}

// preference returns the preferred term that asks for label alone, or nil.
func preference(pref *yaml.RNode, label string) *yaml.RNode {
	for _, t := range yn.Elements(pref) {
		exprs := yn.Elements(yn.Get(t, "preference", "matchExpressions"))
		if len(exprs) == 1 && parseExpr(exprs[0]).equal(parseExpr(exists(label))) {
			return t
		}
	}
	return nil
}

func mentionsAny(terms []*yaml.RNode, labels []string) bool {
	for _, t := range terms {
		for _, e := range yn.Elements(yn.Get(t, "matchExpressions")) {
			if slices.Contains(labels, yn.String(e, "key")) {
				return true
			}
		}
	}
	return false
}

// expr is a node selector requirement, in a form that compares.
type expr struct {
	key, op string
	values  []string // sorted
}

func parseExpr(n *yaml.RNode) expr {
	e := expr{key: yn.String(n, "key"), op: yn.String(n, "operator")}
	for _, v := range yn.Elements(yn.Get(n, "values")) {
		e.values = append(e.values, yn.String(v))
	}
	slices.Sort(e.values)
	return e
}

func (e expr) equal(o expr) bool {
	return e.key == o.key && e.op == o.op && slices.Equal(e.values, o.values)
}

// implies reports whether a node matching e must match o: equal, or o asks
// only that the label exist and e cannot match without it.
func (e expr) implies(o expr) bool {
	if e.equal(o) {
		return true
	}
	if o.op != "Exists" || e.key != o.key {
		return false
	}
	switch e.op {
	case "In":
		return len(e.values) > 0
	case "Gt", "Lt":
		return true
	}
	return false
}

// term is a node selector term read for comparison.
type term struct {
	node          *yaml.RNode
	exprs, fields []expr
}

func parseTerm(n *yaml.RNode) term {
	t := term{node: n}
	for _, e := range yn.Elements(yn.Get(n, "matchExpressions")) {
		t.exprs = append(t.exprs, parseExpr(e))
	}
	for _, e := range yn.Elements(yn.Get(n, "matchFields")) {
		t.fields = append(t.fields, parseExpr(e))
	}
	return t
}

// implies reports whether every node matching t matches o: each of o's
// requirements is implied by one of t's.
func (t term) implies(o term) bool {
	return allImplied(t.exprs, o.exprs) && allImplied(t.fields, o.fields)
}

func allImplied(have, need []expr) bool {
	for _, n := range need {
		if !slices.ContainsFunc(have, func(h expr) bool { return h.implies(n) }) {
			return false
		}
	}
	return true
}

// conjunction ANDs two sets of ORed terms: every existing term with every
// policy term. A policy requirement an existing term already implies is not
// added, and a term that implies another (so is narrower) is dropped, so a
// rule that already implies the policy comes back as the same nodes, and a
// second run changes nothing.
func conjunction(existing, policy []*yaml.RNode) []*yaml.RNode {
	var terms []term
	for _, e := range existing {
		et := parseTerm(e)
		for _, p := range policy {
			pt := parseTerm(p)
			if et.implies(pt) {
				terms = append(terms, et)
				continue
			}
			n := e.Copy()
			exprs := yn.Ensure(n, "matchExpressions", yaml.SequenceNode, yn.NodeSelectorTermOrder)
			for _, pe := range yn.Elements(yn.Get(p, "matchExpressions")) {
				if !allImplied(et.exprs, []expr{parseExpr(pe)}) {
					exprs.YNode().Content = append(exprs.YNode().Content, pe.Copy().YNode())
				}
			}
			terms = append(terms, parseTerm(n))
		}
	}
	var out []*yaml.RNode
	for i, t := range terms {
		redundant := false
		for j, o := range terms {
			if i == j {
				continue
			}
			// Drop t when o is wider (t implies o), or when both are the same
			// and o comes first.
			if t.implies(o) && (!o.implies(t) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant && !slices.ContainsFunc(out, func(o *yaml.RNode) bool { return o.YNode() == t.node.YNode() }) {
			out = append(out, t.node)
		}
	}
	return out
}

// sameNodes reports whether two term lists are the same nodes.
func sameNodes(a, b []*yaml.RNode) bool {
	return slices.EqualFunc(a, b, func(x, y *yaml.RNode) bool { return x.YNode() == y.YNode() })
}

// sameTerms reports whether two term lists say the same, in the same order.
func sameTerms(a, b []*yaml.RNode) bool {
	return slices.EqualFunc(a, b, func(x, y *yaml.RNode) bool {
		tx, ty := parseTerm(x), parseTerm(y)
		return slices.EqualFunc(tx.exprs, ty.exprs, expr.equal) && slices.EqualFunc(tx.fields, ty.fields, expr.equal)
	})
}

// describeTerms shows terms briefly: "a Exists | b Exists, c In [x]".
func describeTerms(terms []*yaml.RNode) string {
	if len(terms) == 0 {
		return "none"
	}
	parts := make([]string, len(terms))
	for i, n := range terms {
		t := parseTerm(n)
		var es []string
		for _, e := range append(t.exprs, t.fields...) {
			s := e.key + " " + e.op
			if len(e.values) > 0 {
				s += " [" + strings.Join(e.values, ",") + "]"
			}
			es = append(es, s)
		}
		parts[i] = strings.Join(es, ", ")
	}
	return strings.Join(parts, " | ")
}
