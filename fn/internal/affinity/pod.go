package affinity

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const (
	podRule     = "pod anti-affinity"
	antiAffPath = "spec.template.spec.affinity.podAntiAffinity"
)

// PodAnti spreads a workload's replicas over TopologyKey domains, with a
// term that selects the workload's own pods by its own selector.
type PodAnti struct {
	Type        string // Preferred, Required or None
	Weight      int
	TopologyKey string
}

// Apply edits the workload's pod anti-affinity.
func (f PodAnti) Apply(w *workload.Workload) []results.Finding {
	if f.Type == config.None {
		return nil
	}
	var out []results.Finding
	labels := w.TemplateLabels()
	anti := w.PodField("affinity", "podAntiAffinity")
	var reqMatch bool
	var prefMatch *yaml.RNode
	for i, t := range yn.Elements(yn.Get(anti, required)) {
		if yn.String(t, "topologyKey") != f.TopologyKey {
			continue
		}
		if selectsOwn(t, labels, w.Namespace) {
			reqMatch = true
		} else {
			out = append(out, strayTerm(fmt.Sprintf("%s.%s[%d]", antiAffPath, required, i)))
		}
	}
	for i, t := range yn.Elements(yn.Get(anti, preferred)) {
		pt := yn.Get(t, "podAffinityTerm")
		if yn.String(pt, "topologyKey") != f.TopologyKey {
			continue
		}
		if selectsOwn(pt, labels, w.Namespace) {
			if prefMatch == nil {
				prefMatch = t
			}
		} else {
			out = append(out, strayTerm(fmt.Sprintf("%s.%s[%d].podAffinityTerm", antiAffPath, preferred, i)))
		}
	}
	if reqMatch || f.Type == config.Preferred && prefMatch != nil {
		if f.Type == config.Preferred && !reqMatch {
			if old := yn.String(prefMatch, "weight"); old != fmt.Sprint(f.Weight) {
				yn.SetScalar(prefMatch, "weight", yn.Int(f.Weight), []string{"weight", "podAffinityTerm"})
				out = append(out, results.Finding{Rule: podRule, Severity: results.Info, Field: antiAffPath + "." + preferred,
					Text: results.Change{Done: fmt.Sprintf("pod anti-affinity: weight %s -> %d", old, f.Weight),
						Required: fmt.Sprintf("the preferred anti-affinity on %s must have weight %d", f.TopologyKey, f.Weight)},
					Current: old, Proposed: f.Weight})
			}
		}
		return out
	}

	sel := w.OwnSelector()
	if sel == nil {
		return append(out, results.Finding{Rule: podRule, Severity: results.Error, Field: "spec.selector",
			Text: results.Text("pod anti-affinity: `spec.selector` must be set (or the pod template must have labels) to select the workload's own pods")})
	}
	term := yn.Map("labelSelector", sel, "topologyKey", yaml.NewStringRNode(f.TopologyKey))
	podAnti := yn.Ensure(yn.Ensure(w.PodSpec(), "affinity", yaml.MappingNode, yn.PodSpecOrder), "podAntiAffinity", yaml.MappingNode, yn.AffinityOrder)
	field := antiAffPath + "."
	if f.Type == config.Required {
		list := yn.Ensure(podAnti, required, yaml.SequenceNode, yn.NodeAffinityOrder)
		list.YNode().Content = append(list.YNode().Content, term.YNode())
		field += required
	} else {
		list := yn.Ensure(podAnti, preferred, yaml.SequenceNode, yn.NodeAffinityOrder)
		list.YNode().Content = append(list.YNode().Content, yn.Map("weight", yn.Int(f.Weight), "podAffinityTerm", term).YNode())
		field += preferred
	}
	kind := map[string]string{config.Required: "required", config.Preferred: "preferred"}[f.Type]
	return append(out, results.Finding{Rule: podRule, Severity: results.Info, Field: field,
		Text: results.Change{Done: fmt.Sprintf("pod anti-affinity: added a %s term on %s selecting the workload's own pods", kind, f.TopologyKey),
			Required: fmt.Sprintf("`%s` must have a %s term on %s that selects the workload's own pods", antiAffPath, kind, f.TopologyKey)}})
}

func strayTerm(field string) results.Finding {
	return results.Finding{Rule: podRule, Severity: results.Warning, Field: field,
		Text: results.Text(fmt.Sprintf("pod anti-affinity: the term at `%s` selects none of the workload's own pods, so it does not spread them (a hard-coded selector after a rename, or no labelSelector)", field))}
}
