package budget

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/csi-placement/csi-placement/fn/internal/results"
)

func list(cpu, mem string) corev1.ResourceList {
	l := corev1.ResourceList{}
	if cpu != "" {
		l[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if mem != "" {
		l[corev1.ResourceMemory] = resource.MustParse(mem)
	}
	return l
}

func node(name string, cp bool, cpu, mem string) *corev1.Node {
	n := &corev1.Node{}
	n.Name = name
	if cp {
		n.Labels = map[string]string{"node-role.kubernetes.io/control-plane": ""}
	}
	if cpu != "" {
		n.Status.Allocatable = list(cpu, mem)
	}
	return n
}

func TestSumAndCheck(t *testing.T) {
	nodes := []*corev1.Node{
		node("cp-1", true, "2", "2Gi"), node("cp-2", true, "2", "2Gi"), node("cp-3", true, "", ""),
		node("worker-1", false, "8", "32Gi"),
	}
	isCP := func(n *corev1.Node) bool { _, ok := n.Labels["node-role.kubernetes.io/control-plane"]; return ok }
	pods := []Pods{
		{Workload: "Deployment kube-system/a", CPU: resource.MustParse("50m"), Memory: resource.MustParse("128Mi"), Nodes: []string{"cp-1", "cp-2", "worker-1"}},
		{Workload: "Deployment kube-system/b", CPU: resource.MustParse("100m"), Memory: resource.MustParse("1Gi"), Nodes: []string{"cp-2", "cp-2", "cp-3"}},
		{Workload: "DaemonSet kube-system/plugin", CPU: resource.MustParse("10m"), Memory: resource.MustParse("20Mi"), Nodes: []string{"cp-1", "cp-2", "cp-3", "worker-1"}},
	}
	sums := Sum(nodes, isCP, pods)
	if len(sums) != 3 {
		t.Fatalf("want the 3 control-plane nodes, got %+v", sums)
	}
	if got := sums[0].Usage(); got != "cpu 60m of 2000m allocatable (3%), memory 148Mi of 2Gi (8%)" {
		t.Errorf("cp-1: %s", got)
	}
	if got := sums[1].Breakdown(); got != "Deployment kube-system/a: 1 pod, cpu 50m, memory 128Mi; Deployment kube-system/b: 2 pods, cpu 200m, memory 2Gi; DaemonSet kube-system/plugin: 1 pod, cpu 10m, memory 20Mi" {
		t.Errorf("cp-2: %s", got)
	}
	fs := Check(sums, 10)
	want := []struct {
		node string
		sev  results.Severity
		text string
	}{
		{"cp-2", results.Error, "control-plane budget: the pods the policy places on this node request cpu 260m of 2000m allocatable (13%), memory 2196Mi of 2Gi (108%); more than the node can allocate"},
		{"", results.Info, "control-plane budget: 1 control-plane node (cp-3) has no `status.allocatable`"},
	}
	if len(fs) != len(want) {
		t.Fatalf("got %+v", fs)
	}
	for i, w := range want {
		if fs[i].Node != w.node || fs[i].Severity != w.sev || !strings.HasPrefix(fs[i].Message, w.text) {
			t.Errorf("finding %d: got %+v, want %s %q", i, fs[i], w.sev, w.text)
		}
	}
	// cp-1 is at 8% of its memory: over a 5% share it is a warning.
	fs = Check(sums[:1], 5)
	if len(fs) != 1 || fs[0].Severity != results.Warning || !strings.Contains(fs[0].Message, "more than the 5% of `spec.controlPlaneBudget.maxShare`") {
		t.Errorf("got %+v", fs)
	}
}
