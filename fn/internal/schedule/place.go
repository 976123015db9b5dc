package schedule

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
)

// Placement is where a workload's replicas land when placed one by one by
// the scheduler's filters.
type Placement struct {
	// Nodes holds a node name per replica placed, in order; a node repeats
	// when nothing keeps replicas apart.
	Nodes []string
	// Pending is the number of replicas no node accepts.
	Pending int
	// Why says, when some are pending, why the next one fits nowhere, as
	// the scheduler's event says it.
	Why string
	// First are the verdicts for the first replica on every node.
	First []Verdict

	pods []*Pod // the placed pods, in order
}

// Replica makes the pod of replica k of a workload: the template's labels
// with the controller's own (revision is the pod-template-hash or
// controller-revision-hash, so that matchLabelKeys on it see revisions
// apart).
type Replica func(revision string) *Pod

// Template makes a Replica for a pod template of a Deployment or
// StatefulSet: its pods carry the template labels and the revision label
// the controller adds.
func Template(owner, kind, namespace string, tmpl *corev1.PodTemplateSpec) Replica {
	key := "pod-template-hash"
	if kind == "StatefulSet" {
		key = "controller-revision-hash"
	}
	na := requiredNodeAffinity(&tmpl.Spec)
	return func(revision string) *Pod {
		l := maps.Clone(tmpl.Labels)
		if l == nil {
			l = map[string]string{}
		}
		l[key] = revision
		return newPod(owner, namespace, l, &tmpl.Spec, na)
	}
}

// Place puts replicas pods made by newPod on the cluster one by one, as
// the scheduler would: each on a node that passes every filter, spreading
// them (the node with fewest pods of the workload, then fewest pods, then
// the first). It binds them in c.
func Place(c *Cluster, newPod Replica, replicas int, revision string) Placement {
	var pl Placement
	for k := range replicas {
		p := newPod(revision)
		i, verdicts := c.choose(p)
		if k == 0 {
			pl.First = verdicts
		}
		if i < 0 {
			pl.Pending = replicas - k
			pl.Why = why(verdicts)
			break
		}
		c.Bind(p, i)
		pl.Nodes = append(pl.Nodes, c.Nodes[i].Name)
		pl.pods = append(pl.pods, p)
	}
	if replicas == 0 {
		_, pl.First = c.choose(newPod(revision))
	}
	return pl
}

// choose runs the filters on every node and picks one, or -1.
func (c *Cluster) choose(p *Pod) (int, []Verdict) {
	verdicts := make([]Verdict, len(c.Nodes))
	best, bestOwn, bestAll := -1, 0, 0
	for i, n := range c.Nodes {
		ok, reason := c.Fits(p, i)
		verdicts[i] = Verdict{Node: n.Name, OK: ok, Reason: reason}
		if !ok {
			continue
		}
		own := 0
		for _, q := range c.pods[i] {
			if q.Owner == p.Owner {
				own++
			}
		}
		if best < 0 || own < bestOwn || own == bestOwn && len(c.pods[i]) < bestAll {
			best, bestOwn, bestAll = i, own, len(c.pods[i])
		}
	}
	return best, verdicts
}

func why(vs []Verdict) string {
	reasons := make([]string, len(vs))
	for i, v := range vs {
		reasons[i] = v.Reason
	}
	return Summary(reasons)
}

// DaemonSetTolerations are the tolerations the DaemonSet controller adds
// to its pods; network-unavailable only to hostNetwork pods.
func DaemonSetTolerations(spec *corev1.PodSpec) []corev1.Toleration {
	out := []corev1.Toleration{
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	}
	if spec.HostNetwork {
		out = append(out, corev1.Toleration{Key: corev1.TaintNodeNetworkUnavailable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	return out
}

// PlaceDaemonSet puts a DaemonSet's pod on every node it can run on, as
// the DaemonSet controller decides (node affinity, nodeSelector, taints,
// with the tolerations it adds), and returns the verdicts. A pod whose
// requests the node cannot hold beside the pods already there is created
// but stays Pending: it runs nowhere and takes nothing.
func PlaceDaemonSet(c *Cluster, owner, namespace string, tmpl *corev1.PodTemplateSpec) []Verdict {
	spec := tmpl.Spec.DeepCopy()
	spec.Tolerations = append(spec.Tolerations, DaemonSetTolerations(spec)...)
	verdicts := make([]Verdict, len(c.Nodes))
	na := requiredNodeAffinity(spec)
	for i, n := range c.Nodes {
		p := newPod(owner, namespace, tmpl.Labels, spec, na)
		ok, reason := true, ""
		if !c.Synthetic {
			ok, reason = NodeFits(p, n)
		}
		if ok {
			ok, reason = c.resourcesFit(p, i)
		}
		verdicts[i] = Verdict{Node: n.Name, OK: ok, Reason: reason}
		if ok {
			c.Bind(p, i)
		}
	}
	return verdicts
}
