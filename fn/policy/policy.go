// Package policy runs the placement policy over a set of items: it finds
// the targets, applies each rule in Enforce mode or checks it in Audit
// mode, proves the placement on the Node inventory, and turns what the
// rules report into results.
package policy

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"

	"github.com/csi-placement/csi-placement/fn/affinity"
	"github.com/csi-placement/csi-placement/fn/config"
	"github.com/csi-placement/csi-placement/fn/detect"
	"github.com/csi-placement/csi-placement/fn/ha"
	"github.com/csi-placement/csi-placement/fn/krmio"
	"github.com/csi-placement/csi-placement/fn/nodeplugin"
	"github.com/csi-placement/csi-placement/fn/pdb"
	"github.com/csi-placement/csi-placement/fn/replicas"
	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/schedule"
	"github.com/csi-placement/csi-placement/fn/sidecars"
	"github.com/csi-placement/csi-placement/fn/toleration"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

// rule is one job of the policy, applied to one workload.
type rule interface {
	Apply(w *workload.Workload) []results.Finding
}

// Report is what a run found.
type Report struct {
	Results []results.Result
	// Proofs are the placements proved on the Node inventory, one per
	// target, when the input (or --nodes) has Node objects.
	Proofs []Proof
}

// Proof is a target's placement on the inventory, and its node plugin's.
type Proof struct {
	schedule.Proof
	NodePlugin *nodeplugin.Match
	// Plugin are the node plugin's verdicts on the same nodes, when the
	// controller reaches the driver through its socket.
	Plugin []schedule.Verdict
}

// Run applies p to items, editing targeted items in place (Enforce) and
// marking them changed. nodes are Node objects given beside the items
// (standalone --nodes); the items' own Node objects count too. Its error
// is for input it cannot read; everything about the policy is in the
// results.
func Run(items []*krmio.Item, p *config.Policy, nodes []*corev1.Node) (Report, error) {
	var rep Report
	s := p.Spec
	inItems, unmarked, err := schedule.Inventory(items)
	if err != nil {
		return rep, err
	}
	for _, u := range unmarked {
		rep.Results = append(rep.Results, results.Result{Severity: results.Warning, Message: fmt.Sprintf(
			"%s is not annotated %s: \"true\", so kustomize and kpt will output it as a resource to apply; annotate each Node (`kubectl annotate --local -f nodes.yaml %s=true -o yaml`), as kustomize drops the annotations of a List it expands",
			u, detect.LocalConfig, detect.LocalConfig)})
	}
	nodes = append(append([]*corev1.Node(nil), nodes...), inItems...)
	inv, err := replicas.NewInventory(nodes, s.NodeAffinity.ControlPlaneLabels, items)
	if err != nil {
		return rep, err
	}
	for _, f := range replicas.Check(s, inv) {
		rep.Results = append(rep.Results, result(f, nil))
	}
	if results.HasErrors(rep.Results) {
		return rep, nil
	}
	want, setReplicas, err := replicas.Desired(s, inv)
	if err != nil {
		rep.Results = append(rep.Results, results.Result{Severity: results.Error, Message: err.Error(), Field: &results.Field{Path: "spec.replicas"}})
		return rep, nil
	}

	targets, err := detect.Select(items, s.Targets)
	if err != nil {
		return rep, err
	}
	if len(targets) == 0 {
		msg := detect.Describe(s.Targets)
		switch s.OnNoMatch {
		case config.Error:
			rep.Results = append(rep.Results, results.Result{Severity: results.Error, Message: msg + " (set `spec.onNoMatch` to Warning or Ignore to allow this)"})
		case config.Warning:
			rep.Results = append(rep.Results, results.Result{Severity: results.Warning, Message: msg})
		}
		return rep, nil
	}
	others, err := read(items)
	if err != nil {
		return rep, err
	}
	audit := s.Mode == config.Audit
	rules := rulesFor(s, want, setReplicas, others.pdbs, audit)
	cp, cpKnown := replicas.Count(s, inv)
	fixed := map[*workload.Workload]bool{} // node plugins already given tolerations
	plugins := map[*krmio.Item]*workload.Workload{}
	for _, w := range targets {
		target := w
		if audit {
			target = workload.New(w.Item, yn.Copy(w.Obj))
		}
		var fs []results.Finding
		for _, r := range rules {
			fs = append(fs, r.Apply(target)...)
		}

		// The node plugin matters to the check when the controller shares a
		// socket with it, and to the fix and to explain in any case; when
		// only the check needs it, only DaemonSets naming a socket are read.
		var plugin nodeplugin.Match
		var hasPlugin bool
		if sockets := nodeplugin.Sockets(w); len(sockets) > 0 || *s.NodePlugin.TolerateControlPlane || len(nodes) > 0 {
			if *s.NodePlugin.TolerateControlPlane || len(nodes) > 0 {
				sockets = nil
			}
			candidates, err := daemonSetsIn(w.Namespace, sockets, others.daemonSets, plugins)
			if err != nil {
				return rep, err
			}
			plugin, hasPlugin = nodeplugin.Find(w, candidates, others.drivers)
		}
		if hasPlugin && *s.NodePlugin.TolerateControlPlane && !fixed[plugin.DaemonSet] {
			fixed[plugin.DaemonSet] = true
			ds := plugin.DaemonSet
			if audit {
				plugin.DaemonSet = workload.New(ds.Item, yn.Copy(ds.Obj))
			}
			if dsFindings := (toleration.Add{Want: toleration.ControlPlane}).Apply(plugin.DaemonSet); len(dsFindings) > 0 {
				rep.Results = append(rep.Results, report(ds, dsFindings, s.Mode)...)
			}
		}

		if len(nodes) > 0 {
			proof, pfs := schedule.Prove(target, nodes)
			fs = append(fs, pfs...)
			pr := Proof{Proof: proof}
			if hasPlugin {
				pr.NodePlugin = &plugin
				if plugin.Socket != "" {
					if pr.Plugin, err = nodeplugin.Verdicts(plugin, nodes); err != nil {
						return rep, err
					}
					fs = append(fs, nodeplugin.Check(plugin, proof.Verdicts, pr.Plugin)...)
				}
			}
			rep.Proofs = append(rep.Proofs, pr)
		} else {
			if cpKnown {
				fs = append(fs, replicas.Pending(s, target, cp)...)
			}
			if hasPlugin {
				fs = append(fs, nodeplugin.Check(plugin, nil, nil)...)
			}
		}
		rep.Results = append(rep.Results, report(w, fs, s.Mode)...)
	}
	return rep, nil
}

