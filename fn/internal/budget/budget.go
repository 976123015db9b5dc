// Package budget adds up, on each control-plane node of a Node inventory,
// what the controllers the policy places there (and the node plugins it
// lets run there) request, and compares it with the node's allocatable
// cpu and memory.
package budget

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/csi-placement/csi-placement/fn/internal/results"
)

// Pods are pods of one workload that land on nodes: what one pod
// requests (api.Requests), and a node per pod.
type Pods struct {
	Workload    string
	CPU, Memory resource.Quantity
	Nodes       []string
}

// Use is what one workload's pods request on a node.
type Use struct {
	Workload    string
	Pods        int
	CPU, Memory resource.Quantity
}

// Node is a control-plane node's sums.
type Node struct {
	Name string
	// Allocatable is the node's status.allocatable cpu and memory; Known
	// is false when the Node object has none.
	AllocCPU, AllocMemory resource.Quantity
	Known                 bool
	Uses                  []Use
	CPU, Memory           resource.Quantity
}

// Sum adds up pods on the control-plane nodes among nodes (isCP says which
// are), in the inventory's order; nodes no pod lands on are left out.
func Sum(nodes []*corev1.Node, isCP func(*corev1.Node) bool, pods []Pods) []Node {
	var out []Node
	for _, n := range nodes {
		if !isCP(n) {
			continue
		}
		node := Node{Name: n.Name}
		node.AllocCPU, node.Known = n.Status.Allocatable[corev1.ResourceCPU]
		mem, ok := n.Status.Allocatable[corev1.ResourceMemory]
		node.AllocMemory, node.Known = mem, node.Known && ok
		for _, p := range pods {
			count := 0
			for _, at := range p.Nodes {
				if at == n.Name {
					count++
				}
			}
			if count == 0 {
				continue
			}
			u := Use{Workload: p.Workload, Pods: count}
			for range count {
				u.CPU.Add(p.CPU)
				u.Memory.Add(p.Memory)
			}
			node.Uses = append(node.Uses, u)
			node.CPU.Add(u.CPU)
			node.Memory.Add(u.Memory)
		}
		if len(node.Uses) > 0 {
			out = append(out, node)
		}
	}
	return out
}

// Share is used's share of alloc in percent, rounded up so that any use
// over a bound shows over it.
func Share(used, alloc resource.Quantity) int {
	if alloc.MilliValue() <= 0 {
		return 0
	}
	return int((used.MilliValue()*100 + alloc.MilliValue() - 1) / alloc.MilliValue())
}

// Check judges each node: an error when the pods request more than its
// allocatable cpu or memory (the scheduler would leave some Pending), a
// warning over maxShare percent of it. A node without allocatable values
// is an info: it cannot be judged.
func Check(nodes []Node, maxShare int) []Finding {
	var out []Finding
	var unknown []string
	for _, n := range nodes {
		if !n.Known {
			if !n.CPU.IsZero() || !n.Memory.IsZero() {
				unknown = append(unknown, n.Name) // nothing requested fits anywhere
			}
			continue
		}
		cpu, mem := Share(n.CPU, n.AllocCPU), Share(n.Memory, n.AllocMemory)
		var sev results.Severity
		var why string
		switch {
		case n.CPU.Cmp(n.AllocCPU) > 0 || n.Memory.Cmp(n.AllocMemory) > 0:
			sev, why = results.Error, "more than the node can allocate: the scheduler would leave pods Pending"
		case cpu > maxShare || mem > maxShare:
			sev, why = results.Warning, fmt.Sprintf("more than the %d%% of `spec.controlPlaneBudget.maxShare`, beside the API server and etcd", maxShare)
		default:
			continue
		}
		out = append(out, Finding{Node: n.Name, Severity: sev, Message: fmt.Sprintf(
			"control-plane budget: the pods the policy places on this node request %s; %s (%s)", n.Usage(), why, n.Breakdown())})
	}
	if len(unknown) > 0 {
		have := "have"
		if len(unknown) == 1 {
			have = "has"
		}
		out = append(out, Finding{Severity: results.Info, Message: fmt.Sprintf(
			"control-plane budget: %s (%s) %s no `status.allocatable`, so what the placed pods request there is not checked (`kubectl get nodes -o yaml` includes it)",
			results.Count(len(unknown), "control-plane node"), strings.Join(unknown, ", "), have)})
	}
	return out
}

// Finding is a judgement on one node (Node is empty for one on several).
type Finding struct {
	Node     string
	Severity results.Severity
	Message  string
}

// Usage words the node's sums against its allocatable values.
func (n Node) Usage() string {
	if !n.Known {
		return fmt.Sprintf("cpu %s, memory %s", Millis(n.CPU), n.Memory.String())
	}
	return fmt.Sprintf("cpu %s of %s allocatable (%d%%), memory %s of %s (%d%%)",
		Millis(n.CPU), Millis(n.AllocCPU), Share(n.CPU, n.AllocCPU),
		n.Memory.String(), n.AllocMemory.String(), Share(n.Memory, n.AllocMemory))
}

// Millis writes a cpu quantity in millicores, so that sums and
// allocatable values read alike ("40m of 1000m", not "40m of 1").
func Millis(q resource.Quantity) string {
	return fmt.Sprintf("%dm", q.MilliValue())
}

// Breakdown lists each workload's part.
func (n Node) Breakdown() string {
	parts := make([]string, len(n.Uses))
	for i, u := range n.Uses {
		parts[i] = fmt.Sprintf("%s: %s, cpu %s, memory %s", u.Workload, results.Count(u.Pods, "pod"), Millis(u.CPU), u.Memory.String())
	}
	return strings.Join(parts, "; ")
}
