// Package pdb gives a controller a PodDisruptionBudget, so that a node
// drain evicts its replicas one at a time rather than all at once.
package pdb

import (
	"fmt"
	"k8s.io/apimachinery/pkg/util/intstr"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/api"
	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const rule = "pod disruption budget"

// pathAnnotations put a new resource in its workload's file, for kpt.
var pathAnnotations = []string{"internal.config.kubernetes.io/path", "config.kubernetes.io/path"}

// Budget adds a policy/v1 PodDisruptionBudget for a workload unless one in
// its namespace already selects its pods.
type Budget struct {
	Spec config.PodDisruptionBudget
	// Existing are the PodDisruptionBudgets of the input.
	Existing []*yaml.RNode
	// Add puts the new PodDisruptionBudget into the output after the
	// workload; nil in Audit mode.
	Add func(w *workload.Workload, obj *yaml.RNode) error
}

// Apply checks that the budget can let a drain through, and adds it.
func (f Budget) Apply(w *workload.Workload) []results.Finding {
	replicas, _, err := w.Replicas()
	if err != nil {
		return nil // the replicas rule reports it
	}
	if allowed := disruptionsAllowed(f.Spec, replicas); replicas > 0 && allowed < 1 {
		return []results.Finding{{Rule: rule, Severity: results.Error, Field: "spec.podDisruptionBudget",
			Text: results.Text(fmt.Sprintf("pod disruption budget: %s with %d replicas allows no pod to be evicted, so it would block every node drain; use maxUnavailable: 1", describe(f.Spec), replicas))}}
	}
	labels := w.TemplateLabels()
	for _, p := range f.Existing {
		if p.GetNamespace() != w.Namespace {
			continue
		}
		if api.Selects(yn.Get(p, "spec", "selector"), labels) {
			return nil
		}
	}
	sel := w.OwnSelector()
	if sel == nil {
		return []results.Finding{{Rule: rule, Severity: results.Error, Field: "spec.selector",
			Text: results.Text("pod disruption budget: `spec.selector` must be set (or the pod template must have labels) to select the workload's own pods")}}
	}
	name := w.Name
	if f.Add != nil {
		if err := f.Add(w, f.object(w, sel)); err != nil {
			return []results.Finding{{Rule: rule, Severity: results.Error, Text: results.Text("pod disruption budget: " + err.Error())}}
		}
	}
	return []results.Finding{{Rule: rule, Severity: results.Info,
		Text: results.Change{Done: fmt.Sprintf("pod disruption budget: added PodDisruptionBudget %s (%s)", name, describe(f.Spec)),
			Required: fmt.Sprintf("a PodDisruptionBudget must select the workload's pods (%s)", describe(f.Spec))}}}
}

// object is the new PodDisruptionBudget, named after the workload, in its
// namespace and file.
func (f Budget) object(w *workload.Workload, sel *yaml.RNode) *yaml.RNode {
	var ns *yaml.RNode
	if w.Namespace != "" {
		ns = yaml.NewStringRNode(w.Namespace)
	}
	ann := w.GetAnnotations()
	var annotations []any
	for _, k := range pathAnnotations {
		if v, ok := ann[k]; ok {
			annotations = append(annotations, k, yaml.NewStringRNode(v))
		}
	}
	var anns *yaml.RNode
	if len(annotations) > 0 {
		anns = yn.Map(annotations...)
	}
	meta := yn.Map("name", yaml.NewStringRNode(w.Name), "namespace", ns, "annotations", anns)
	var minAvailable, maxUnavailable *yaml.RNode
	if v := f.Spec.MinAvailable; v != nil {
		minAvailable = value(*v)
	}
	if v := f.Spec.MaxUnavailable; v != nil {
		maxUnavailable = value(*v)
	}
	spec := yn.Map("minAvailable", minAvailable, "selector", sel, "maxUnavailable", maxUnavailable)
	return yn.Map("apiVersion", yaml.NewStringRNode("policy/v1"), "kind", yaml.NewStringRNode("PodDisruptionBudget"), "metadata", meta, "spec", spec)
}

func value(v intstr.IntOrString) *yaml.RNode {
	if v.Type == intstr.String {
		return yaml.NewStringRNode(v.StrVal)
	}
	return yn.Int(v.IntValue())
}

// disruptionsAllowed is how many pods a drain may evict when all replicas
// are healthy, rounding percentages up as the disruption controller does.
func disruptionsAllowed(s config.PodDisruptionBudget, replicas int) int {
	scaled := func(v *intstr.IntOrString) int {
		n, _ := intstr.GetScaledValueFromIntOrPercent(v, replicas, true)
		return n
	}
	if s.MaxUnavailable != nil {
		return min(scaled(s.MaxUnavailable), replicas)
	}
	return replicas - scaled(s.MinAvailable)
}

func describe(s config.PodDisruptionBudget) string {
	if s.MaxUnavailable != nil {
		return "maxUnavailable " + s.MaxUnavailable.String()
	}
	return "minAvailable " + s.MinAvailable.String()
}
