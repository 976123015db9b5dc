// Package schedule proves a placement on the cluster's nodes: which nodes
// a workload's pods can be scheduled on, by the scheduler's own predicates
// from k8s.io/component-helpers (required node affinity and nodeSelector;
// NoSchedule and NoExecute taints against tolerations), and why each other
// node is rejected. The results and `csi-placement explain` both read it.
package schedule

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/csi-placement/csi-placement/fn/detect"
	"github.com/csi-placement/csi-placement/fn/krmio"
	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

// Inventory reads the Node objects among items, and those inside v1 Lists
// (what `kubectl get nodes -o yaml` prints). Only such items are decoded.
// unmarked names the items that are not annotated local-config: kustomize
// and kpt would output them as resources to apply.
func Inventory(items []*krmio.Item) (nodes []*corev1.Node, unmarked []string, err error) {
	for _, it := range items {
		if it.APIVersion() != "v1" || it.Kind() != "Node" && it.Kind() != "List" {
			continue
		}
		obj, err := it.Node()
		if err != nil {
			return nil, nil, err
		}
		if yn.StringMap(yn.Lookup(obj, "metadata", "annotations"))[detect.LocalConfig] != "true" {
			unmarked = append(unmarked, strings.TrimSpace(it.Kind()+" "+yn.String(yn.Lookup(obj, "metadata", "name"))))
		}
		objs := []*yaml.Node{obj}
		if it.Kind() == "List" {
			objs = yn.Items(yn.Get(obj, "items"))
		}
		for _, o := range objs {
			if yn.String(yn.Get(o, "kind")) != "Node" {
				continue
			}
			var n corev1.Node
			if err := Decode(o, &n); err != nil {
				return nil, nil, fmt.Errorf("item %d: Node %q: %w", it.Index, yn.String(yn.Lookup(o, "metadata", "name")), err)
			}
			nodes = append(nodes, &n)
		}
	}
	return nodes, unmarked, nil
}

// Decode converts a yaml.v3 node into an API type, through JSON as the API
// machinery does.
func Decode(n *yaml.Node, out any) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// Verdict is one node's answer for one pod spec.
type Verdict struct {
	Node string
	OK   bool
	// Reason says why the pods cannot run there: the first predicate that
	// fails, node affinity before taints.
	Reason string
}

// Check runs the predicates for a pod spec on every node, in order.
func Check(spec *corev1.PodSpec, nodes []*corev1.Node) []Verdict {
	pod := &corev1.Pod{Spec: *spec}
	required := nodeaffinity.GetRequiredNodeAffinity(pod)
	out := make([]Verdict, len(nodes))
	for i, n := range nodes {
		v := Verdict{Node: n.Name, OK: true}
		if ok, err := required.Match(n); err != nil || !ok {
			v.OK, v.Reason = false, affinityReason(spec, n, err)
		} else if taint, bad := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), n.Spec.Taints, spec.Tolerations, scheduling, false); bad {
			v.OK, v.Reason = false, "untolerated taint "+taint.ToString()
		}
		out[i] = v
	}
	return out
}

// scheduling keeps the taints that stop a pod from being scheduled or
// running; PreferNoSchedule does neither.
func scheduling(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
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
	Workload string
	Verdicts []Verdict
	Replicas int
	// OnePerNode is set when a required anti-affinity on the hostname
	// selects the workload's own pods: at most one replica per node.
	OnePerNode bool
}

// Prove runs the predicates for a workload's pod template on the nodes and
// reports: the eligible nodes (info), none (error: the pods would stay
// Pending), or fewer than the replicas that must each have a node of
// their own (warning).
func Prove(w *workload.Workload, nodes []*corev1.Node) (Proof, []results.Finding) {
	p := Proof{Workload: w.String()}
	var tmpl corev1.PodTemplateSpec
	if err := Decode(yn.Lookup(w.Obj, "spec", "template"), &tmpl); err != nil {
		return p, []results.Finding{{Rule: rule, Severity: results.Error, Field: "spec.template", Message: "placement: reading the pod template: " + err.Error()}}
	}
	p.Verdicts = Check(&tmpl.Spec, nodes)
	p.Replicas, _, _ = w.Replicas()
	p.OnePerNode = onePerNode(&tmpl, w.Namespace)
	eligible := Eligible(p.Verdicts)
	if len(eligible) == 0 {
		var why []string
		for _, v := range p.Verdicts {
			why = append(why, v.Node+" ("+v.Reason+")")
		}
		return p, []results.Finding{{Rule: rule, Severity: results.Error, Field: "spec.template.spec",
			Message: "placement: no node of the inventory can run its pods, so they would stay Pending: " + strings.Join(why, "; ")}}
	}
	out := []results.Finding{{Rule: rule, Severity: results.Info, Note: true,
		Message: fmt.Sprintf("placement: schedulable on %d of %d nodes: %s", len(eligible), len(nodes), strings.Join(eligible, ", "))}}
	if p.OnePerNode && p.Replicas > len(eligible) {
		out = append(out, results.Finding{Rule: rule, Severity: results.Warning, Field: "spec.replicas",
			Message: fmt.Sprintf("placement: %d replicas with a required anti-affinity on %s but %s: %s would stay Pending",
				p.Replicas, hostname, results.Count(len(eligible), "eligible node"), results.Count(p.Replicas-len(eligible), "pod"))})
	}
	return p, out
}

const (
	rule     = "placement"
	hostname = "kubernetes.io/hostname"
)

// onePerNode reports whether a required anti-affinity on the hostname
// selects the template's own pods.
func onePerNode(t *corev1.PodTemplateSpec, ns string) bool {
	a := t.Spec.Affinity
	if a == nil || a.PodAntiAffinity == nil {
		return false
	}
	for _, term := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		if term.TopologyKey != hostname || term.LabelSelector == nil || len(term.Namespaces) > 0 && !slices.Contains(term.Namespaces, ns) {
			continue
		}
		if sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector); err == nil && sel.Matches(labels.Set(t.Labels)) {
			return true
		}
	}
	return false
}
