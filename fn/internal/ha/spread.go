package ha

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/api"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
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
	for _, c := range yn.Elements(w.PodField("topologySpreadConstraints")) {
		if sel := yn.Get(c, "labelSelector"); yn.String(c, "topologyKey") == f.TopologyKey && api.Selects(sel, labels) {
			return nil
		}
	}
	sel := w.OwnSelector()
	if sel == nil {
		return []results.Finding{{Rule: "topology spread", Severity: results.Error, Field: "spec.selector",
			Text: results.Text("topology spread: `spec.selector` must be set (or the pod template must have labels) to select the workload's own pods")}}
	}
	var keys *yaml.RNode
	if w.Kind == "Deployment" {
		// Spread each rollout's pods on their own, as the Kubernetes docs
		// recommend: pod-template-hash differs between ReplicaSets.
		keys = yn.Seq(yaml.NewStringRNode("pod-template-hash"))
	}
	list := yn.Ensure(w.PodSpec(), "topologySpreadConstraints", yaml.SequenceNode, yn.PodSpecOrder)
	list.YNode().Content = append(list.YNode().Content, yn.Map(
		"maxSkew", yn.Int(f.MaxSkew),
		"topologyKey", yaml.NewStringRNode(f.TopologyKey),
		"whenUnsatisfiable", yaml.NewStringRNode(f.WhenUnsatisfiable),
		"labelSelector", sel,
		"matchLabelKeys", keys).YNode())
	return []results.Finding{{Rule: "topology spread", Severity: results.Info, Field: spreadPath,
		Text: results.Change{Done: fmt.Sprintf("topology spread: added maxSkew %d on %s (%s)", f.MaxSkew, f.TopologyKey, f.WhenUnsatisfiable),
			Required: fmt.Sprintf("`%s` must spread the workload's own pods over %s", spreadPath, f.TopologyKey)}}}
}
