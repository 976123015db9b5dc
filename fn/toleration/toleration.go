// Package toleration adds the tolerations a workload needs to run on
// control-plane nodes, without duplicating any it already has.
package toleration

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/csi-placement/csi-placement/fn/config"
	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
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

// Add appends each toleration in Want that no existing one already covers.
type Add struct {
	Want []config.Toleration
}

// Apply edits the workload's tolerations.
func (f Add) Apply(w *workload.Workload) []results.Finding {
	ps := yn.Lookup(w.Obj, "spec", "template", "spec")
	var have []config.Toleration
	for _, n := range yn.Items(yn.Get(ps, "tolerations")) {
		have = append(have, read(n))
	}
	var added []config.Toleration
	for _, t := range f.Want {
		if covered(have, t) {
			continue
		}
		have = append(have, t)
		added = append(added, t)
	}
	if len(added) == 0 {
		return nil
	}
	list := yn.Ensure(w.PodSpec(), "tolerations", yaml.SequenceNode, yn.PodSpecOrder)
	names := make([]string, len(added))
	for i, t := range added {
		list.Content = append(list.Content, node(t))
		names[i] = String(t)
	}
	return []results.Finding{{Rule: rule, Severity: results.Info, Field: path,
		Text: results.Change{Done: "tolerations: added " + strings.Join(names, ", "),
			Required: fmt.Sprintf("`%s` must tolerate %s", path, strings.Join(names, ", "))},
		Proposed: strings.Join(names, ", ")}}
}

// covered reports whether the tolerations in have tolerate every taint
// that want tolerates.
func covered(have []config.Toleration, want config.Toleration) bool {
	for _, h := range have {
		if covers(h, want) {
			return true
		}
	}
	return false
}

// covers reports whether h tolerates every taint w does. An Equal
// toleration with no value tolerates only taints with no value, so it does
// not cover an Exists one; a toleration limited by tolerationSeconds does not
// cover one that is not, or is limited less.
func covers(h, w config.Toleration) bool {
	hExists, wExists := h.Operator == "Exists", w.Operator == "Exists"
	switch {
	case !hExists && h.Operator != "Equal":
		return false // Lt, Gt: numeric ranges, never relied on here
	case h.Key == "" && hExists:
	case h.Key != w.Key:
		return false
	case hExists:
	case wExists || h.Value != w.Value:
		return false
	}
	if h.Effect != "" && h.Effect != w.Effect {
		return false
	}
	if h.TolerationSeconds != nil && (w.TolerationSeconds == nil || *w.TolerationSeconds > *h.TolerationSeconds) {
		return false
	}
	return true
}

func read(n *yaml.Node) config.Toleration {
	t := config.Toleration{
		Key:      yn.String(yn.Get(n, "key")),
		Operator: yn.String(yn.Get(n, "operator")),
		Value:    yn.String(yn.Get(n, "value")),
		Effect:   yn.String(yn.Get(n, "effect")),
	}
	if t.Operator == "" {
		t.Operator = "Equal" // the API's default
	}
	if s, err := strconv.ParseInt(yn.String(yn.Get(n, "tolerationSeconds")), 10, 64); err == nil {
		t.TolerationSeconds = &s
	}
	return t
}

// node writes a toleration with its keys in the documentation's order.
func node(t config.Toleration) *yaml.Node {
	opt := func(v string) *yaml.Node {
		if v == "" {
			return nil
		}
		return yn.Str(v)
	}
	var secs *yaml.Node
	if t.TolerationSeconds != nil {
		secs = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(*t.TolerationSeconds, 10)}
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
