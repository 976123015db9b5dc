// Package controlplane knows how each Kubernetes distribution labels and
// taints its control-plane nodes (the table in the README, from the
// distributions' own sources), for the checks that must hold on all of
// them when the input has no Node inventory.
package controlplane

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Distribution is how one distribution marks its control-plane nodes.
type Distribution struct {
	Name   string
	Labels map[string]string
	Taints []corev1.Taint
}

const role = "node-role.kubernetes.io/"

// Distributions are the control-plane nodes as each distribution makes
// them today: kubeadm 1.24+ and Talos dropped `master`, K3s/RKE2 nodes
// stop getting it from v1.34.
var Distributions = []Distribution{
	{Name: "kubeadm", Labels: map[string]string{role + "control-plane": ""},
		Taints: []corev1.Taint{{Key: role + "control-plane", Effect: corev1.TaintEffectNoSchedule}}},
	{Name: "K3s/RKE2", Labels: map[string]string{role + "control-plane": "true", role + "etcd": "true"}},
	{Name: "Rancher-provisioned RKE2/K3s", Labels: map[string]string{role + "control-plane": "true", role + "etcd": "true"},
		Taints: []corev1.Taint{{Key: role + "control-plane", Value: "true", Effect: corev1.TaintEffectNoSchedule}, {Key: role + "etcd", Value: "true", Effect: corev1.TaintEffectNoExecute}}},
	{Name: "RKE1", Labels: map[string]string{role + "controlplane": "true", role + "etcd": "true"},
		Taints: []corev1.Taint{{Key: role + "controlplane", Value: "true", Effect: corev1.TaintEffectNoSchedule}, {Key: role + "etcd", Value: "true", Effect: corev1.TaintEffectNoExecute}}},
	{Name: "Harvester", Labels: map[string]string{role + "control-plane": "true", role + "etcd": "true", role + "master": "true", "node-role.harvesterhci.io/management": "true"}},
	{Name: "OpenShift", Labels: map[string]string{role + "master": "", role + "control-plane": ""},
		Taints: []corev1.Taint{{Key: role + "master", Effect: corev1.TaintEffectNoSchedule}}},
	{Name: "Talos", Labels: map[string]string{role + "control-plane": ""},
		Taints: []corev1.Taint{{Key: role + "control-plane", Effect: corev1.TaintEffectNoSchedule}}},
}

// Node is a control-plane node of the distribution, with only its role
// labels: what a check may rely on without an inventory.
func (d Distribution) Node() *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: d.Name, Labels: d.Labels}, Spec: corev1.NodeSpec{Taints: d.Taints}}
}

// IsRoleKey reports whether a label key is a node role, which the
// distributions table describes; other keys it cannot judge.
func IsRoleKey(k string) bool {
	return len(k) > len(role) && k[:len(role)] == role || k == "node-role.harvesterhci.io/management"
}

// Taints are the taints of every distribution's control-plane nodes, each
// once, the NoSchedule ones first: what a pod must tolerate to run on any
// of them when the input has no Node objects. The values count: an Equal
// toleration without a value does not tolerate control-plane=true.
func Taints() []corev1.Taint {
	var out []corev1.Taint
	for _, d := range Distributions {
		for _, t := range d.Taints {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b corev1.Taint) int {
		return rank(a.Effect) - rank(b.Effect)
	})
	return out
}

func rank(e corev1.TaintEffect) int {
	if e == corev1.TaintEffectNoSchedule {
		return 0
	}
	return 1
}
