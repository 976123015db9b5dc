// Package policy runs the placement policy over a set of items: it finds
// the targets, applies each rule in Enforce mode or checks it in Audit
// mode, and turns what the rules report into results.
package policy

import (
	"strings"

	"github.com/csi-placement/csi-placement/fn/affinity"
	"github.com/csi-placement/csi-placement/fn/config"
	"github.com/csi-placement/csi-placement/fn/detect"
	"github.com/csi-placement/csi-placement/fn/krmio"
	"github.com/csi-placement/csi-placement/fn/replicas"
	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/toleration"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

// rule is one job of the policy, applied to one workload.
type rule interface {
	Apply(w *workload.Workload) []results.Finding
}

// Run applies p to items, editing targeted items in place (Enforce) and
// marking them changed. Its error is for input it cannot read; everything
// about the policy is in the results.
func Run(items []*krmio.Item, p *config.Policy) ([]results.Result, error) {
	s := p.Spec
	inv, err := inventory(items, s.NodeAffinity.ControlPlaneLabels)
	if err != nil {
		return nil, err
	}
	var out []results.Result
	global := replicas.Check(s, inv)
	for _, f := range global {
		out = append(out, result(f, nil))
	}
	if results.HasErrors(out) {
		return out, nil
	}
	want, setReplicas, err := replicas.Desired(s, inv)
	if err != nil {
		return append(out, results.Result{Severity: results.Error, Message: err.Error(), Field: &results.Field{Path: "spec.replicas"}}), nil
	}
	rules := []rule{
		affinity.Node{Type: s.NodeAffinity.Type, Existing: s.NodeAffinity.Existing, Labels: s.NodeAffinity.ControlPlaneLabels},
		affinity.PodAnti{Type: s.PodAntiAffinity.Type, Weight: *s.PodAntiAffinity.Weight, TopologyKey: s.PodAntiAffinity.TopologyKey},
	}
	var tols []config.Toleration
	if *s.Tolerations.ControlPlane {
		tols = append(tols, toleration.ControlPlane...)
	}
	if tols = append(tols, s.Tolerations.Extra...); len(tols) > 0 {
		rules = append(rules, toleration.Add{Want: tols})
	}
	if setReplicas {
		rules = append(rules, replicas.Set{Count: want})
	}
	if s.PodAntiAffinity.Type == config.Required {
		rules = append(rules, replicas.Rollout{})
	}

	targets, err := detect.Select(items, s.Targets)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		msg := detect.Describe(s.Targets)
		switch s.OnNoMatch {
		case config.Error:
			out = append(out, results.Result{Severity: results.Error, Message: msg + " (set `spec.onNoMatch` to Warning or Ignore to allow this)"})
		case config.Warning:
			out = append(out, results.Result{Severity: results.Warning, Message: msg})
		}
		return out, nil
	}
	cp, cpKnown := replicas.Count(s, inv)
	for _, w := range targets {
		target := w
		if s.Mode == config.Audit {
			target = workload.New(w.Item, yn.Copy(w.Obj))
		}
		var fs []results.Finding
		for _, r := range rules {
			fs = append(fs, r.Apply(target)...)
		}
		if cpKnown {
			fs = append(fs, replicas.Pending(s, target, cp)...)
		}
		out = append(out, report(w, fs, s.Mode)...)
	}
	return out, nil
}

// report turns one workload's findings into results: in Enforce mode one
// info result saying what changed, in Audit mode one error per rule.
func report(w *workload.Workload, fs []results.Finding, mode string) []results.Result {
	var out []results.Result
	var changes []string
	byRule := map[string]int{} // rule -> index in out
	for _, f := range fs {
		if f.Severity != results.Info {
			out = append(out, result(f, w))
			continue
		}
		if mode == config.Enforce {
			changes = append(changes, f.Message)
			continue
		}
		if i, ok := byRule[f.Rule]; ok {
			r := &out[i]
			r.Message += "; " + f.Violation
			r.Field.CurrentValue, r.Field.ProposedValue = nil, nil
			continue
		}
		f.Severity, f.Message = results.Error, f.Violation
		out = append(out, result(f, w))
		byRule[f.Rule] = len(out) - 1
	}
	switch {
	case len(changes) > 0:
		w.Item.MarkChanged()
		out = append([]results.Result{result(results.Finding{Severity: results.Info, Message: strings.Join(changes, "; ")}, w)}, out...)
	case mode == config.Enforce && !results.HasErrors(out):
		out = append([]results.Result{result(results.Finding{Severity: results.Info, Message: "already follows the policy; nothing changed"}, w)}, out...)
	case mode == config.Audit && len(byRule) == 0 && !results.HasErrors(out):
		out = append(out, result(results.Finding{Severity: results.Info, Message: "follows the policy"}, w))
	}
	return out
}

func result(f results.Finding, w *workload.Workload) results.Result {
	r := results.Result{Message: f.Message, Severity: f.Severity}
	if f.Field != "" {
		r.Field = &results.Field{Path: f.Field, CurrentValue: f.Current, ProposedValue: f.Proposed}
	}
	if w != nil {
		r.ResourceRef = &results.ResourceRef{APIVersion: w.APIVersion, Kind: w.Kind, Name: w.Name, Namespace: w.Namespace}
		if path, index, ok := w.File(); ok {
			r.File = &results.File{Path: path, Index: index}
		}
	}
	return r
}

// inventory counts the Node objects in the input and the control-plane ones
// among them. Only Node items are decoded.
func inventory(items []*krmio.Item, labels []string) (replicas.Inventory, error) {
	var inv replicas.Inventory
	for _, it := range items {
		if it.Kind() != "Node" || it.APIVersion() != "v1" {
			continue
		}
		obj, err := it.Node()
		if err != nil {
			return inv, err
		}
		inv.Nodes++
		nl := yn.StringMap(yn.Lookup(obj, "metadata", "labels"))
		for _, l := range labels {
			if _, ok := nl[l]; ok {
				inv.ControlPlane++
				break
			}
		}
	}
	return inv, nil
}
