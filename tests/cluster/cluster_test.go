// Package cluster is the real-cluster tier: the real kube-apiserver,
// kube-scheduler and kube-controller-manager judge the function's output,
// and the function's own claims (explain --output json) must agree with
// what they did.
package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

var (
	repo   = filepath.Join("..", "..")
	shared = filepath.Join(repo, "..", "shared")
)

// distribution is a cluster's nodes: three control-plane nodes and two
// workers with the distribution's labels and taints
// (shared/reference/distributions.md); the managed one has four workers.
type distribution struct {
	name      string
	cp, wk    map[string]string
	cpTaints  []corev1.Taint
	managed   bool
	fullCases bool // rollouts, node plugins and evictions too
	// cpAlloc is what each control-plane node can allocate, cp-1 first
	// (none: as much as a worker), in the cluster and in the inventory;
	// policy is added to the distribution's policy.
	cpAlloc []corev1.ResourceList
	policy  string
	// noDaemonSets leaves the inputs' DaemonSets out: whether a node
	// plugin's pod or a controller's takes the last of a small node's
	// memory depends on which the scheduler sees first (and on preemption),
	// which no placement claim can say.
	noDaemonSets bool
	// infra adds two OpenShift infra nodes (infra-1, infra-2), labelled
	// and tainted as the OpenShift documentation says, and the policy
	// places the controllers there: they are the pool, not cp-*.
	infra bool
}

// pool is the prefix of the nodes the policy places controllers on.
func (d distribution) pool() string {
	if d.infra {
		return "infra-"
	}
	return "cp-"
}

const role = "node-role.kubernetes.io/"

var distributions = []distribution{
	{name: "kubeadm", cp: map[string]string{role + "control-plane": ""}, cpTaints: taints(role + "control-plane=:NoSchedule"), fullCases: true},
	{name: "rke2", cp: map[string]string{role + "control-plane": "true", role + "etcd": "true"}, fullCases: true},
	{name: "rancher", cp: map[string]string{role + "control-plane": "true", role + "etcd": "true"}, cpTaints: taints(role+"etcd=:NoExecute", role+"control-plane=:NoSchedule")},
	{name: "rke1", cp: map[string]string{role + "controlplane": "true", role + "etcd": "true"}, wk: map[string]string{role + "worker": "true"},
		cpTaints: taints(role+"controlplane=true:NoSchedule", role+"etcd=true:NoExecute")},
	{name: "openshift", cp: map[string]string{role + "master": "", role + "control-plane": ""}, wk: map[string]string{role + "worker": ""}, cpTaints: taints(role + "master=:NoSchedule")},
	{name: "talos", cp: map[string]string{role + "control-plane": ""}, cpTaints: taints(role + "control-plane=:NoSchedule")},
	{name: "managed", managed: true},
	// Small control-plane nodes, one smaller still, and the policy adds the
	// controllers' requests: the scheduler's NodeResourcesFit judges the
	// proof's placement. A controller of 100-200Mi puts two replicas on
	// cp-1 or cp-2, one of 200-400Mi leaves its third Pending, juicefs's
	// 552Mi fits on none.
	{name: "kubeadm-small", cp: map[string]string{role + "control-plane": ""}, cpTaints: taints(role + "control-plane=:NoSchedule"),
		cpAlloc: []corev1.ResourceList{small("400Mi"), small("400Mi"), small("100Mi")},
		policy:  "  resources: {mode: Add}\n", noDaemonSets: true},
	{name: "openshift-infra", cp: map[string]string{role + "master": "", role + "control-plane": ""}, wk: map[string]string{role + "worker": ""},
		cpTaints: taints(role + "master=:NoSchedule"), infra: true, policy: "  nodePool: {preset: OpenShiftInfra}\n"},
}

// small is a node of 1 CPU and the memory given.
func small(memory string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse(memory), corev1.ResourcePods: resource.MustParse("110")}
}

func taints(specs ...string) []corev1.Taint {
	var out []corev1.Taint
	for _, s := range specs {
		kv, effect, _ := strings.Cut(s, ":")
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, corev1.Taint{Key: k, Value: v, Effect: corev1.TaintEffect(effect)})
	}
	return out
}

func (d distribution) nodes() []fakeNode {
	var out []fakeNode
	add := func(name, zone string, roles map[string]string, ts []corev1.Taint, alloc corev1.ResourceList) {
		l := map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": zone}
		for k, v := range roles {
			l[k] = v
		}
		out = append(out, fakeNode{name: name, labels: l, taints: ts, alloc: alloc})
	}
	if !d.managed {
		for i, z := range []string{"a", "b", "c"} {
			var alloc corev1.ResourceList
			if i < len(d.cpAlloc) {
				alloc = d.cpAlloc[i]
			}
			add(fmt.Sprintf("cp-%d", i+1), z, d.cp, d.cpTaints, alloc)
		}
	}
	if d.infra {
		infra := map[string]string{role + "infra": "", role + "worker": ""}
		for i, z := range []string{"a", "b"} {
			add(fmt.Sprintf("infra-%d", i+1), z, infra, taints(role+"infra=reserved:NoSchedule", role+"infra=reserved:NoExecute"), nil)
		}
	}
	n := 2
	if d.managed {
		n = 4
	}
	for i := range n {
		add(fmt.Sprintf("worker-%d", i+1), []string{"a", "b"}[i%2], d.wk, nil, nil)
	}
	return out
}

