// Package toleration adds the tolerations a workload needs to run on
// control-plane nodes, without duplicating any it already has.
package toleration

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/api"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const (
	rule = "tolerations"
	path = "spec.template.spec.tolerations"
)

// ControlPlane are the tolerations control-plane taints need, across
// distributions: kubeadm, Talos and OpenShift (control-plane, master),
// RKE1 (controlplane=true), RKE2/K3s/Rancher (etcd, CriticalAddonsOnly).
var ControlPlane = []config.Toleration{
	{Key: "node-role.kubernetes.io/control-plane", Operator: "Exists", Effect: "NoSchedule"},
	{Key: "node-role.kubernetes.io/controlplane", Operator: "Exists", Effect: "NoSchedule"},
	{Key: "node-role.kubernetes.io/master", Operator: "Exists", Effect: "NoSchedule"},
	{Key: "node-role.kubernetes.io/etcd", Operator: "Exists", Effect: "NoExecute"},
	{Key: "CriticalAddonsOnly", Operator: "Exists"},
}

// FromTaints are the tolerations of exactly the NoSchedule and NoExecute
// taints on nodes (the inventory's control-plane nodes), first seen first,
// each once: operator Equal with the taint's key, value and effect. A taint
// without a value gets Equal without a value, which tolerates only that
// taint with no value, where Exists would tolerate any value. A
// PreferNoSchedule taint does not keep a pod off a node, so it is left out.
func FromTaints(nodes []*corev1.Node) []config.Toleration {
	var out []config.Toleration
	seen := map[corev1.Taint]bool{}
	for _, n := range nodes {
		for _, t := range n.Spec.Taints {
			// A taint has a key (the API server requires one): none here
			// would need a key-less toleration, which tolerates every taint.
			if t.Key == "" || t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
				continue
			}
			k := corev1.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, config.Toleration{Key: t.Key, Operator: string(corev1.TolerationOpEqual), Value: t.Value, Effect: string(t.Effect)})
		}
	}
	return out
}

// Add appends each toleration in Want that no existing one already covers.
type Add struct {
	Want []config.Toleration
}

// Apply edits the workload's tolerations.
func (f Add) Apply(w *workload.Workload) []results.Finding {
	var have []corev1.Toleration
	for _, n := range yn.Elements(w.PodField("tolerations")) {
		have = append(have, read(n))
	}
	var added []config.Toleration
	for _, t := range f.Want {
		if covered(have, apiToleration(t)) {
			continue
		}
		have = append(have, apiToleration(t))
		added = append(added, t)
	}
	if len(added) == 0 {
		return nil
	}
	list := yn.Ensure(w.PodSpec(), "tolerations", yaml.SequenceNode, yn.PodSpecOrder)
	names := make([]string, len(added))
	for i, t := range added {
		list.YNode().Content = append(list.YNode().Content, node(t).YNode())
		names[i] = String(t)
	}
	return []results.Finding{{Rule: rule, Severity: results.Info, Field: path,
		Text: results.Change{Done: "tolerations: added " + strings.Join(names, ", "),
			Required: fmt.Sprintf("`%s` must tolerate %s", path, strings.Join(names, ", "))},
		Proposed: strings.Join(names, ", ")}}
}

// covered reports whether one of the tolerations in have tolerates every
// taint that want tolerates.
func covered(have []corev1.Toleration, want corev1.Toleration) bool {
	return slices.ContainsFunc(have, func(h corev1.Toleration) bool { return api.Covers(h, want) })
}

// read reads a toleration of the input; a tolerationSeconds that is not
// an integer is left for the API server to reject.
func read(n *yaml.RNode) corev1.Toleration {
	t := corev1.Toleration{
		Key:      yn.String(n, "key"),
		Operator: corev1.TolerationOperator(yn.String(n, "operator")),
		Value:    yn.String(n, "value"),
		Effect:   corev1.TaintEffect(yn.String(n, "effect")),
	}
	if s, err := strconv.ParseInt(yn.String(n, "tolerationSeconds"), 10, 64); err == nil {
		t.TolerationSeconds = &s
	}
	return t
}

func apiToleration(t config.Toleration) corev1.Toleration {
	return corev1.Toleration{Key: t.Key, Operator: corev1.TolerationOperator(t.Operator), Value: t.Value, Effect: corev1.TaintEffect(t.Effect), TolerationSeconds: t.TolerationSeconds}
}

// node writes a toleration with its keys in the documentation's order.
func node(t config.Toleration) *yaml.RNode {
	opt := func(v string) *yaml.RNode {
		if v == "" {
			return nil
		}
		return yaml.NewStringRNode(v)
	}
	var secs *yaml.RNode
	if t.TolerationSeconds != nil {
		secs = yaml.NewRNode(&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatInt(*t.TolerationSeconds, 10)})
	}
	return yn.Map("key", opt(t.Key), "operator", opt(t.Operator), "value", opt(t.Value), "effect", opt(t.Effect), "tolerationSeconds", secs)
}

// String shows a toleration briefly: "key:Effect" for Exists, with the
// value for Equal, "(any effect)" when the effect is empty.
func String(t config.Toleration) string {
	s := t.Key
	if s == "" {
		s = "*"
	}
	if t.Operator != "Exists" {
		s += "=" + t.Value
	}
	if t.Effect == "" {
		return s + " (any effect)"
	}
	return s + ":" + t.Effect
}
