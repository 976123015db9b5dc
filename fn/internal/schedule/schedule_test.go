package schedule

import (
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
)

// nodes is `kubectl get nodes -o yaml` as kubectl writes it: a v1 List,
// beside a lone Node and something else.
const nodes = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata:
    name: cp-0
    labels: {kubernetes.io/os: linux, node-role.kubernetes.io/control-plane: ""}
  spec:
    taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]
- apiVersion: v1
  kind: Node
  metadata:
    name: rke1-cp
    labels: {kubernetes.io/os: linux, node-role.kubernetes.io/controlplane: "true"}
  spec:
    taints: [{key: node-role.kubernetes.io/controlplane, value: "true", effect: NoSchedule}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: not-a-node}
metadata: {resourceVersion: ""}
---
apiVersion: v1
kind: Node
metadata:
  name: worker
  labels: {kubernetes.io/os: linux}
spec:
  taints: [{key: gpu, value: "true", effect: PreferNoSchedule}]
---
apiVersion: v1
kind: Node
metadata:
  name: windows
  labels: {kubernetes.io/os: windows, node-role.kubernetes.io/control-plane: ""}
`

const controller = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctrl, namespace: kube-system}
spec:
  replicas: 3
  selector: {matchLabels: {app: ctrl}}
  template:
    metadata: {labels: {app: ctrl}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: node-role.kubernetes.io/control-plane, operator: Exists}]
            - matchExpressions: [{key: node-role.kubernetes.io/controlplane, operator: Exists}]
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: ctrl}}
            topologyKey: kubernetes.io/hostname
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
      - {key: node-role.kubernetes.io/controlplane, operator: Equal, effect: NoSchedule}
`

func TestProve(t *testing.T) {
	s, err := krmio.ParseStream([]byte(nodes), "nodes.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	inv, unmarked, err := Inventory(s.Items)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(unmarked, ", ") != "List, Node worker, Node windows" {
		t.Errorf("items not marked local-config: %v", unmarked)
	}
	var names []string
	for _, n := range inv {
		names = append(names, n.Name)
	}
	if strings.Join(names, " ") != "cp-0 rke1-cp worker windows" {
		t.Fatalf("inventory: %v", names)
	}

	prove := func(w *workload.Workload) (Proof, []results.Finding) {
		t.Helper()
		tg, err := ReadTarget(w)
		if err != nil {
			t.Fatal(err)
		}
		return Prove(w, tg, NewCluster(inv))
	}
	p, fs := prove(testutil.Workload(t, controller))
	want := []Verdict{
		{Node: "cp-0", OK: true},
		{Node: "rke1-cp", Reason: "untolerated taint node-role.kubernetes.io/controlplane=true:NoSchedule"},
		{Node: "worker", Reason: "missing label node-role.kubernetes.io/control-plane or node-role.kubernetes.io/controlplane"},
		{Node: "windows", Reason: `nodeSelector kubernetes.io/os=linux, node has "windows"`},
	}
	for i, v := range p.Verdicts {
		if v != want[i] {
			t.Errorf("verdict %d: got %+v, want %+v", i, v, want[i])
		}
	}
	if p.Replicas != 3 || strings.Join(p.Placement.Nodes, " ") != "cp-0" || p.Placement.Pending != 2 {
		t.Errorf("proof: %+v", p)
	}
	var msgs []string
	for _, f := range fs {
		msgs = append(msgs, string(f.Severity)+": "+f.Message(false))
	}
	if got := strings.Join(msgs, "\n"); got != "info: placement: schedulable on 1 of 4 nodes: cp-0\n"+
		"warning: placement: 1 of 3 replicas can be placed, 2 pods would stay Pending: 0/4 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 1 node(s) didn't match pod anti-affinity rules, 1 node(s) had untolerated taint {node-role.kubernetes.io/controlplane=true:NoSchedule}" {
		t.Errorf("findings:\n%s", got)
	}

	// Nowhere to go: an error naming each node's reason.
	_, fs = prove(testutil.Workload(t, strings.Replace(controller, "{kubernetes.io/os: linux}", "{kubernetes.io/os: plan9}", 1)))
	if len(fs) != 1 || fs[0].Severity != "error" || !strings.HasPrefix(fs[0].Message(false), "placement: no node of the inventory can run its pods, so they would stay Pending: cp-0 (nodeSelector kubernetes.io/os=plan9, node has \"linux\"); ") {
		t.Errorf("got %+v", fs)
	}
}

// TestInventoryReadsListsByMembers: a List's Nodes are its members that
// are v1 Nodes, the rule by which the policy leaves them out of the
// resources it places; a Node of another group is a resource, and an entry
// that is not a resource is an error naming it.
func TestInventoryReadsListsByMembers(t *testing.T) {
	in := "apiVersion: v1\nkind: List\nmetadata:\n  annotations: {config.kubernetes.io/local-config: \"true\"}\nitems:\n" +
		"- {apiVersion: v1, kind: Node, metadata: {name: cp-0}}\n" +
		"- {apiVersion: example.com/v1, kind: Node, metadata: {name: not-core}}\n"
	s, err := krmio.ParseStream([]byte(in), "nodes.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	inv, unmarked, err := Inventory(s.Items)
	var names []string
	for _, n := range inv {
		names = append(names, n.Name)
	}
	if err != nil || strings.Join(names, " ") != "cp-0" || len(unmarked) != 0 {
		t.Fatalf("inventory %v, unmarked %v, %v", names, unmarked, err)
	}
	s, err = krmio.ParseStream([]byte("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Node, metadata: {name: a}}\n- just text\n"), "nodes.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Inventory(s.Items); err == nil || !strings.Contains(err.Error(), "`items[1]` must be a mapping (a resource)") {
		t.Errorf("a List entry that is no resource: %v", err)
	}
}