// inventory is the nodes as `kubectl get nodes -o yaml` writes them.
func (d distribution) inventory() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for _, n := range d.nodes() {
		l, _ := json.Marshal(n.labels)
		ts, _ := json.Marshal(n.taints)
		status := ""
		if d.cpAlloc != nil {
			alloc := n.alloc
			if alloc == nil {
				alloc = bigNode
			}
			a, _ := json.Marshal(alloc)
			status = fmt.Sprintf(", status: {allocatable: %s}", a)
		}
		fmt.Fprintf(&b, "- {apiVersion: v1, kind: Node, metadata: {name: %s, labels: %s}, spec: {taints: %s}%s}\n", n.name, l, ts, status)
	}
	return b.String()
}

// input is what a case places: a chart render, an upstream driver's
// manifests, or an example's golden output.
type input struct {
	name  string
	paths []string
}

func inputs(t *testing.T) []input {
	var out []input
	renders, _ := filepath.Glob(filepath.Join(shared, "fixtures", "charts", "rendered", "*.yaml"))
	reals, _ := filepath.Glob(filepath.Join(shared, "fixtures", "real", "*"))
	if len(renders) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the fixtures in %s must be there under CI", shared)
		}
		t.Log("../shared is absent: only the examples run")
	}
	for _, r := range renders {
		out = append(out, input{name: "chart-" + strings.TrimSuffix(filepath.Base(r), ".yaml"), paths: []string{r}})
	}
	for _, r := range reals {
		if fi, err := os.Stat(r); err == nil && fi.IsDir() && !strings.HasSuffix(r, "-templates") {
			out = append(out, input{name: "real-" + filepath.Base(r), paths: []string{r}})
		}
	}
	examples, _ := filepath.Glob(filepath.Join(repo, "examples", "*", "expected.yaml"))
	kpt, _ := filepath.Glob(filepath.Join(repo, "examples", "*", ".expected"))
	for _, e := range examples {
		out = append(out, input{name: "example-" + filepath.Base(filepath.Dir(e)), paths: []string{e}})
	}
	for _, k := range kpt {
		// .expected holds the placed files beside kpt's results and the
		// test case (config.yaml); a package that fails (kpt-audit) has none.
		files, _ := filepath.Glob(filepath.Join(k, "*.yaml"))
		files = slices.DeleteFunc(files, func(f string) bool { b := filepath.Base(f); return b == "results.yaml" || b == "config.yaml" })
		if len(files) > 0 {
			out = append(out, input{name: "example-" + filepath.Base(filepath.Dir(k)), paths: files})
		}
	}
	return out
}

// claims is what `explain --output json` says.
type claims struct {
	explainErr  string // explain's stderr
	Controllers []struct {
		Kind, Namespace, Name string
		Replicas              int
		Nodes                 []struct {
			Name        string
			Schedulable bool
			Reason      string
		}
		Placement struct {
			Nodes   []string
			Pending int
			Reasons []string
		}
		Rollout struct {
			Strategy  string
			CanFinish bool
			Reason    string
		}
		NodePlugin *struct {
			DaemonSet string
			Needed    bool
			Nodes     []struct {
				Name        string
				Schedulable bool
			}
		}
	}
}

// report collects a line per case, printed at the end and written to
// cluster-report.txt.
type report struct {
	mu    sync.Mutex
	lines []string
}

