package schedule

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/csi-placement/csi-placement/fn/internal/api"
)

// Pod is a pod of the simulation: what the scheduler's filters read of it,
// and the workload it belongs to.
type Pod struct {
	Namespace string
	Labels    map[string]string
	Spec      *corev1.PodSpec
	// Owner names the workload, as Workload.String does.
	Owner string

	affinity, antiAffinity []term // required terms, selectors resolved
	ports                  []hostPort
	nodeAffinity           nodeaffinity.RequiredNodeAffinity
	// cpu (millicores) and memory (bytes) are what the pod requests, read
	// when a node's allocatable values first need them (counted).
	cpu, memory int64
	counted     bool
}

// requests are what p requests: cpu in millicores, memory in bytes.
func (p *Pod) requests() (cpu, memory int64) {
	if !p.counted {
		c, m := api.Requests(p.Spec)
		p.cpu, p.memory, p.counted = c.MilliValue(), m.Value(), true
	}
	return p.cpu, p.memory
}

// term is a required pod (anti-)affinity term with its selectors resolved
// as the API server and the scheduler resolve them.
type term struct {
	selector    labels.Selector
	namespaces  []string        // empty with nsSelector nil: the pod's own
	nsSelector  labels.Selector // nil: none
	topologyKey string
}

type hostPort struct {
	ip, protocol string
	port         int32
}

// NewPod prepares a pod for the filters: defaults the API server would
// apply (host ports of a hostNetwork pod), and selectors with their
// matchLabelKeys and mismatchLabelKeys merged from the pod's labels.
func NewPod(owner, namespace string, podLabels map[string]string, spec *corev1.PodSpec) *Pod {
	return newPod(owner, namespace, podLabels, spec, requiredNodeAffinity(spec))
}

// requiredNodeAffinity is spec's nodeSelector and required node affinity,
// parsed; pods of one spec share it (Match only reads it).
func requiredNodeAffinity(spec *corev1.PodSpec) nodeaffinity.RequiredNodeAffinity {
	return nodeaffinity.GetRequiredNodeAffinity(&corev1.Pod{Spec: corev1.PodSpec{NodeSelector: spec.NodeSelector, Affinity: spec.Affinity}})
}

func newPod(owner, namespace string, podLabels map[string]string, spec *corev1.PodSpec, na nodeaffinity.RequiredNodeAffinity) *Pod {
	if namespace == "" {
		namespace = "default"
	}
	p := &Pod{Owner: owner, Namespace: namespace, Labels: podLabels, Spec: spec, nodeAffinity: na}
	if a := spec.Affinity; a != nil {
		if a.PodAffinity != nil {
			for _, t := range a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				p.affinity = append(p.affinity, newTerm(t, podLabels))
			}
		}
		if a.PodAntiAffinity != nil {
			for _, t := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				p.antiAffinity = append(p.antiAffinity, newTerm(t, podLabels))
			}
		}
	}
	containers := spec.Containers
	for _, c := range spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			containers = append(containers, c) // a sidecar runs beside the others
		}
	}
	for _, c := range containers {
		for _, cp := range c.Ports {
			port := cp.HostPort
			if spec.HostNetwork && port == 0 {
				port = cp.ContainerPort // the API's default for hostNetwork pods
			}
			if port == 0 {
				continue
			}
			proto := string(cp.Protocol)
			if proto == "" {
				proto = string(corev1.ProtocolTCP)
			}
			ip := cp.HostIP
			if ip == "" {
				ip = "0.0.0.0"
			}
			p.ports = append(p.ports, hostPort{ip: ip, protocol: proto, port: port})
		}
	}
	return p
}

func newTerm(t corev1.PodAffinityTerm, podLabels map[string]string) term {
	sel := labels.Nothing()
	if t.LabelSelector != nil {
		if s, err := metav1.LabelSelectorAsSelector(t.LabelSelector); err == nil {
			sel = s
		}
	}
	if t.LabelSelector != nil {
		for _, k := range t.MatchLabelKeys {
			if v, ok := podLabels[k]; ok {
				if r, err := labels.NewRequirement(k, selection.In, []string{v}); err == nil {
					sel = sel.Add(*r)
				}
			}
		}
		for _, k := range t.MismatchLabelKeys {
			if v, ok := podLabels[k]; ok {
				if r, err := labels.NewRequirement(k, selection.NotIn, []string{v}); err == nil {
					sel = sel.Add(*r)
				}
			}
		}
	}
	out := term{selector: sel, namespaces: t.Namespaces, topologyKey: t.TopologyKey}
	if t.NamespaceSelector != nil {
		if s, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector); err == nil {
			out.nsSelector = s
		}
	}
	return out
}

