// Package schedule proves a placement on the cluster's nodes, as the
// kube-scheduler's filters and the workload controllers would decide it:
// where each replica of a workload can land beside the pods the input's
// other workloads put there (node affinity and nodeSelector, taints, host
// ports, required inter-pod affinity and anti-affinity, topology spread),
// why each other node is rejected, and whether a rollout can finish. The
// node-level predicates are k8s.io/component-helpers'; the pod-level ones
// follow the scheduler's documented semantics, and the real-cluster tier
// holds them against the real scheduler. Scoring, resources and volumes
// are not modelled.
package schedule

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/api"
	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/detect"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// Inventory reads the Node objects among items, and those inside v1 Lists
// (what `kubectl get nodes -o yaml` prints). Only such items are decoded.
// unmarked names the items that are not annotated local-config: kustomize
// and kpt would output them as resources to apply.
func Inventory(items []*krmio.Item) (nodes []*corev1.Node, unmarked []string, err error) {
	for _, it := range items {
		if !it.IsNode() && !it.IsList() {
			continue
		}
		top, err := it.Node()
		if err != nil {
			return nil, nil, err
		}
		obj := yaml.NewRNode(top)
		members := []*krmio.Item{it}
		if it.IsList() {
			// The members the rules read, by the same rule for a Node.
			if members, err = it.Members(); err != nil {
				return nil, nil, err
			}
		}
		marked := obj.GetAnnotations()[detect.LocalConfig] == "true"
		for _, m := range members {
			if !m.IsNode() {
				continue
			}
			if !marked {
				// A List of workloads is no inventory: only one that holds Nodes is named.
				unmarked = append(unmarked, strings.TrimSpace(it.Kind()+" "+obj.GetName()))
				marked = true
			}
			node, err := m.Node()
			if err != nil {
				return nil, nil, err
			}
			o := yaml.NewRNode(node)
			var n corev1.Node
			if err := api.Decode(o, &n); err != nil {
				return nil, nil, fmt.Errorf("item %d: Node %q: %w", it.Index, o.GetName(), err)
			}
			nodes = append(nodes, &n)
		}
	}
	return nodes, unmarked, nil
}

// Verdict is one node's answer for one pod spec.
type Verdict struct {
	Node string
	OK   bool
	// Reason says why the pods cannot run there: the first predicate that
	// fails, node affinity before taints.
	Reason string
}

// affinityReason says which part of the required node affinity a node
// fails, evaluating each part with the same helper.
func affinityReason(spec *corev1.PodSpec, n *corev1.Node, err error) string {
	if err != nil {
		return "invalid node affinity: " + err.Error()
	}
	keys := make([]string, 0, len(spec.NodeSelector))
	for k := range spec.NodeSelector {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if ok, _ := nodeaffinity.NewRequiredNodeAffinity(map[string]string{k: spec.NodeSelector[k]}, nil).Match(n); !ok {
			if got, has := n.Labels[k]; has {
				return fmt.Sprintf("nodeSelector %s=%s, node has %q", k, spec.NodeSelector[k], got)
			}
			return fmt.Sprintf("missing label %s=%s (nodeSelector)", k, spec.NodeSelector[k])
		}
	}
	// No term matches: name, for each term, the first requirement it fails.
	var needs []string
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			for _, e := range term.MatchExpressions {
				one := &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{e}}}}
				if ok, _ := nodeaffinity.NewLazyErrorNodeSelector(one).Match(n); !ok {
					needs = append(needs, requirement(e))
					break
				}
			}
		}
	}
	if len(needs) == 0 {
		return "matches no required node affinity term"
	}
	return "missing label " + strings.Join(dedupe(needs), " or ")
}