// rulesFor lists the rules the spec asks for, in the order they apply:
// placement first, then the replica count, then what depends on it.
func rulesFor(s config.Spec, want int, setReplicas bool, pdbs []*yaml.Node, audit bool) []rule {
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
	if s.PriorityClassName != "" {
		rules = append(rules, ha.Priority{Name: s.PriorityClassName})
	}
	if ts := s.TopologySpread; ts != nil {
		rules = append(rules, ha.Spread{TopologyKey: ts.TopologyKey, MaxSkew: *ts.MaxSkew, WhenUnsatisfiable: ts.WhenUnsatisfiable})
	}
	rules = append(rules, sidecars.LeaderElection{Mode: s.Sidecars.LeaderElection, Audit: audit})
	if b := s.PodDisruptionBudget; b != nil {
		budget := pdb.Budget{Spec: *b, Existing: pdbs}
		if !audit {
			budget.Add = func(w *workload.Workload, obj *yaml.Node) error {
				_, err := w.Item.InsertAfter(obj)
				return err
			}
		}
		rules = append(rules, budget)
	}
	return rules
}

// others are the items, besides targets and Nodes, that rules look at:
// DaemonSets (node plugins, decoded when needed), the drivers' names, and
// PodDisruptionBudgets.
type others struct {
	daemonSets []*krmio.Item
	drivers    []string
	pdbs       []*yaml.Node
}

// daemonSetsIn decodes the DaemonSets that may be in namespace ns (whose
// text names it; all of them for "") and, when sockets are given, name one
// of them. A node plugin shares its controller's namespace, and most
// DaemonSets of a large input are not node plugins, so most are never
// decoded. cache keeps one workload per item, so that edits are shared.
func daemonSetsIn(ns string, sockets []string, items []*krmio.Item, cache map[*krmio.Item]*workload.Workload) ([]*workload.Workload, error) {
	var out []*workload.Workload
	for _, it := range items {
		if !names(it.Raw(), ns) || len(sockets) > 0 && !slices.ContainsFunc(sockets, func(p string) bool { return bytes.Contains(it.Raw(), []byte(p)) }) {
			continue
		}
		w := cache[it]
		if w == nil {
			obj, err := it.Node()
			if err != nil {
				return nil, err
			}
			w = workload.New(it, obj)
			cache[it] = w
		}
		if w.Namespace == ns {
			out = append(out, w)
		}
	}
	return out, nil
}

// names reports whether raw holds ns as a whole word.
func names(raw []byte, ns string) bool {
	if ns == "" {
		return true
	}
	word := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' }
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte(ns))
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(ns)
		if (start == 0 || !word(raw[start-1])) && (end == len(raw) || !word(raw[end])) {
			return true
		}
		i = start + 1
	}
}

// read decodes the CSIDrivers and PodDisruptionBudgets, and lists the
// DaemonSets without decoding them.
func read(items []*krmio.Item) (others, error) {
	var o others
	for _, it := range items {
		group, _, _ := strings.Cut(it.APIVersion(), "/")
		var keep bool
		switch it.Kind() {
		case "DaemonSet":
			keep = group == "apps" || group == "extensions"
		case "CSIDriver":
			keep = group == "storage.k8s.io"
		case "PodDisruptionBudget":
			keep = group == "policy"
		}
		if !keep {
			continue
		}
		if it.Kind() == "DaemonSet" {
			o.daemonSets = append(o.daemonSets, it)
			continue
		}
		obj, err := it.Node()
		if err != nil {
			return o, err
		}
		switch it.Kind() {
		case "CSIDriver":
			o.drivers = append(o.drivers, yn.String(yn.Lookup(obj, "metadata", "name")))
		case "PodDisruptionBudget":
			o.pdbs = append(o.pdbs, obj)
		}
	}
	return o, nil
}

// report turns one workload's findings into results: in Enforce mode one
// info result saying what changed, in Audit mode one error per rule.
func report(w *workload.Workload, fs []results.Finding, mode string) []results.Result {
	var out []results.Result
	var changes []string
	byRule := map[string]int{} // rule -> index in out
	for _, f := range fs {
		if f.Severity != results.Info || f.Note {
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
		if f.Field == "" {
			f.Field = "spec"
		}
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
		out = append([]results.Result{result(results.Finding{Severity: results.Info, Message: "follows the policy"}, w)}, out...)
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
