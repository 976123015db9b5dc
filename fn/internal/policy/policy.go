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

	"github.com/kptdev/krm-functions-sdk/go/fn"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/affinity"
	"github.com/csi-placement/csi-placement/fn/internal/api"
	"github.com/csi-placement/csi-placement/fn/internal/budget"
	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/detect"
	"github.com/csi-placement/csi-placement/fn/internal/ha"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	"github.com/csi-placement/csi-placement/fn/internal/nodeplugin"
	"github.com/csi-placement/csi-placement/fn/internal/parallel"
	"github.com/csi-placement/csi-placement/fn/internal/pdb"
	"github.com/csi-placement/csi-placement/fn/internal/replicas"
	"github.com/csi-placement/csi-placement/fn/internal/resources"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/schedule"
	"github.com/csi-placement/csi-placement/fn/internal/sidecars"
	"github.com/csi-placement/csi-placement/fn/internal/toleration"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// rule is one job of the policy, applied to one workload.
type rule interface {
	Apply(w *workload.Workload) []results.Finding
}

// Report is what a run found.
type Report struct {
	Results fn.Results
	// Proofs are the placements proved on the Node inventory, one per
	// target, when the input (or --nodes) has Node objects.
	Proofs []Proof
	// Budget is what the proofs place on each control-plane node.
	Budget []budget.Node
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
// results. It runs in phases: read what the input says about the cluster,
// select the targets, apply the rules to them, prove their placement and
// rollout, and report.
func Run(items []*krmio.Item, p *config.Policy, nodes []*corev1.Node) (Report, error) {
	items, err := withMembers(items)
	if err != nil {
		return Report{}, err
	}
	r := &run{s: p.Spec, items: items, audit: p.Spec.Mode == config.Audit}
	for _, phase := range []func() (bool, error){
		func() (bool, error) { return r.read(nodes) },
		r.selectTargets,
		r.apply,
		r.prove,
	} {
		if more, err := phase(); err != nil || !more {
			return r.rep, err
		}
	}
	r.report()
	return r.rep, nil
}

// withMembers puts the resources of each v1 List (`kubectl get -o yaml`)
// right after it, so that a workload inside a List is found and edited in
// it, as kustomize and kyaml read a List. Nodes stay in their List: the
// inventory reads them there.
func withMembers(items []*krmio.Item) ([]*krmio.Item, error) {
	if !slices.ContainsFunc(items, (*krmio.Item).IsList) {
		return items, nil
	}
	out := make([]*krmio.Item, 0, len(items))
	for _, it := range items {
		out = append(out, it)
		ms, err := it.Members()
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if !m.IsNode() {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// run is the state the phases hand on.
type run struct {
	s     config.Spec
	items []*krmio.Item
	audit bool
	rep   Report

	// read
	nodes       []*corev1.Node
	inv         replicas.Inventory
	want        int
	setReplicas bool
	// cpTols are the control-plane tolerations: the built-in set, or with
	// spec.tolerations.fromInventory the inventory's control-plane taints.
	cpTols []config.Toleration
	// select
	targets []*workload.Workload
	others  others
	// apply
	jobs    []*job
	plugins map[*krmio.Item]*workload.Workload // DaemonSets decoded, one workload per item
	// tolerated are the node plugins the policy lets run on the control
	// plane, as the policy leaves them.
	tolerated []*workload.Workload
	// prove
	budget []budget.Finding
}

// job is one target through the phases.
type job struct {
	w      *workload.Workload
	target *workload.Workload // w, or in Audit mode a copy the rules edit
	// t is the target as the simulation reads it, after the rules, while
	// it is proved; tErr says why it could not be read.
	t      schedule.Target
	tErr   error
	fs     []results.Finding
	plugin *nodeplugin.Match
	pre    fn.Results // about the node plugin, reported first
	proof  int        // its index in the report's Proofs, or -1
	skip   bool       // a field the rules edit has the wrong kind: not edited, not proved
	// cpu and memory are what one of its pods requests, for the budget.
	cpu, memory resource.Quantity
}

// read gathers what the input says about the cluster: its Node objects
// (warning about those kustomize and kpt would output), the control-plane
// size, and so the replica count. It stops on an inventory the policy
// cannot work with.
func (r *run) read(nodes []*corev1.Node) (bool, error) {
	s := &r.s
	inItems, unmarked, err := schedule.Inventory(r.items)
	if err != nil {
		return false, err
	}
	for _, u := range unmarked {
		r.rep.Results = append(r.rep.Results, &fn.Result{Severity: results.Warning, Message: fmt.Sprintf(
			"%s is not annotated %s: \"true\", so kustomize and kpt will output it as a resource to apply; annotate each Node (`kubectl annotate --local -f nodes.yaml %s=true -o yaml`), as kustomize drops the annotations of a List it expands",
			u, detect.LocalConfig, detect.LocalConfig)})
	}
	r.nodes = append(append([]*corev1.Node(nil), nodes...), inItems...)
	if master := masterOnly(s.NodeAffinity.ControlPlaneLabels, r.nodes); len(master) > 0 && s.NodePool.Preset == config.ControlPlane {
		s.NodeAffinity.ControlPlaneLabels = append(slices.Clone(s.NodeAffinity.ControlPlaneLabels), config.MasterLabel)
		r.rep.Results = append(r.rep.Results, &fn.Result{Severity: results.Info, Message: fmt.Sprintf(
			"the inventory's control-plane nodes %s carry only the old %s label, so the policy selects it too (the API server will warn that it is deprecated)",
			strings.Join(master, ", "), config.MasterLabel)})
	}
	// A cluster object counts control-plane machines: not another pool's.
	if r.inv, err = replicas.NewInventory(r.nodes, s.NodeAffinity.ControlPlaneLabels, r.items, s.Pool().ControlPlane); err != nil {
		return false, err
	}
	for _, f := range replicas.Check(*s, r.inv) {
		r.rep.Results = append(r.rep.Results, result(f, nil, false))
	}
	r.cpTols = toleration.ControlPlane
	if pool := s.Pool(); !pool.ControlPlane {
		r.cpTols = pool.Tolerations
	}
	if *s.Tolerations.FromInventory {
		r.cpTols = r.inventoryTolerations()
	}
	if r.rep.Results.ExitCode() != 0 {
		return false, nil
	}
	if r.want, r.setReplicas, err = replicas.Desired(*s, r.inv); err != nil {
		r.rep.Results = append(r.rep.Results, &fn.Result{Severity: results.Error, Message: err.Error(), Field: &fn.Field{Path: "spec.replicas"}})
		return false, nil
	}
	return true, nil
}

// inventoryTolerations are the tolerations of the taints on the
// inventory's control-plane nodes (spec.tolerations.fromInventory); without
// Node objects it reports an error, and without a control-plane node among
// them a warning where no other result says so.
func (r *run) inventoryTolerations() []config.Toleration {
	const at = "spec.tolerations.fromInventory"
	if len(r.nodes) == 0 {
		r.rep.Results = append(r.rep.Results, &fn.Result{Severity: results.Error, Field: &fn.Field{Path: at}, Message: fmt.Sprintf(
			"`%s` is true, so the input must have Node objects to read the control-plane taints from, and it has none: add the cluster's Node objects annotated %s: \"true\" (`kubectl get nodes -o yaml | kubectl annotate --local -f - %s=true -o yaml > nodes.yaml`), or pass them with `--nodes FILE`; or leave `%s` out (ConfigMap: tolerations-from-inventory) for the built-in control-plane tolerations",
			at, detect.LocalConfig, detect.LocalConfig, at)})
		return nil
	}
	cps := replicas.ControlPlaneNodes(r.nodes, r.s.NodeAffinity.ControlPlaneLabels)
	if len(cps) == 0 && r.s.NodeAffinity.Type != config.Required {
		r.rep.Results = append(r.rep.Results, &fn.Result{Severity: results.Warning, Field: &fn.Field{Path: at}, Message: fmt.Sprintf(
			"`%s` is true, but no Node object in the input (%d) has %s label (%s), so no taint is tolerated",
			at, len(r.nodes), results.A(r.s.Pool().Name), strings.Join(r.s.NodeAffinity.ControlPlaneLabels, ", "))})
	}
	return toleration.FromTaints(cps)
}

// selectTargets finds the targets (reporting when there are none, as
// spec.onNoMatch says) and reads the other items the rules look at.
func (r *run) selectTargets() (bool, error) {
	var err error
	if r.targets, err = detect.Select(r.items, r.s.Targets); err != nil {
		return false, err
	}
	if len(r.targets) == 0 {
		msg := detect.Describe(r.s.Targets)
		if op := detect.Operator(r.items); op != "" {
			msg += "; " + op
		}
		switch r.s.OnNoMatch {
		case config.Error:
			r.rep.Results = append(r.rep.Results, &fn.Result{Severity: results.Error, Message: msg + " (set `spec.onNoMatch` to Warning or Ignore to allow this)"})
		case config.Warning:
			r.rep.Results = append(r.rep.Results, &fn.Result{Severity: results.Warning, Message: msg})
		}
		return false, nil
	}
	r.others, err = readOthers(r.items)
	return err == nil, err
}

// apply runs every rule on every target (on a copy in Audit mode), and
// finds and fixes the node plugins.
func (r *run) apply() (bool, error) {
	s := r.s
	leases, err := sidecars.Leases(r.others.rbac)
	if err != nil {
		return false, err
	}
	before := map[*krmio.Item]int{}
	for _, w := range r.targets {
		if n, _, err := w.Replicas(); err == nil {
			before[w.Item] = n
		}
	}
	le := sidecars.LeaderElection{Mode: s.Sidecars.LeaderElection, Audit: r.audit, Before: before, Leases: leases}
	own, shared := rulesFor(s, r.cpTols, r.want, replicas.Why(s, r.inv), r.setReplicas, r.others.pdbs, le, r.audit)
	r.jobs = make([]*job, len(r.targets))
	for i, w := range r.targets {
		r.jobs[i] = &job{w: w, target: w, proof: -1}
		if r.audit {
			r.jobs[i].target = w.Clone()
		}
	}
	// A target's own rules edit only its item, so targets are done on every
	// core: on a large input with many targets they are much of the run.
	parallel.Each(len(r.jobs), parallelAbove, func(i int) {
		j := r.jobs[i]
		if fs := append(prepare(j.target.YNode(), workloadShapes), ownPods(j.target)...); len(fs) > 0 {
			j.fs, j.skip = fs, true
			return
		}
		for _, rl := range own {
			j.fs = append(j.fs, rl.Apply(j.target)...)
		}
	})
	fixed := map[*krmio.Item]bool{} // node plugins already given tolerations
	r.plugins = map[*krmio.Item]*workload.Workload{}
	for _, j := range r.jobs {
		if j.skip {
			continue
		}
		for _, rl := range shared {
			j.fs = append(j.fs, rl.Apply(j.target)...)
		}
		if err := r.nodePlugin(j, fixed); err != nil {
			return false, err
		}
	}
	return true, nil
}

// parallelAbove is the number of targets from which the rules and the
// proofs without an inventory run on every core (a target takes tens of
// microseconds; below it the goroutines cost more than they save).
const parallelAbove = 16

// nodePlugin finds a job's node plugin, and gives it the control-plane
// tolerations when the policy says so. The node plugin matters to the
// check when the controller needs a socket on the host, and to the fix and
// to the proof in any case; when only the check needs it, only DaemonSets
// naming the socket's folder are read.
func (r *run) nodePlugin(j *job, fixed map[*krmio.Item]bool) error {
	always := r.s.NodePlugin.TolerateControlPlane != nil && *r.s.NodePlugin.TolerateControlPlane
	needs := nodeplugin.Needs(j.target)
	if len(needs) == 0 && !always && len(r.nodes) == 0 {
		return nil
	}
	if always || len(r.nodes) > 0 {
		needs = nil
	}
	candidates, err := daemonSetsIn(j.w.Namespace, needs, r.others.daemonSets, r.plugins)
	if err != nil {
		return err
	}
	plugin, ok := nodeplugin.Find(j.target, candidates, r.others.drivers)
	if !ok {
		return nil
	}
	j.plugin = &plugin
	// Unset, the node plugin is given the tolerations when the controller
	// needs its socket: the controller pods the policy moves onto the
	// control plane find no driver there otherwise.
	tolerate := always || (r.s.NodePlugin.TolerateControlPlane == nil && plugin.Socket != "")
	// A DaemonSet without a pod template runs nothing: it is not given one.
	if tolerate && plugin.DaemonSet.PodField() != nil && !fixed[plugin.DaemonSet.Item] {
		fixed[plugin.DaemonSet.Item] = true
		ds := plugin.DaemonSet
		defer func() { r.tolerated = append(r.tolerated, plugin.DaemonSet) }()
		if r.audit {
			// The proof places the node plugin as the policy would leave
			// it, as it does the target.
			plugin.DaemonSet = ds.Clone()
			r.plugins[ds.Item] = plugin.DaemonSet
		}
		if fs := prepare(plugin.DaemonSet.YNode(), nodePluginShapes); len(fs) > 0 {
			j.pre = report(ds, fs, r.s.Mode)
			return nil
		}
		if fs := (toleration.Add{Want: r.cpTols}).Apply(plugin.DaemonSet); len(fs) > 0 {
			why := " for " + j.w.String() + ", its controller"
			if plugin.Socket != "" {
				why = " for " + j.w.String() + ", whose pods reach their driver through its socket " + plugin.Socket
			}
			for i := range fs {
				fs[i].Text = suffixed{fs[i].Text, why}
			}
			j.pre = report(ds, fs, r.s.Mode)
		}
	}
	return nil
}

// suffixed is a description with words added in both modes.
type suffixed struct {
	results.Description
	suffix string
}

func (d suffixed) Describe(audit bool) string { return d.Description.Describe(audit) + d.suffix }

// prove places the input's pods on the inventory, DaemonSets first (the
// node plugins as the policy left them), then every other Deployment and
// StatefulSet, then the targets in order; without an inventory, each
// target alone on a control plane of as many nodes as it has replicas, or
// as the control plane has. Then it judges each target's rollout.
func (r *run) prove() (bool, error) {
	s := r.s
	cp, cpKnown := replicas.Count(s, r.inv)
	var cluster *schedule.Cluster
	var dsVerdicts map[*krmio.Item][]schedule.Verdict
	if len(r.nodes) > 0 {
		var err error
		if cluster, dsVerdicts, err = newCluster(r.nodes, r.items, r.targets, r.others, r.plugins); err != nil {
			return false, err
		}
	}
	one := func(i int) {
		j := r.jobs[i]
		if j.skip {
			return
		}
		// Read once what the proof, the portability check and the rollout
		// need, as the rules left it; one target's at a time (on each
		// core), as a large input's templates together weigh more than its
		// text.
		var tmpl corev1.PodTemplateSpec
		if tmpl, j.tErr = schedule.ReadTemplate(j.target); j.tErr == nil {
			if cluster != nil {
				j.cpu, j.memory = api.Requests(&tmpl.Spec)
			}
			j.t, j.tErr = schedule.TargetOf(j.target, tmpl)
			if len(r.nodes) == 0 {
				j.fs = append(j.fs, portable(s, j.w, &tmpl.Spec, results.Warning)...)
			}
		}
		r.proveOne(j, cluster, dsVerdicts, cp, cpKnown)
		j.t = schedule.Target{}
	}
	if cluster != nil {
		// On an inventory each target is placed beside those before it.
		for i := range r.jobs {
			one(i)
		}
		r.sumBudget(dsVerdicts)
		return true, nil
	}
	// Without one, each target is proved alone on a control plane of its own.
	parallel.Each(len(r.jobs), parallelAbove, one)
	return true, nil
}

// proveOne proves one job's placement on cluster (nil without an
// inventory), and judges its rollout.
func (r *run) proveOne(j *job, cluster *schedule.Cluster, dsVerdicts map[*krmio.Item][]schedule.Verdict, cp int, cpKnown bool) {
	s := r.s
	var pl schedule.Placement
	var ro schedule.Rollout
	c := cluster
	if c != nil {
		proof := schedule.Proof{Workload: j.target.String(), Kind: j.target.Kind, Namespace: j.target.Namespace, Name: j.target.Name}
		if j.tErr != nil {
			j.fs = append(j.fs, schedule.Unreadable(j.tErr))
		} else {
			var pfs []results.Finding
			proof, pfs = schedule.Prove(j.target, j.t, c)
			j.fs = append(j.fs, pfs...)
		}
		if len(schedule.Eligible(proof.Verdicts)) == 0 {
			j.fs = append(j.fs, portable(s, j.w, &j.t.Template.Spec, results.Error)...)
		}
		pl, ro = proof.Placement, proof.Rollout
		pr := Proof{Proof: proof, NodePlugin: j.plugin}
		if j.plugin != nil && j.plugin.Socket != "" {
			pr.Plugin = dsVerdicts[j.plugin.DaemonSet.Item]
			j.fs = append(j.fs, nodeplugin.Check(*j.plugin, proof.Verdicts, pr.Plugin)...)
		}
		j.proof = len(r.rep.Proofs)
		r.rep.Proofs = append(r.rep.Proofs, pr)
	} else {
		if cpKnown {
			j.fs = append(j.fs, replicas.Pending(s, j.target, cp)...)
		}
		if j.plugin != nil {
			j.fs = append(j.fs, nodeplugin.Check(*j.plugin, nil, nil)...)
		}
		if j.tErr != nil {
			j.fs = append(j.fs, results.Finding{Rule: "rollout", Severity: results.Error, Field: "spec", Text: results.Text("rollout: " + j.tErr.Error())})
			return
		}
		if f, ok := schedule.NoPods(j.target); ok {
			j.fs = append(j.fs, f) // no pod to place or roll out
			return
		}
		n := j.t.Replicas
		if cpKnown && cp > 0 {
			n = cp
		}
		c = schedule.SyntheticCluster(n, schedule.TopologyKeys(&j.t.Template.Spec))
		pl, ro = schedule.Simulate(c, j.t)
	}
	j.fs = append(j.fs, r.judgeRollout(j, c, pl, ro)...)
}

// sumBudget adds up on each control-plane node what the proofs place
// there: the targets' replicas and the pods of the node plugins the policy
// lets run there, and judges the sums.
func (r *run) sumBudget(dsVerdicts map[*krmio.Item][]schedule.Verdict) {
	var pods []budget.Pods
	for _, j := range r.jobs {
		if j.proof >= 0 && j.tErr == nil {
			pods = append(pods, budget.Pods{Workload: j.target.String(), CPU: j.cpu, Memory: j.memory, Nodes: r.rep.Proofs[j.proof].Placement.Nodes})
		}
	}
	for _, ds := range r.tolerated {
		tmpl, err := schedule.ReadTemplate(ds)
		if err != nil {
			continue // the proof reports it
		}
		p := budget.Pods{Workload: ds.String()}
		p.CPU, p.Memory = api.Requests(&tmpl.Spec)
		for _, v := range dsVerdicts[ds.Item] {
			if v.OK {
				p.Nodes = append(p.Nodes, v.Node)
			}
		}
		pods = append(pods, p)
	}
	labels := r.s.NodeAffinity.ControlPlaneLabels
	isCP := func(n *corev1.Node) bool {
		return slices.ContainsFunc(labels, func(l string) bool { _, ok := n.Labels[l]; return ok })
	}
	r.rep.Budget = budget.Sum(r.nodes, isCP, pods)
	share, _ := config.Percent(r.s.ControlPlaneBudget.MaxShare)
	r.budget = budget.Check(r.rep.Budget, share)
}

// report turns each job's findings into results, its node plugin's first,
// then the budget's, a result per node.
func (r *run) report() {
	for _, j := range r.jobs {
		r.rep.Results = append(r.rep.Results, j.pre...)
		r.rep.Results = append(r.rep.Results, report(j.w, j.fs, r.s.Mode)...)
	}
	for _, f := range r.budget {
		res := &fn.Result{Severity: f.Severity, Message: f.Message}
		if f.Node != "" {
			res.ResourceRef = &fn.ResourceRef{APIVersion: "v1", Kind: "Node", Name: f.Node}
		}
		r.rep.Results = append(r.rep.Results, res)
	}
}

// portable checks, when the policy merged its required control-plane
// affinity with one the input w had, that the result (spec, the pod spec
// as the rules left it) still reaches every distribution's control plane: a
// warning without an inventory, an error when the inventory has no node
// for it (the proof says so too).
func portable(s config.Spec, w *workload.Workload, spec *corev1.PodSpec, sev results.Severity) []results.Finding {
	if s.NodePool.Preset != config.ControlPlane || s.NodeAffinity.Type != config.Required || s.NodeAffinity.Existing != config.Merge ||
		w.PodField("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution") == nil && w.PodField("nodeSelector") == nil {
		return nil
	}
	return affinity.Unportable(spec, sev)
}

// judgeRollout turns a rollout that cannot finish into a fix (Enforce,
// rollout.strategy Fix), an error (Keep; Audit reports the fix as one), or
// a warning where no strategy would help. The proof is updated to the
// strategy the output has.
func (r *run) judgeRollout(j *job, c *schedule.Cluster, pl schedule.Placement, ro schedule.Rollout) []results.Finding {
	if ro.CanFinish || pl.Pending > 0 || len(pl.Nodes) == 0 {
		return nil // a placement problem, reported as one
	}
	w, t := j.target, j.t
	if !replicas.Stalls(w, ro, pl) {
		if t.Strategy.Type == "OnDelete" {
			return []results.Finding{{Rule: "rollout", Severity: results.Info, Note: true, Text: results.Text("rollout: " + ro.Reason)}}
		}
		return []results.Finding{{Rule: "rollout", Severity: results.Warning, Field: "spec.updateStrategy", Text: results.Text("rollout: " + ro.Reason)}}
	}
	if r.s.Rollout.Strategy == config.Keep {
		return []results.Finding{replicas.KeptRollout(t.Strategy, t.Replicas, ro.Reason)}
	}
	fs := replicas.FixRollout(w, t.Strategy, t.Replicas, ro.Reason)
	if r.audit {
		return fs
	}
	// Only the strategy changed: the template and the count stand.
	st, err := schedule.ReadStrategy(w)
	if err != nil {
		return fs
	}
	after := schedule.SimulateRollout(c, t.Replica(), t.Replicas, pl, st)
	if j.proof >= 0 {
		r.rep.Proofs[j.proof].Rollout = after
	}
	if !after.CanFinish {
		fs = append(fs, results.Finding{Rule: "rollout", Severity: results.Error, Field: rollingPath,
			Text: results.Text("rollout: even one pod at a time the rollout " + after.Reason)})
	}
	return fs
}

const rollingPath = "spec.strategy.rollingUpdate"

// newCluster places the input's DaemonSets and its other Deployments and
// StatefulSets on the inventory, and returns the DaemonSets' verdicts.
func newCluster(nodes []*corev1.Node, items []*krmio.Item, targets []*workload.Workload, o others, decoded map[*krmio.Item]*workload.Workload) (*schedule.Cluster, map[*krmio.Item][]schedule.Verdict, error) {
	c := schedule.NewCluster(nodes)
	c.Namespaces = o.namespaces
	verdicts := map[*krmio.Item][]schedule.Verdict{}
	isTarget := map[*krmio.Item]bool{}
	for _, t := range targets {
		isTarget[t.Item] = true
	}
	get := func(it *krmio.Item) (*workload.Workload, error) {
		if w := decoded[it]; w != nil {
			return w, nil
		}
		obj, err := it.Node()
		if err != nil {
			return nil, err
		}
		w := workload.New(it, obj)
		decoded[it] = w
		return w, nil
	}
	for _, it := range o.daemonSets {
		w, err := get(it)
		if err != nil {
			return nil, nil, err
		}
		var tmpl corev1.PodTemplateSpec
		if err := api.Decode(yn.Get(w.RNode, "spec", "template"), &tmpl); err != nil {
			return nil, nil, fmt.Errorf("%s: reading the pod template: %w", w, err)
		}
		verdicts[it] = schedule.PlaceDaemonSet(c, w.String(), w.Namespace, &tmpl)
	}
	for _, it := range items {
		if isTarget[it] || !detect.IsWorkloadItem(it) {
			continue
		}
		w, err := get(it)
		if err != nil {
			return nil, nil, err
		}
		t, err := schedule.ReadTarget(w)
		if err != nil {
			continue // not ours to judge; the API server will
		}
		schedule.Place(c, t.Replica(), t.Replicas, "old")
	}
	return c, verdicts, nil
}

// masterOnly names the inventory's nodes that carry the master label and
// none of the policy's control-plane labels, when the policy uses the
// default labels (a list the user wrote is taken as it is).
func masterOnly(labels []string, nodes []*corev1.Node) []string {
	if !slices.Equal(labels, config.DefaultControlPlaneLabels) {
		return nil
	}
	var out []string
	for _, n := range nodes {
		if _, ok := n.Labels[config.MasterLabel]; !ok {
			continue
		}
		if !slices.ContainsFunc(labels, func(l string) bool { _, has := n.Labels[l]; return has }) {
			out = append(out, n.Name)
		}
	}
	return out
}

// rulesFor lists the rules the spec asks for, in the order they apply:
// placement first, then the replica count, then what depends on it. own
// rules edit only the target; shared ones also add or read other items
// (the PodDisruptionBudget), so they run after, a target at a time in
// input order. cp are the control-plane tolerations, as read() chose them.
func rulesFor(s config.Spec, cp []config.Toleration, want int, why string, setReplicas bool, pdbs []*yaml.RNode, le sidecars.LeaderElection, audit bool) (own, shared []rule) {
	rules := []rule{
		affinity.Node{Type: s.NodeAffinity.Type, Existing: s.NodeAffinity.Existing, Labels: s.NodeAffinity.ControlPlaneLabels, Pool: s.Pool().Name},
		affinity.PodAnti{Type: s.PodAntiAffinity.Type, Weight: *s.PodAntiAffinity.Weight, TopologyKey: s.PodAntiAffinity.TopologyKey},
	}
	var tols []config.Toleration
	if *s.Tolerations.ControlPlane {
		tols = append(tols, cp...)
	}
	if tols = append(tols, s.Tolerations.ExtraTolerations()...); len(tols) > 0 {
		rules = append(rules, toleration.Add{Want: tols})
	}
	if setReplicas {
		rules = append(rules, replicas.Set{Count: want, Why: why})
	}
	if s.PriorityClassName != "" {
		rules = append(rules, ha.Priority{Name: s.PriorityClassName})
	}
	for _, ts := range s.Spreads() {
		rules = append(rules, ha.Spread{TopologyKey: ts.TopologyKey, MaxSkew: *ts.MaxSkew, WhenUnsatisfiable: ts.WhenUnsatisfiable})
	}
	rules = append(rules, resources.Requests{Mode: s.Resources.Mode, MemoryLimit: s.Resources.MemoryLimit, Audit: audit}, le)
	if b := s.PodDisruptionBudget; b != nil {
		budget := pdb.Budget{Spec: *b, Existing: pdbs}
		if !audit {
			budget.Add = func(w *workload.Workload, obj *yaml.RNode) error {
				_, err := w.Item.InsertAfter(obj.YNode())
				return err
			}
		}
		shared = append(shared, budget)
	}
	return rules, shared
}

// others are the items, besides targets and Nodes, that rules look at:
// DaemonSets (node plugins, decoded when needed), the drivers' names,
// PodDisruptionBudgets, and the labels of Namespaces.
type others struct {
	daemonSets []*krmio.Item
	drivers    []string
	pdbs       []*yaml.RNode
	namespaces map[string]map[string]string
	rbac       []*yaml.RNode
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

// readOthers decodes the CSIDrivers and PodDisruptionBudgets, and lists the
// DaemonSets without decoding them.
func readOthers(items []*krmio.Item) (others, error) {
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
		case "Namespace":
			keep = group == "v1"
		case "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding":
			keep = group == "rbac.authorization.k8s.io"
		}
		if !keep {
			continue
		}
		if it.Kind() == "DaemonSet" {
			o.daemonSets = append(o.daemonSets, it)
			continue
		}
		node, err := it.Node()
		if err != nil {
			return o, err
		}
		obj := yaml.NewRNode(node)
		switch it.Kind() {
		case "CSIDriver":
			o.drivers = append(o.drivers, obj.GetName())
		case "PodDisruptionBudget":
			o.pdbs = append(o.pdbs, obj)
		case "Namespace":
			if o.namespaces == nil {
				o.namespaces = map[string]map[string]string{}
			}
			o.namespaces[obj.GetName()] = yn.StringMap(obj, "metadata", "labels")
		default:
			o.rbac = append(o.rbac, obj)
		}
	}
	return o, nil
}

// report turns one workload's findings into results: in Enforce mode one
// info result saying what changed, in Audit mode one error per rule.
func report(w *workload.Workload, fs []results.Finding, mode string) fn.Results {
	var out fn.Results
	var changes []string
	audit := mode == config.Audit
	byRule := map[string]*fn.Result{}
	for _, f := range fs {
		if f.Severity != results.Info || f.Note {
			out = append(out, result(f, w, audit))
			continue
		}
		if !audit {
			changes = append(changes, f.Message(false))
			continue
		}
		if r, ok := byRule[f.Rule]; ok {
			r.Message += "; " + f.Message(true)
			r.Field.CurrentValue, r.Field.ProposedValue = nil, nil
			continue
		}
		f.Severity = results.Error
		if f.Field == "" {
			f.Field = "spec"
		}
		r := result(f, w, audit)
		out = append(out, r)
		byRule[f.Rule] = r
	}
	switch {
	case len(changes) > 0:
		w.Item.MarkChanged()
		out = append(fn.Results{result(results.Finding{Severity: results.Info, Text: results.Text(strings.Join(changes, "; "))}, w, audit)}, out...)
	case !audit && out.ExitCode() == 0:
		out = append(fn.Results{result(results.Finding{Severity: results.Info, Text: results.Text("already follows the policy; nothing changed")}, w, audit)}, out...)
	case audit && len(byRule) == 0 && out.ExitCode() == 0:
		out = append(fn.Results{result(results.Finding{Severity: results.Info, Text: results.Text("follows the policy")}, w, audit)}, out...)
	}
	return out
}

func result(f results.Finding, w *workload.Workload, audit bool) *fn.Result {
	r := &fn.Result{Message: f.Message(audit), Severity: f.Severity}
	if f.Field != "" {
		r.Field = &fn.Field{Path: f.Field, CurrentValue: f.Current, ProposedValue: f.Proposed}
	}
	if w != nil {
		r.ResourceRef = &fn.ResourceRef{APIVersion: w.APIVersion, Kind: w.Kind, Name: w.Name, Namespace: w.Namespace}
		if path, index, ok := w.File(); ok {
			r.File = &fn.File{Path: path, Index: index}
		}
	}
	return r
}