func requirement(e corev1.NodeSelectorRequirement) string {
	switch e.Operator {
	case corev1.NodeSelectorOpExists:
		return e.Key
	case corev1.NodeSelectorOpIn:
		return e.Key + " in [" + strings.Join(e.Values, ",") + "]"
	}
	return fmt.Sprintf("%s %s %v", e.Key, e.Operator, e.Values)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Eligible names the nodes that accept the pods.
func Eligible(vs []Verdict) []string {
	var out []string
	for _, v := range vs {
		if v.OK {
			out = append(out, v.Node)
		}
	}
	return out
}

// Proof is a workload's placement on the inventory, after the policy.
type Proof struct {
	Workload              string
	Kind, Namespace, Name string
	Replicas              int
	// Verdicts are the first replica's, node by node.
	Verdicts  []Verdict
	Placement Placement
	Rollout   Rollout
}

// Target is a workload decoded for the simulation.
type Target struct {
	Owner, Kind, Namespace string
	Template               corev1.PodTemplateSpec
	Replicas               int
	Strategy               Strategy
}

// ReadTarget decodes what the simulation needs of a Deployment or
// StatefulSet.
func ReadTarget(w *workload.Workload) (Target, error) {
	tmpl, err := ReadTemplate(w)
	if err != nil {
		return Target{Owner: w.String(), Kind: w.Kind, Namespace: w.Namespace}, err
	}
	return TargetOf(w, tmpl)
}

// ReadTemplate decodes a workload's pod template.
func ReadTemplate(w *workload.Workload) (corev1.PodTemplateSpec, error) {
	var tmpl corev1.PodTemplateSpec
	if err := api.Decode(yn.Get(w.RNode, "spec", "template"), &tmpl); err != nil {
		return tmpl, fmt.Errorf("reading the pod template: %w", err)
	}
	return tmpl, nil
}

// TargetOf completes a target from its decoded pod template: the replica
// count and the update strategy.
func TargetOf(w *workload.Workload, tmpl corev1.PodTemplateSpec) (Target, error) {
	t := Target{Owner: w.String(), Kind: w.Kind, Namespace: w.Namespace, Template: tmpl}
	n, _, err := w.Replicas()
	if err != nil {
		return t, err
	}
	// The proof places replicas one by one, at a cost cubic in their
	// number; the policy's own counts are held to the same bound.
	if n > config.MaxReplicas {
		return t, fmt.Errorf("`spec.replicas` must be at most %d for the proof to place them, got %d", config.MaxReplicas, n)
	}
	t.Replicas = n
	t.Strategy, err = ReadStrategy(w)
	return t, err
}

// ReadStrategy decodes a Deployment's strategy or a StatefulSet's
// updateStrategy.
func ReadStrategy(w *workload.Workload) (Strategy, error) {
	if w.Kind == "StatefulSet" {
		var s appsv1.StatefulSetUpdateStrategy
		if err := api.Decode(yn.Get(w.RNode, "spec", "updateStrategy"), &s); err != nil {
			return Strategy{}, fmt.Errorf("reading `spec.updateStrategy`: %w", err)
		}
		return StatefulSetStrategy(s), nil
	}
	var s appsv1.DeploymentStrategy
	if err := api.Decode(yn.Get(w.RNode, "spec", "strategy"), &s); err != nil {
		return Strategy{}, fmt.Errorf("reading `spec.strategy`: %w", err)
	}
	return DeploymentStrategy(s), nil
}

// Replica makes the target's pods.
func (t Target) Replica() Replica { return Template(t.Owner, t.Kind, t.Namespace, &t.Template) }

// Simulate places the target's replicas on c (binding them there, so that
// the next workload sees them) and rolls a template change out over them.
func Simulate(c *Cluster, t Target) (Placement, Rollout) {
	pl := Place(c, t.Replica(), t.Replicas, "old")
	return pl, SimulateRollout(c, t.Replica(), t.Replicas, pl, t.Strategy)
}

// Unreadable is the proof's finding on a workload it cannot read.
func Unreadable(err error) results.Finding {
	return results.Finding{Rule: rule, Severity: results.Error, Field: "spec.template", Text: results.Text("placement: " + err.Error())}
}

// Prove places a workload, read as t, on the inventory's cluster c (which
// holds the pods the input's other workloads put there) and reports: the
// eligible nodes (info), none (error: the pods would stay Pending), or
// fewer nodes than replicas can use (warning). The rollout is the caller's
// to judge.
func Prove(w *workload.Workload, t Target, c *Cluster) (Proof, []results.Finding) {
	p := Proof{Workload: w.String(), Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
	p.Replicas = t.Replicas
	if f, ok := NoPods(w); ok {
		why := f.Message(false)
		first := Place(c.Clone(), t.Replica(), 1, "old").First
		p.Verdicts, p.Placement, p.Rollout = first, Placement{First: first, Why: why}, Rollout{Strategy: t.Strategy.Type, Reason: why}
		return p, []results.Finding{f}
	}
	p.Placement, p.Rollout = Simulate(c, t)
	p.Verdicts = p.Placement.First
	eligible := Eligible(p.Verdicts)
	if len(eligible) == 0 {
		var why []string
		for _, v := range p.Verdicts {
			why = append(why, v.Node+" ("+v.Reason+")")
		}
		return p, []results.Finding{{Rule: rule, Severity: results.Error, Field: "spec.template.spec",
			Text: results.Text("placement: no node of the inventory can run its pods, so they would stay Pending: " + strings.Join(why, "; "))}}
	}
	out := []results.Finding{{Rule: rule, Severity: results.Info, Note: true,
		Text: results.Text(fmt.Sprintf("placement: schedulable on %d of %d nodes: %s", len(eligible), len(c.Nodes), strings.Join(eligible, ", ")))}}
	if pl := p.Placement; pl.Pending > 0 {
		out = append(out, results.Finding{Rule: rule, Severity: results.Warning, Field: "spec.replicas",
			Text: results.Text(fmt.Sprintf("placement: %d of %d replicas can be placed, %s would stay Pending: %s",
				len(pl.Nodes), p.Replicas, results.Count(pl.Pending, "pod"), pl.Why))})
	}
	return p, out
}

// NoPods is a warning when the API server rejects every pod of w, whatever
// the nodes: a StatefulSet's pods carry controller-revision-hash=<name>-
// <hash>, a label value of at most 63 characters.
func NoPods(w *workload.Workload) (results.Finding, bool) {
	if w.Kind != "StatefulSet" || len(w.Name) <= maxStatefulSetName {
		return results.Finding{}, false
	}
	why := fmt.Sprintf("placement: the StatefulSet's name has %d characters, so the label controller-revision-hash=%s-<hash> its pods get is longer than 63 and the API server rejects every pod; shorten the name to at most 52 characters", len(w.Name), w.Name)
	return results.Finding{Rule: rule, Severity: results.Warning, Field: "metadata.name", Text: results.Text(why)}, true
}

// maxStatefulSetName is the longest StatefulSet name whose pods can
// surely be created: the revision hash takes up to 10 characters of the
// 63 a label value may have; past 54 none can.
const maxStatefulSetName = 54

const (
	rule     = "placement"
	hostname = "kubernetes.io/hostname"
)
