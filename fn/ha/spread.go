package ha

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/csi-placement/csi-placement/fn/affinity"
	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

const spreadPath = "spec.template.spec.topologySpreadConstraints"

// Spread adds a topology spread constraint over TopologyKey that selects
// the workload's own pods, unless one on the same key already does.
type Spread struct {
	TopologyKey       string
	MaxSkew           int
	WhenUnsatisfiable string
}

// Apply edits spec.template.spec.topologySpreadConstraints.
func (f Spread) Apply(w *workload.Workload) []results.Finding {
	labels := w.TemplateLabels()
	for _, c := range yn.Items(yn.Lookup(w.Obj, "spec", "template", "spec", "topologySpreadConstraints")) {
		if sel := yn.Get(c, "labelSelector"); yn.String(yn.Get(c, "topologyKey")) == f.TopologyKey && !yn.IsNull(sel) && affinity.Matches(sel, labels) {
			return nil
		}
	}
	sel := w.OwnSelector()
	if sel == nil {
		return []results.Finding{{Rule: "topology spread", Severity: results.Error, Field: "spec.selector",
			Text: results.Text("topology spread: `spec.selector` must be set (or the pod template must have labels) to select the workload's own pods")}}
	}
	var keys *yaml.Node
	if w.Kind == "Deployment" {
		// Spread each rollout's pods on their own, as the Kubernetes docs
		// recommend: pod-template-hash differs between ReplicaSets.
		keys = yn.Seq(yn.Str("pod-template-hash"))
	}
	list := yn.Ensure(w.PodSpec(), "topologySpreadConstraints", yaml.SequenceNode, yn.PodSpecOrder)
	list.Content = append(list.Content, yn.Map(
		"maxSkew", yn.Int(f.MaxSkew),
		"topologyKey", yn.Str(f.TopologyKey),
		"whenUnsatisfiable", yn.Str(f.WhenUnsatisfiable),
		"labelSelector", sel,
		"matchLabelKeys", keys))
	return []results.Finding{{Rule: "topology spread", Severity: results.Info, Field: spreadPath,
		Text: results.Change{Done: fmt.Sprintf("topology spread: added maxSkew %d on %s (%s)", f.MaxSkew, f.TopologyKey, f.WhenUnsatisfiable),
			Required: fmt.Sprintf("`%s` must spread the workload's own pods over %s", spreadPath, f.TopologyKey)}}}
}