func (r *report) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func TestCluster(t *testing.T) {
	bin := os.Getenv("CLUSTER_BIN")
	if bin == "" {
		t.Skip("CLUSTER_BIN is not set: run `make cluster-test`, which builds the control plane")
	}
	fn := filepath.Join(t.TempDir(), "csi-placement")
	if out, err := exec.Command("go", "build", "-C", repo, "-o", fn, "./fn").CombinedOutput(); err != nil {
		t.Fatalf("building the function: %v\n%s", err, out)
	}
	cp := start(t, bin)
	rep := &report{}
	t.Cleanup(func() {
		sort.Strings(rep.lines)
		text := lines(rep.lines) + "\n"
		t.Log("report:\n" + text)
		_ = os.WriteFile(filepath.Join(repo, "tests", "cluster", "cluster-report.txt"), []byte(text), 0o644)
	})
	ins := inputs(t)
	for _, d := range distributions {
		t.Run(d.name, func(t *testing.T) {
			cp.setNodes(t, d.nodes())
			dir := t.TempDir()
			nodes := filepath.Join(dir, "nodes.yaml")
			must(t, os.WriteFile(nodes, []byte(d.inventory()), 0o600))
			policy := "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  replicas: auto\n"
			if d.managed {
				policy += "  nodeAffinity: {type: Preferred}\n"
			}
			policy += d.policy
			cfg := filepath.Join(dir, "policy.yaml")
			must(t, os.WriteFile(cfg, []byte(policy), 0o600))
			if d.name == "kubeadm" {
				t.Run("negative-controls", func(t *testing.T) { negativeControls(t, cp, fn, cfg, nodes, rep) })
			}
			for _, in := range ins {
				if strings.HasPrefix(in.name, "example-") && !d.fullCases {
					continue
				}
				t.Run(in.name, func(t *testing.T) {
					if d.noDaemonSets {
						in.paths = []string{withoutDaemonSets(t, in.paths)}
					}
					runCase(t, cp, d, in, fn, run{cfg: cfg}, nodes, rep)
				})
			}
			// More policies over the charts and manifests (examples carry
			// their own): the default, without an inventory, as most users
			// run it, on kubeadm with every check and on a managed cluster,
			// where its required control-plane affinity leaves every replica
			// Pending as the function must say; on kubeadm one replica per
			// node, required, where a rolling update stalls unless the
			// function fixes its strategy; and on kubeadm the input
			// unplaced, as the chart renders it: the proof of the input as
			// it is against the scheduler, and what the function changes,
			// seen in the cluster; on Rancher the tolerations read from the
			// inventory.
			var more []run
			if d.name == "kubeadm" || d.managed {
				more = append(more, run{name: "default"})
			}
			if d.name == "kubeadm" {
				ha := filepath.Join(dir, "ha.yaml")
				must(t, os.WriteFile(ha, []byte(policy+"  podAntiAffinity: {type: Required}\n"), 0o600))
				null := filepath.Join(dir, "null.yaml")
				must(t, os.WriteFile(null, []byte(nullPolicy), 0o600))
				more = append(more, run{name: "ha", cfg: ha}, run{name: "unplaced", cfg: null, raw: true})
			}
			if d.name == "rancher" {
				// Exactly the taints the inventory's control-plane nodes
				// carry, read from the Nodes, instead of the built-in set.
				fi := filepath.Join(dir, "from-inventory.yaml")
				must(t, os.WriteFile(fi, []byte(policy+"  tolerations: {fromInventory: true}\n"), 0o600))
				more = append(more, run{name: "from-inventory", cfg: fi})
			}
			for _, r := range more {
				for _, in := range ins {
					if strings.HasPrefix(in.name, "example-") {
						continue
					}
					in.name = r.name + "/" + in.name
					t.Run(in.name, func(t *testing.T) { runCase(t, cp, d, in, fn, r, nodes, rep) })
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// place runs the function standalone on the input and explain on its
// output; a refusal (exit 1) still has an output and claims to check.
// run is a policy the tier runs over its inputs.
type run struct {
	name string
	cfg  string // the policy file; none: the default policy, without an inventory
	raw  bool   // apply the input as it is, and take the claims of explain with cfg
}

// nullPolicy changes nothing, so explain proves the input as it is.
const nullPolicy = `apiVersion: fn.csi-placement.dev/v1alpha1
kind: PlacementPolicy
spec:
  nodeAffinity: {type: None}
  podAntiAffinity: {type: None}
  tolerations: {controlPlane: false}
  nodePlugin: {tolerateControlPlane: false}
  rollout: {strategy: Keep}
  sidecars: {leaderElection: Ignore}
`

func place(t *testing.T, fn string, r run, nodes string, paths []string) ([]byte, claims, string) {
	t.Helper()
	args, explain := []string{"--quiet"}, []string{"explain", "--output", "json", "--nodes", nodes}
	if r.cfg != "" {
		args = append(args, "--config", r.cfg, "--nodes", nodes)
		explain = append(explain, "--config", r.cfg)
	}
	var out []byte
	var stderr bytes.Buffer
	if r.raw {
		out = rawInput(t, paths)
	} else {
		cmd := exec.Command(fn, append(args, paths...)...)
		cmd.Stderr = &stderr
		var err error
		out, err = cmd.Output()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
	}
	placed := filepath.Join(t.TempDir(), "placed.yaml")
	must(t, os.WriteFile(placed, out, 0o600))
	ex := exec.Command(fn, append(explain, placed)...)
	var exErr bytes.Buffer
	ex.Stderr = &exErr
	js, _ := ex.Output()
	var c claims
	if err := json.Unmarshal(js, &c); err != nil {
		t.Fatalf("explain --output json: %v\n%s", err, js)
	}
	c.explainErr = exErr.String()
	return out, c, stderr.String()
}

// objects decodes what the tier applies: the kinds a placement needs that
// the API has without CRDs.
func objects(t *testing.T, data []byte) []runtime.Object {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []runtime.Object
	for {
		var raw runtime.RawExtension
		if err := dec.Decode(&raw); err != nil {
			if err == io.EOF {
				return out
			}
			t.Fatalf("reading the output: %v", err)
		}
		if len(bytes.TrimSpace(raw.Raw)) == 0 {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(raw.Raw, nil, nil)
		if err != nil {
			continue // a custom resource: not the tier's to apply
		}
		switch o := obj.(type) {
		case *corev1.Namespace, *corev1.ServiceAccount, *appsv1.Deployment, *appsv1.StatefulSet, *appsv1.DaemonSet, *policyv1.PodDisruptionBudget, *schedulingv1.PriorityClass:
			out = append(out, o)
		case *corev1.List:
			out = append(out, objects(t, listItems(o))...)
		}
	}
}

func listItems(l *corev1.List) []byte {
	var b bytes.Buffer
	for _, it := range l.Items {
		b.Write(it.Raw)
		b.WriteString("\n---\n")
	}
	return b.Bytes()
}

func ns(m metav1.Object) string {
	if m.GetNamespace() == "" {
		return "default"
	}
	return m.GetNamespace()
}

// apply creates the objects and returns a function that deletes them and
// waits until their pods are gone.
func apply(t *testing.T, cp *controlPlane, objs []runtime.Object) func() {
	t.Helper()
	ctx := context.Background()
	c := cp.client
	var created []runtime.Object
	namespaces := map[string]bool{}
	ensureNS := func(n string) {
		if namespaces[n] || n == "default" || n == "kube-system" {
			return
		}
		namespaces[n] = true
		_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{})
		must(t, ignoreExists(err))
	}
	// A PriorityClass the workloads name but the input does not hold is
	// the cluster's: it is created, as it would be there.
	classes := map[string]bool{}
	for _, o := range objs {
		if pc, ok := o.(*schedulingv1.PriorityClass); ok {
			classes[pc.Name] = true
		}
	}
	for _, o := range objs {
		var spec *corev1.PodSpec
		switch o := o.(type) {
		case *appsv1.Deployment:
			spec = &o.Spec.Template.Spec
		case *appsv1.StatefulSet:
			spec = &o.Spec.Template.Spec
		case *appsv1.DaemonSet:
			spec = &o.Spec.Template.Spec
		}
		if spec == nil || spec.PriorityClassName == "" || classes[spec.PriorityClassName] || strings.HasPrefix(spec.PriorityClassName, "system-") {
			continue
		}
		classes[spec.PriorityClassName] = true
		objs = append([]runtime.Object{&schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: spec.PriorityClassName}, Value: 1000}}, objs...)
	}
	for _, o := range objs {
		m := o.(metav1.Object)
		var err error
		switch o := o.(type) {
		case *corev1.Namespace:
			ensureNS(o.Name)
			continue
		case *schedulingv1.PriorityClass:
			_, err = c.SchedulingV1().PriorityClasses().Create(ctx, o, metav1.CreateOptions{})
		case *corev1.ServiceAccount:
			ensureNS(ns(m))
			_, err = c.CoreV1().ServiceAccounts(ns(m)).Create(ctx, o, metav1.CreateOptions{})
		case *appsv1.Deployment:
			ensureNS(ns(m))
			_, err = c.AppsV1().Deployments(ns(m)).Create(ctx, o, metav1.CreateOptions{})
		case *appsv1.StatefulSet:
			ensureNS(ns(m))
			_, err = c.AppsV1().StatefulSets(ns(m)).Create(ctx, o, metav1.CreateOptions{})
		case *appsv1.DaemonSet:
			ensureNS(ns(m))
			_, err = c.AppsV1().DaemonSets(ns(m)).Create(ctx, o, metav1.CreateOptions{})
		case *policyv1.PodDisruptionBudget:
			ensureNS(ns(m))
			_, err = c.PolicyV1().PodDisruptionBudgets(ns(m)).Create(ctx, o, metav1.CreateOptions{})
		}
		if err = ignoreExists(err); err != nil {
			t.Fatalf("creating %T %s/%s: %v", o, ns(m), m.GetName(), err)
		}
		created = append(created, o)
	}
	return func() {
		bg := metav1.DeletePropagationBackground
		opts := metav1.DeleteOptions{PropagationPolicy: &bg}
		for _, o := range created {
			m := o.(metav1.Object)
			switch o.(type) {
			case *appsv1.Deployment:
				_ = c.AppsV1().Deployments(ns(m)).Delete(ctx, m.GetName(), opts)
			case *appsv1.StatefulSet:
				_ = c.AppsV1().StatefulSets(ns(m)).Delete(ctx, m.GetName(), opts)
			case *appsv1.DaemonSet:
				_ = c.AppsV1().DaemonSets(ns(m)).Delete(ctx, m.GetName(), opts)
			case *policyv1.PodDisruptionBudget:
				_ = c.PolicyV1().PodDisruptionBudgets(ns(m)).Delete(ctx, m.GetName(), opts)
			case *corev1.ServiceAccount:
				_ = c.CoreV1().ServiceAccounts(ns(m)).Delete(ctx, m.GetName(), opts)
			case *schedulingv1.PriorityClass:
				_ = c.SchedulingV1().PriorityClasses().Delete(ctx, m.GetName(), opts)
			}
		}
		for n := range namespaces {
			_ = c.CoreV1().Namespaces().Delete(ctx, n, opts)
		}
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			pods, err := c.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
			rs, err2 := c.AppsV1().ReplicaSets("").List(ctx, metav1.ListOptions{})
			gone := err == nil && err2 == nil && len(pods.Items) == 0 && len(rs.Items) == 0
			for n := range namespaces {
				if _, err := c.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{}); err == nil {
					gone = false // still terminating: the next case may need it
				}
			}
			if gone {
				return
			}
			zero := int64(0)
			for _, p := range pods.Items {
				if p.DeletionTimestamp == nil && len(p.OwnerReferences) == 0 {
					_ = c.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
				}
			}
			time.Sleep(300 * time.Millisecond)
		}
		t.Errorf("the case's pods were not gone after 60 s")
	}
}

// podsOf lists a workload's pods that are not terminating.
func podsOf(t *testing.T, cp *controlPlane, kind, namespace, name string) []corev1.Pod {
	t.Helper()
	ctx := context.Background()
	var sel *metav1.LabelSelector
	switch kind {
	case "Deployment":
		d, err := cp.client.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		must(t, err)
		sel = d.Spec.Selector
	case "StatefulSet":
		s, err := cp.client.AppsV1().StatefulSets(namespace).Get(ctx, name, metav1.GetOptions{})
		must(t, err)
		sel = s.Spec.Selector
	case "DaemonSet":
		s, err := cp.client.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
		must(t, err)
		sel = s.Spec.Selector
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	must(t, err)
	pods, err := cp.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: s.String()})
	must(t, err)
	var out []corev1.Pod
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && ownedBy(p, kind, name, cp) {
			out = append(out, p)
		}
	}
	return out
}

