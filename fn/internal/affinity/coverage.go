package affinity

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/csi-placement/csi-placement/fn/internal/controlplane"
	"github.com/csi-placement/csi-placement/fn/internal/results"
)

// Coverage lists the distributions whose control-plane nodes a pod spec's
// required node affinity and nodeSelector accept, judged on the node-role
// keys only (the rest depends on the cluster), and those they reject.
func Coverage(spec *corev1.PodSpec) (match, miss []string) {
	sel := map[string]string{}
	for k, v := range spec.NodeSelector {
		if controlplane.IsRoleKey(k) {
			sel[k] = v
		}
	}
	var ns *corev1.NodeSelector
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		ns = &corev1.NodeSelector{}
		for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			var kept corev1.NodeSelectorTerm
			for _, e := range t.MatchExpressions {
				if controlplane.IsRoleKey(e.Key) {
					kept.MatchExpressions = append(kept.MatchExpressions, e)
				}
			}
			if len(kept.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
				ns = nil // a term the table cannot judge: assume it matches
				break
			}
			ns.NodeSelectorTerms = append(ns.NodeSelectorTerms, kept)
		}
	}
	var aff *corev1.Affinity
	if ns != nil {
		aff = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: ns}}
	}
	req := nodeaffinity.GetRequiredNodeAffinity(&corev1.Pod{Spec: corev1.PodSpec{NodeSelector: sel, Affinity: aff}})
	for _, d := range controlplane.Distributions {
		if ok, err := req.Match(d.Node()); err == nil && ok {
			match = append(match, d.Name)
		} else {
			miss = append(miss, d.Name)
		}
	}
	return match, miss
}

// Unportable warns when the required node affinity a workload kept from
// the input (existing: Merge) leaves out the control plane of some
// distributions that the policy's own terms would reach.
func Unportable(spec *corev1.PodSpec, sev results.Severity) []results.Finding {
	match, miss := Coverage(spec)
	if len(miss) == 0 {
		return nil
	}
	where := "only " + strings.Join(match, ", ")
	if len(match) == 0 {
		where = "none"
	}
	return []results.Finding{{Rule: nodeRule, Severity: sev, Field: requiredPath,
		Text: results.Text(fmt.Sprintf("node affinity: the required rule the input already had, kept by `spec.nodeAffinity.existing: Merge`, matches no control-plane node of %s (of the distributions this function knows, %s), so its pods would stay Pending there; set `spec.nodeAffinity.existing: Replace` (ConfigMap: existing-affinity=replace) to use the policy's terms",
			strings.Join(miss, ", "), where))}}
}