// matches reports whether the term, written in a pod of namespace own,
// selects pod q.
func (t term) matches(own string, q *Pod, nsLabels map[string]map[string]string) bool {
	inNS := false
	switch {
	case len(t.namespaces) == 0 && t.nsSelector == nil:
		inNS = q.Namespace == own
	default:
		inNS = slices.Contains(t.namespaces, q.Namespace) || t.nsSelector != nil && t.nsSelector.Matches(namespaceLabels(q.Namespace, nsLabels))
	}
	return inNS && t.selector.Matches(labels.Set(q.Labels))
}

// namespaceLabels are a namespace's labels, with the one the API server
// sets on every namespace.
func namespaceLabels(ns string, known map[string]map[string]string) labels.Set {
	out := labels.Set{"kubernetes.io/metadata.name": ns}
	for k, v := range known[ns] {
		out[k] = v
	}
	return out
}

// Cluster is the nodes and the pods the simulation has put on them.
type Cluster struct {
	Nodes []*corev1.Node
	pods  [][]*Pod
	// Namespaces are the labels of the input's Namespace objects, for
	// namespaceSelector terms.
	Namespaces map[string]map[string]string
	// Synthetic nodes stand for a control plane the input does not
	// describe: they pass every node-level filter (node affinity, taints),
	// and only the pods' filters among themselves apply.
	Synthetic bool
}

// NewCluster is an empty cluster of nodes. A node without the
// kubernetes.io/hostname label gets its name there, as the kubelet sets it
// on every node.
func NewCluster(nodes []*corev1.Node) *Cluster {
	for _, n := range nodes {
		if _, ok := n.Labels[hostname]; !ok {
			if n.Labels == nil {
				n.Labels = map[string]string{}
			}
			n.Labels[hostname] = n.Name
		}
	}
	return &Cluster{Nodes: nodes, pods: make([][]*Pod, len(nodes))}
}

// SyntheticCluster is n nodes, each its own domain of every topology key,
// the worst case for a workload that keeps its replicas apart: as many
// domains as replicas.
func SyntheticCluster(n int, keys []string) *Cluster {
	nodes := make([]*corev1.Node, n)
	for i := range nodes {
		name := fmt.Sprintf("node-%d", i+1)
		l := map[string]string{hostname: name}
		for _, k := range keys {
			l[k] = name
		}
		nodes[i] = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}}
	}
	c := NewCluster(nodes)
	c.Synthetic = true
	return c
}

// TopologyKeys are the topology keys a pod's filters read.
func TopologyKeys(spec *corev1.PodSpec) []string {
	var keys []string
	add := func(k string) {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if a := spec.Affinity; a != nil {
		if a.PodAffinity != nil {
			for _, t := range a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				add(t.TopologyKey)
			}
		}
		if a.PodAntiAffinity != nil {
			for _, t := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				add(t.TopologyKey)
			}
		}
	}
	for _, c := range spec.TopologySpreadConstraints {
		add(c.TopologyKey)
	}
	return keys
}

// Clone copies the cluster's placement; pods are shared.
func (c *Cluster) Clone() *Cluster {
	out := *c
	out.pods = make([][]*Pod, len(c.pods))
	for i, ps := range c.pods {
		out.pods[i] = slices.Clone(ps)
	}
	return &out
}

// Bind puts p on node i.
func (c *Cluster) Bind(p *Pod, i int) { c.pods[i] = append(c.pods[i], p) }

// Remove takes p off its node.
func (c *Cluster) Remove(p *Pod) {
	for i, ps := range c.pods {
		if j := slices.Index(ps, p); j >= 0 {
			c.pods[i] = slices.Delete(ps, j, j+1)
			return
		}
	}
}