// ownedBy keeps the pods of this workload, not of another one whose
// selector overlaps.
func ownedBy(p corev1.Pod, kind, name string, cp *controlPlane) bool {
	for _, o := range p.OwnerReferences {
		switch {
		case kind == "Deployment" && o.Kind == "ReplicaSet":
			rs, err := cp.client.AppsV1().ReplicaSets(p.Namespace).Get(context.Background(), o.Name, metav1.GetOptions{})
			if err == nil && len(rs.OwnerReferences) > 0 && rs.OwnerReferences[0].Name == name {
				return true
			}
		case o.Kind == kind && o.Name == name:
			return true
		}
	}
	return false
}

func boundNodes(pods []corev1.Pod) (bound []string, pending []string) {
	for _, p := range pods {
		if p.Spec.NodeName != "" {
			bound = append(bound, p.Spec.NodeName)
			continue
		}
		why := "not scheduled yet"
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				why = c.Message
			}
		}
		pending = append(pending, why)
	}
	sort.Strings(bound)
	return bound, pending
}

// settle waits until the workload has the pods the function expects and
// as many are bound as claimed (or the bound passes), then a moment more,
// so that a pod created or bound late is seen too.
func settle(t *testing.T, cp *controlPlane, kind, namespace, name string, wantPods, wantBound int) ([]string, []string) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		pods := podsOf(t, cp, kind, namespace, name)
		bound, pending := boundNodes(pods)
		if len(pods) >= wantPods && len(bound) >= wantBound && (len(pending) == 0 || !slices.Contains(pending, "not scheduled yet")) {
			// A pod beyond the claims comes from the same controller sync,
			// within a second.
			time.Sleep(time.Second)
			return boundNodes(podsOf(t, cp, kind, namespace, name))
		}
		if time.Now().After(deadline) {
			return bound, pending
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func runCase(t *testing.T, cp *controlPlane, d distribution, in input, fn string, r run, nodes string, rep *report) {
	out, c, stderr := place(t, fn, r, nodes, in.paths)
	objs := objects(t, out)
	if d.managed && r.cfg == "" {
		managedDefault(t, cp, d, in, objs, c, stderr, rep)
		return
	}
	if len(c.Controllers) == 0 || len(objs) == 0 {
		rep.add("%s/%s: nothing applied, %d controllers claimed (the function says: %s)", d.name, in.name, len(c.Controllers), firstLine(stderr))
		return
	}
	cleanup := apply(t, cp, objs)
	defer cleanup()
	for _, ctl := range c.Controllers {
		id := fmt.Sprintf("%s/%s %s %s/%s", d.name, in.name, ctl.Kind, ctl.Namespace, ctl.Name)
		namespace := ctl.Namespace
		if namespace == "" {
			namespace = "default"
		}
		claimed := len(ctl.Placement.Nodes)
		// An OrderedReady StatefulSet creates its next pod only when the
		// one before runs: of the replicas that cannot run, one exists.
		wantPending := ctl.Placement.Pending
		if ctl.Kind == "StatefulSet" && orderedReady(t, cp, namespace, ctl.Name) {
			wantPending = min(wantPending, 1)
		}
		bound, pending := settle(t, cp, ctl.Kind, namespace, ctl.Name, claimed+wantPending, claimed)
		schedulable := map[string]bool{}
		for _, n := range ctl.Nodes {
			schedulable[n.Name] = n.Schedulable
		}
		// The proof against the scheduler.
		if len(bound) != claimed || len(pending) != wantPending {
			t.Errorf("%s: the function says %d placed (%v) and %d Pending (%v); the scheduler bound %d (%v) and left %d Pending (%v)%s",
				id, claimed, ctl.Placement.Nodes, ctl.Placement.Pending, ctl.Placement.Reasons, len(bound), bound, len(pending), pending, events(cp, namespace))
		}
		for _, n := range bound {
			if !schedulable[n] {
				t.Errorf("%s: the scheduler bound a pod to %s, which the function says is not schedulable", id, n)
			}
			if !d.managed && !r.raw && !strings.HasPrefix(n, d.pool()) && ctl.Placement.Pending == 0 && claimed > 0 {
				t.Errorf("%s: a controller pod runs on %s, outside the pool (%s*)", id, n, d.pool())
			}
		}
		if distinct(ctl.Placement.Nodes) && !distinct(bound) {
			t.Errorf("%s: the function places one replica per node (%v); the scheduler put two on one node (%v)", id, ctl.Placement.Nodes, bound)
		}
		line := fmt.Sprintf("%s: %d/%d bound on %v", id, len(bound), ctl.Replicas, bound)
		if len(pending) > 0 {
			line += fmt.Sprintf(", Pending: %s", pending[0])
		}
		if np := ctl.NodePlugin; np != nil && np.Needed && len(bound) > 0 {
			line += checkNodePlugin(t, cp, id, np.DaemonSet, bound, np.Nodes, !r.raw)
		}
		if d.fullCases && len(pending) == 0 && claimed > 0 {
			line += checkRollout(t, cp, id, ctl.Kind, namespace, ctl.Name, ctl.Rollout.CanFinish, ctl.Rollout.Reason)
			if hasPDB(objs, namespace) {
				line += checkEviction(t, cp, id, ctl.Kind, namespace, ctl.Name)
			}
		}
		rep.add("%s", line)
	}
}

func orderedReady(t *testing.T, cp *controlPlane, namespace, name string) bool {
	s, err := cp.client.AppsV1().StatefulSets(namespace).Get(context.Background(), name, metav1.GetOptions{})
	must(t, err)
	return s.Spec.PodManagementPolicy != appsv1.ParallelPodManagement
}

// events are the namespace's warning events, for a failure's message.
func events(cp *controlPlane, namespace string) string {
	evs, err := cp.client.CoreV1().Events(namespace).List(context.Background(), metav1.ListOptions{FieldSelector: "type=Warning"})
	if err != nil || len(evs.Items) == 0 {
		return ""
	}
	var out []string
	for _, e := range evs.Items {
		out = append(out, fmt.Sprintf("%s %s: %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message))
	}
	if len(out) > 5 {
		out = out[len(out)-5:]
	}
	return "\n  events: " + strings.Join(out, "\n  ")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

func distinct(s []string) bool {
	seen := map[string]bool{}
	for _, v := range s {
		if seen[v] {
			return false
		}
		seen[v] = true
	}
	return len(s) > 0
}

// checkNodePlugin: the DaemonSet controller runs the node plugin on a node
// that runs a controller pod exactly when the function says it can, and
// on each one when the function placed the controller (it reaches its
// driver through the plugin's socket there).
func checkNodePlugin(t *testing.T, cp *controlPlane, id, ds string, bound []string, claim []struct {
	Name        string
	Schedulable bool
}, placed bool) string {
	namespace, name, ok := strings.Cut(ds, "/")
	if !ok {
		namespace, name = "default", ds
	}
	can := map[string]bool{}
	for _, n := range claim {
		can[n.Name] = n.Schedulable
	}
	time.Sleep(2 * time.Second)
	on := map[string]bool{}
	for _, p := range podsOf(t, cp, "DaemonSet", namespace, name) {
		on[p.Spec.NodeName] = true
	}
	for _, n := range bound {
		if on[n] != can[n] {
			t.Errorf("%s: node plugin %s on %s: the function says %v, the DaemonSet controller %v", id, ds, n, can[n], on[n])
		}
		if placed && !on[n] {
			t.Errorf("%s: a controller pod runs on %s, where the DaemonSet controller runs no node plugin %s: it finds no driver socket", id, n, ds)
		}
	}
	return fmt.Sprintf(", node plugin on %d of %d controller nodes", countTrue(on, bound), len(bound))
}

func countTrue(m map[string]bool, keys []string) int {
	n := 0
	for _, k := range keys {
		if m[k] {
			n++
		}
	}
	return n
}

// checkRollout changes the pod template and waits for the rollout: it
// must finish exactly when the function says it can.
func checkRollout(t *testing.T, cp *controlPlane, id, kind, namespace, name string, canFinish bool, why string) string {
	ctx := context.Background()
	patch := []byte(`{"spec":{"template":{"metadata":{"annotations":{"csi-placement.dev/rollout":"` + fmt.Sprint(time.Now().UnixNano()) + `"}}}}}`)
	var err error
	if kind == "Deployment" {
		_, err = cp.client.AppsV1().Deployments(namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	} else {
		_, err = cp.client.AppsV1().StatefulSets(namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	}
	must(t, err)
	began := time.Now()
	bound := 60 * time.Second
	if !canFinish {
		bound = 20 * time.Second
	}
	for time.Since(began) < bound {
		if rolledOut(t, cp, kind, namespace, name) {
			if !canFinish {
				t.Errorf("%s: the rollout finished, but the function says it cannot: %s", id, why)
			}
			return fmt.Sprintf(", rollout done in %.1fs", time.Since(began).Seconds())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if canFinish {
		pods := podsOf(t, cp, kind, namespace, name)
		_, pending := boundNodes(pods)
		t.Errorf("%s: the function says the rollout can finish (%s); after %s it has not (Pending: %v)", id, why, bound, pending)
	}
	return fmt.Sprintf(", rollout stalled as claimed (%s)", why)
}

func rolledOut(t *testing.T, cp *controlPlane, kind, namespace, name string) bool {
	ctx := context.Background()
	if kind == "Deployment" {
		d, err := cp.client.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		must(t, err)
		s := d.Status
		return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == *d.Spec.Replicas && s.Replicas == *d.Spec.Replicas && s.AvailableReplicas == *d.Spec.Replicas
	}
	s, err := cp.client.AppsV1().StatefulSets(namespace).Get(ctx, name, metav1.GetOptions{})
	must(t, err)
	st := s.Status
	return st.ObservedGeneration >= s.Generation && st.UpdatedReplicas == *s.Spec.Replicas && st.CurrentRevision == st.UpdateRevision && st.ReadyReplicas == *s.Spec.Replicas
}

func hasPDB(objs []runtime.Object, namespace string) bool {
	for _, o := range objs {
		if p, ok := o.(*policyv1.PodDisruptionBudget); ok && ns(p) == namespace {
			return true
		}
	}
	return false
}

// checkEviction evicts one controller pod through the eviction API, as a
// drain does: the budget must allow it.
func checkEviction(t *testing.T, cp *controlPlane, id, kind, namespace, name string) string {
	time.Sleep(2 * time.Second) // the disruption controller counts the healthy pods
	pods := podsOf(t, cp, kind, namespace, name)
	if len(pods) == 0 {
		t.Errorf("%s: no pod to evict", id)
		return ""
	}
	var err error
	for range 20 {
		err = cp.client.PolicyV1().Evictions(namespace).Evict(context.Background(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pods[0].Name, Namespace: namespace}})
		if err == nil {
			return ", one pod evicted through its budget"
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("%s: evicting %s: %v", id, pods[0].Name, err)
	return ""
}

// negativeControls prove that the tier can fail: the unplaced charts land
// on workers, and a rollout forced to surge beside a one-per-node
// anti-affinity stalls with the scheduler's own message.
func negativeControls(t *testing.T, cp *controlPlane, fn, cfg, nodes string, rep *report) {
	// A controller with no placement of its own, applied as it is.
	raw := []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: unplaced, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: unplaced}}
  template:
    metadata: {labels: {app: unplaced}}
    spec:
      containers: [{name: csi-provisioner, image: registry.k8s.io/sig-storage/csi-provisioner:v5.3.0}]
`)
	cleanup := apply(t, cp, objects(t, raw))
	bound, _ := settle(t, cp, "Deployment", "default", "unplaced", 3, 3)
	if slices.ContainsFunc(bound, func(n string) bool { return strings.HasPrefix(n, "cp-") }) || len(bound) != 3 {
		t.Errorf("unplaced: want every pod on a worker (the control plane is tainted), got %v", bound)
	}
	cleanup()
	rep.add("kubeadm/negative unplaced: 3 bound on %v (workers, as the input asks)", bound)

	// The policy's output, then the strategy forced back to a surge.
	placed, c, _ := place(t, fn, run{cfg: cfg}, nodes, []string{writeTemp(t, strings.Replace(string(raw), "affinity: {}", "", 1)+
		"      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n          - labelSelector: {matchLabels: {app: unplaced}}\n            topologyKey: kubernetes.io/hostname\n")})
	objs := objects(t, placed)
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok {
			one, zero := intOrStr(1), intOrStr(0)
			d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &one, MaxUnavailable: &zero}}
		}
	}
	cleanup = apply(t, cp, objs)
	defer cleanup()
	if bound, _ := settle(t, cp, "Deployment", "default", "unplaced", 3, 3); len(bound) != 3 || len(c.Controllers) != 1 {
		t.Fatalf("forced surge: want 3 bound on the control plane first, got %v", bound)
	}
	patch := []byte(`{"spec":{"template":{"metadata":{"annotations":{"csi-placement.dev/rollout":"1"}}}}}`)
	_, err := cp.client.AppsV1().Deployments("default").Patch(context.Background(), "unplaced", types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	must(t, err)
	time.Sleep(15 * time.Second)
	if rolledOut(t, cp, "Deployment", "default", "unplaced") {
		t.Error("forced surge: the rollout finished; maxSurge 1 beside one-per-node anti-affinity on 3 nodes must stall")
	}
	_, pending := boundNodes(podsOf(t, cp, "Deployment", "default", "unplaced"))
	if len(pending) != 1 || !strings.Contains(pending[0], "didn't match pod anti-affinity rules") {
		t.Errorf("forced surge: want one Pending surge pod rejected by anti-affinity, got %v", pending)
	}
	rep.add("kubeadm/negative forced surge: stalled, the surge pod Pending: %v", pending)
}

func intOrStr(n int32) intstr.IntOrString { return intstr.FromInt32(n) }

func writeTemp(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "in.yaml")
	must(t, os.WriteFile(p, []byte(s), 0o600))
	return p
}

// managedDefault: the default policy's required control-plane affinity on
// a cluster without control-plane nodes. explain, given the inventory,
// refuses it as leaving the controller Pending forever; the scheduler must
// leave every replica of each controller so placed Pending for its node
// affinity.
func managedDefault(t *testing.T, cp *controlPlane, d distribution, in input, objs []runtime.Object, c claims, stderr string, rep *report) {
	var placed []metav1.Object
	replicas := map[metav1.Object]int{}
	for _, o := range objs {
		var spec *corev1.PodSpec
		var n *int32
		switch w := o.(type) {
		case *appsv1.Deployment:
			spec, n = &w.Spec.Template.Spec, w.Spec.Replicas
		case *appsv1.StatefulSet:
			spec, n = &w.Spec.Template.Spec, w.Spec.Replicas
		default:
			continue
		}
		if a := spec.Affinity; a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil ||
			!strings.Contains(fmt.Sprint(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution), "node-role.kubernetes.io/control-plane") {
			continue
		}
		m := o.(metav1.Object)
		placed = append(placed, m)
		replicas[m] = 1
		if n != nil {
			replicas[m] = int(*n)
		}
	}
	id := d.name + "/" + in.name
	if len(placed) == 0 {
		if len(objs) > 0 && !strings.Contains(stderr, "error: ") {
			t.Errorf("%s: the default policy placed no controller on the control plane, and says nothing", id)
		}
		rep.add("%s: nothing placed (the function says: %s)", id, firstLine(stderr))
		return
	}
	if len(c.Controllers) != 0 || !strings.Contains(c.explainErr, "would leave the controller Pending forever") {
		t.Errorf("%s: explain on a cluster without control-plane nodes must refuse the required affinity, got %d controllers and %q", id, len(c.Controllers), c.explainErr)
	}
	cleanup := apply(t, cp, objs)
	defer cleanup()
	for _, m := range placed {
		kind := "Deployment"
		if _, ok := any(m).(*appsv1.StatefulSet); ok {
			kind = "StatefulSet"
		}
		namespace := ns(m)
		want := replicas[m]
		if kind == "StatefulSet" && orderedReady(t, cp, namespace, m.GetName()) {
			want = min(want, 1)
		}
		// A StatefulSet whose pods' revision label would be too long: the
		// function says no pod can be created, and the API creates none.
		if kind == "StatefulSet" && strings.Contains(stderr, "StatefulSet "+namespace+"/"+m.GetName()+" ") && strings.Contains(stderr, "the API server rejects every pod") {
			want = 0
		}
		bound, pending := settle(t, cp, kind, namespace, m.GetName(), want, 0)
		if len(bound) != 0 || len(pending) != want {
			t.Errorf("%s %s %s/%s: the function says every replica stays Pending; the scheduler bound %v and left %d Pending %v", id, kind, namespace, m.GetName(), bound, len(pending), pending)
		}
		for _, p := range pending {
			if !strings.Contains(p, "node affinity") {
				t.Errorf("%s %s %s/%s: Pending for another reason than node affinity: %s", id, kind, namespace, m.GetName(), p)
			}
		}
		line := fmt.Sprintf("%s %s %s/%s: 0/%d bound, explain refuses", id, kind, namespace, m.GetName(), replicas[m])
		if len(pending) > 0 {
			line += ", Pending: " + pending[0]
		}
		rep.add("%s", line)
	}
}

// rawInput is the input as the function reads it: files, and the .yaml and
// .yml files under folders, in lexical order.
// withoutDaemonSets writes the documents of paths but their DaemonSets to
// a file, and returns its path.
func withoutDaemonSets(t *testing.T, paths []string) string {
	var kept []string
	for _, doc := range regexp.MustCompile(`(?m)^---.*$`).Split(string(rawInput(t, paths)), -1) {
		if !regexp.MustCompile(`(?m)^kind:\s*DaemonSet\s*$`).MatchString(doc) && strings.TrimSpace(doc) != "" {
			kept = append(kept, strings.Trim(doc, "\n"))
		}
	}
	f := filepath.Join(t.TempDir(), "input.yaml")
	must(t, os.WriteFile(f, []byte(strings.Join(kept, "\n---\n")+"\n"), 0o600))
	return f
}

func rawInput(t *testing.T, paths []string) []byte {
	var out bytes.Buffer
	add := func(p string) {
		b, err := os.ReadFile(p)
		must(t, err)
		out.WriteString("\n---\n")
		out.Write(b)
	}
	for _, p := range paths {
		must(t, filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if ext := filepath.Ext(f); f == p || ext == ".yaml" || ext == ".yml" {
				add(f)
			}
			return nil
		}))
	}
	return out.Bytes()
}