// Pods are the pods on node i.
func (c *Cluster) Pods(i int) []*Pod { return c.pods[i] }

// Reasons, worded as the scheduler's own messages where it has one.
const (
	reasonAntiAffinity         = "didn't match pod anti-affinity rules"
	reasonExistingAntiAffinity = "didn't satisfy existing pods anti-affinity rules"
	reasonAffinity             = "didn't match pod affinity rules"
	reasonPorts                = "didn't have free ports for the requested pod ports"
	reasonSpread               = "didn't match pod topology spread constraints"
	reasonSpreadMissingLabel   = "didn't match pod topology spread constraints (missing required label)"
	reasonUnschedulable        = "cordoned (spec.unschedulable)"
	reasonCPU                  = "Insufficient cpu"
	reasonMemory               = "Insufficient memory"
)

// NodeFits runs the node-level filters (unschedulable, required node
// affinity and nodeSelector, NoSchedule and NoExecute taints) for p on
// node n. A NoExecute taint tolerated only for tolerationSeconds does not
// keep the pod there: the taint manager evicts it then.
func NodeFits(p *Pod, n *corev1.Node) (bool, string) {
	if n.Spec.Unschedulable && !api.Tolerates(p.Spec.Tolerations, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}) {
		return false, reasonUnschedulable
	}
	if ok, err := p.nodeAffinity.Match(n); err != nil || !ok {
		return false, affinityReason(p.Spec, n, err)
	}
	for _, t := range n.Spec.Taints {
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if !api.Tolerates(p.Spec.Tolerations, t) {
			return false, "untolerated taint " + t.ToString()
		}
		if t.Effect == corev1.TaintEffectNoExecute {
			if secs, forGood := toleratedFor(p.Spec.Tolerations, t); !forGood {
				return false, fmt.Sprintf("taint %s is tolerated only for %ds, then the pod is evicted", t.ToString(), secs)
			}
		}
	}
	return true, ""
}

// toleratedFor is the longest time the tolerations keep a pod on a node
// with the NoExecute taint t, and whether they keep it for good.
func toleratedFor(tols []corev1.Toleration, t corev1.Taint) (int64, bool) {
	var longest int64
	for i := range tols {
		if !api.Tolerates(tols[i:i+1], t) {
			continue
		}
		if tols[i].TolerationSeconds == nil {
			return 0, true
		}
		longest = max(longest, *tols[i].TolerationSeconds)
	}
	return longest, false
}

// Fits runs the scheduler's filters for p on node i of the cluster, in the
// scheduler's order: the node-level ones, then host ports, topology spread
// and inter-pod affinity against the pods already there.
func (c *Cluster) Fits(p *Pod, i int) (bool, string) {
	n := c.Nodes[i]
	if !c.Synthetic {
		if ok, why := NodeFits(p, n); !ok {
			return false, why
		}
	}
	if ok, why := c.portsFree(p, i); !ok {
		return false, why
	}
	if ok, why := c.resourcesFit(p, i); !ok {
		return false, why
	}
	if ok, why := c.spreadFits(p, i); !ok {
		return false, why
	}
	return c.interPodFits(p, i)
}

// resourcesFit is the NodeResourcesFit filter for cpu and memory: what the
// pods on node i request, with p's, within the node's status.allocatable.
// A node of the inventory without allocatable values (or a synthetic one)
// takes any request: the proof cannot judge it. The pods on a real node
// that the input does not hold (a control plane's static pods) are not
// counted; the control-plane budget leaves room for them.
func (c *Cluster) resourcesFit(p *Pod, i int) (bool, string) {
	alloc := c.Nodes[i].Status.Allocatable
	if c.Synthetic || len(alloc) == 0 {
		return true, ""
	}
	pc, pm := p.requests()
	if pc == 0 && pm == 0 {
		return true, ""
	}
	cpu, memory := pc, pm
	for _, q := range c.pods[i] {
		qc, qm := q.requests()
		cpu, memory = cpu+qc, memory+qm
	}
	if a, ok := alloc[corev1.ResourceCPU]; ok && pc > 0 && cpu > a.MilliValue() {
		return false, reasonCPU
	}
	if a, ok := alloc[corev1.ResourceMemory]; ok && pm > 0 && memory > a.Value() {
		return false, reasonMemory
	}
	return true, ""
}

func (c *Cluster) portsFree(p *Pod, i int) (bool, string) {
	for _, want := range p.ports {
		for _, q := range c.pods[i] {
			for _, used := range q.ports {
				if used.port == want.port && used.protocol == want.protocol &&
					(used.ip == want.ip || used.ip == "0.0.0.0" || want.ip == "0.0.0.0") {
					return false, fmt.Sprintf("%s (%s/%d, used by %s)", reasonPorts, want.protocol, want.port, q.Owner)
				}
			}
		}
	}
	return true, ""
}

// interPodFits is the InterPodAffinity filter: the existing pods'
// required anti-affinity, the pod's own required anti-affinity, and its
// required affinity (a pod that matches its own affinity terms may start
// a group when no pod in the cluster matches them yet).
func (c *Cluster) interPodFits(p *Pod, i int) (bool, string) {
	n := c.Nodes[i]
	if ok, why := c.affinityFits(p, i); !ok {
		return false, why
	}
	for _, t := range p.antiAffinity {
		v, ok := n.Labels[t.topologyKey]
		if !ok {
			continue
		}
		for j, ps := range c.pods {
			if c.Nodes[j].Labels[t.topologyKey] != v || !hasKey(c.Nodes[j], t.topologyKey) {
				continue
			}
			for _, q := range ps {
				if t.matches(p.Namespace, q, c.Namespaces) {
					return false, fmt.Sprintf("%s (%s on %s)", reasonAntiAffinity, q.Owner, c.Nodes[j].Name)
				}
			}
		}
	}
	for j, ps := range c.pods {
		for _, q := range ps {
			for _, t := range q.antiAffinity {
				if v, ok := c.Nodes[j].Labels[t.topologyKey]; ok && n.Labels[t.topologyKey] == v && hasKey(n, t.topologyKey) && t.matches(q.Namespace, p, c.Namespaces) {
					return false, fmt.Sprintf("%s (of %s on %s)", reasonExistingAntiAffinity, q.Owner, c.Nodes[j].Name)
				}
			}
		}
	}
	return true, ""
}

// affinityFits is the pod's required affinity: every term satisfied by a
// pod that matches all of them in the term's domain.
func (c *Cluster) affinityFits(p *Pod, i int) (bool, string) {
	n := c.Nodes[i]
	if len(p.affinity) == 0 {
		return true, ""
	}
	// Pods that match every affinity term count, per term's domain.
	anyMatch := false
	satisfied := make([]bool, len(p.affinity))
	for j, ps := range c.pods {
		for _, q := range ps {
			if !c.matchesAll(p, q) {
				continue
			}
			anyMatch = true
			for k, t := range p.affinity {
				if v, ok := c.Nodes[j].Labels[t.topologyKey]; ok && hasKey(n, t.topologyKey) && n.Labels[t.topologyKey] == v {
					satisfied[k] = true
				}
			}
		}
	}
	for _, t := range p.affinity {
		if !hasKey(n, t.topologyKey) {
			return false, fmt.Sprintf("%s (node has no label %s)", reasonAffinity, t.topologyKey)
		}
	}
	if !slices.Contains(satisfied, false) {
		return true, ""
	}
	if !anyMatch && c.matchesAll(p, p) {
		return true, "" // the first pod of a group with affinity to itself
	}
	if !anyMatch {
		return false, reasonAffinity + " (no pod in the cluster matches them)"
	}
	return false, reasonAffinity + " (no matching pod on this node's " + strings.Join(keysOf(p.affinity), ", ") + ")"
}

func (c *Cluster) matchesAll(p, q *Pod) bool {
	for _, t := range p.affinity {
		if !t.matches(p.Namespace, q, c.Namespaces) {
			return false
		}
	}
	return true
}

func keysOf(ts []term) []string {
	var out []string
	for _, t := range ts {
		if !slices.Contains(out, t.topologyKey) {
			out = append(out, t.topologyKey)
		}
	}
	return out
}

func hasKey(n *corev1.Node, k string) bool { _, ok := n.Labels[k]; return ok }

// spreadFits is the PodTopologySpread filter for DoNotSchedule
// constraints: the skew a pod on node i would make, counted over the nodes
// that pass the pod's node affinity (nodeAffinityPolicy Honor, the
// default) and, with nodeTaintsPolicy Honor, its taints.
func (c *Cluster) spreadFits(p *Pod, i int) (bool, string) {
	for _, sc := range p.Spec.TopologySpreadConstraints {
		if sc.WhenUnsatisfiable != corev1.DoNotSchedule {
			continue
		}
		if !hasKey(c.Nodes[i], sc.TopologyKey) {
			return false, reasonSpreadMissingLabel
		}
		sel := labels.Nothing()
		if sc.LabelSelector != nil {
			if s, err := metav1.LabelSelectorAsSelector(sc.LabelSelector); err == nil {
				sel = s
			}
			for _, k := range sc.MatchLabelKeys {
				if v, ok := p.Labels[k]; ok {
					if r, err := labels.NewRequirement(k, selection.In, []string{v}); err == nil {
						sel = sel.Add(*r)
					}
				}
			}
		}
		counts := map[string]int{}
		for j, n := range c.Nodes {
			v, ok := n.Labels[sc.TopologyKey]
			if !ok || !c.Synthetic && !countsForSpread(p, n, sc) {
				continue
			}
			if _, seen := counts[v]; !seen {
				counts[v] = 0
			}
			for _, q := range c.pods[j] {
				if q.Namespace == p.Namespace && sel.Matches(labels.Set(q.Labels)) {
					counts[v]++
				}
			}
		}
		minCount := -1
		for _, n := range counts {
			if minCount < 0 || n < minCount {
				minCount = n
			}
		}
		if sc.MinDomains != nil && int32(len(counts)) < *sc.MinDomains || minCount < 0 {
			minCount = 0
		}
		self := 0
		if sel.Matches(labels.Set(p.Labels)) {
			self = 1
		}
		if skew := counts[c.Nodes[i].Labels[sc.TopologyKey]] + self - minCount; skew > int(sc.MaxSkew) {
			return false, fmt.Sprintf("%s (%s: skew %d > maxSkew %d)", reasonSpread, sc.TopologyKey, skew, sc.MaxSkew)
		}
	}
	return true, ""
}

func countsForSpread(p *Pod, n *corev1.Node, sc corev1.TopologySpreadConstraint) bool {
	if sc.NodeAffinityPolicy == nil || *sc.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor {
		if ok, err := p.nodeAffinity.Match(n); err != nil || !ok {
			return false
		}
	}
	if sc.NodeTaintsPolicy != nil && *sc.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor {
		for _, t := range n.Spec.Taints {
			if (t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute) && !api.Tolerates(p.Spec.Tolerations, t) {
				return false
			}
		}
	}
	return true
}

// Summary words why no node fits, as the scheduler's event does: "0/5
// nodes are available: 3 node(s) didn't match pod anti-affinity rules, 2
// node(s) ...".
func Summary(reasons []string) string {
	counts := map[string]int{}
	for _, r := range reasons {
		counts[short(r)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if counts[keys[a]] != counts[keys[b]] {
			return counts[keys[a]] > counts[keys[b]]
		}
		return keys[a] < keys[b]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d node(s) %s", counts[k], k)
		if strings.HasPrefix(k, "Insufficient ") {
			parts[i] = fmt.Sprintf("%d %s", counts[k], k) // the scheduler's words for NodeResourcesFit
		}
	}
	return fmt.Sprintf("0/%d nodes are available: %s", len(reasons), strings.Join(parts, ", "))
}

// short words a reason as the scheduler's event does, without the detail
// in parentheses, so that nodes rejected by the same filter count together.
func short(r string) string {
	switch {
	case strings.HasPrefix(r, "missing label"), strings.HasPrefix(r, "nodeSelector"), strings.HasPrefix(r, "matches no required"), strings.HasPrefix(r, "invalid node affinity"):
		return "didn't match Pod's node affinity/selector"
	case r == reasonUnschedulable:
		return "were unschedulable"
	case strings.HasPrefix(r, "untolerated taint "):
		return "had untolerated taint {" + strings.TrimPrefix(r, "untolerated taint ") + "}"
	}
	if i := strings.Index(r, " ("); i > 0 {
		return r[:i]
	}
	return r
}
