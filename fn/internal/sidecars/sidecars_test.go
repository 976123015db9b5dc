package sidecars

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
)

const harvester = `
kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: csi-provisioner
        args: [--v=5, --leader-election, --leader-election-namespace=$(POD_NAMESPACE)]
      - name: csi-resizer
        args: ["-leader-election"]
      - name: csi-snapshotter
        image: rancher/mirrored-longhornio-csi-snapshotter:v8.5.0
        args: [--v=5, --csi-address=$(ADDRESS)]
        env: [{name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]
      - name: monitor
        image: registry.k8s.io/sig-storage/csi-external-health-monitor-controller:v0.13.0
        args: [--leader-election=false]
      - name: driver
        args: [--endpoint=$(CSI_ENDPOINT)]
`

func TestCheck(t *testing.T) {
	warn := "warning: leader election: container \"csi-snapshotter\" runs without leader election beside other replicas, so the replicas act at once and race; enable it (spec.sidecars.leaderElection: Add)"
	monitor := "warning: leader election: container \"monitor\" runs without leader election beside other replicas, so the replicas act at once and race; enable it (spec.sidecars.leaderElection: Add)"
	testutil.Run(t, LeaderElection{Mode: config.Check}.Apply, harvester, harvester, warn, monitor)

	w := testutil.Workload(t, harvester)
	fs := LeaderElection{Mode: config.Check, Audit: true}.Apply(w)
	if len(fs) != 2 || fs[0].Severity != "error" || fs[0].Field != "spec.template.spec.containers[2].args" {
		t.Errorf("Audit mode: want an error per container, got %+v", fs)
	}
	if fs := (LeaderElection{Mode: config.Ignore}).Apply(w); len(fs) != 0 {
		t.Errorf("Ignore: got %+v", fs)
	}
	one := testutil.Workload(t, "kind: Deployment\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers: [{name: csi-attacher}]\n")
	if fs := (LeaderElection{Mode: config.Check}).Apply(one); len(fs) != 0 {
		t.Errorf("one replica needs no leader election, got %+v", fs)
	}
}

func TestAdd(t *testing.T) {
	testutil.Run(t, LeaderElection{Mode: config.Add}.Apply, harvester, `
kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: csi-provisioner
        args: [--v=5, --leader-election, --leader-election-namespace=$(POD_NAMESPACE)]
      - name: csi-resizer
        args: ["-leader-election"]
      - name: csi-snapshotter
        image: rancher/mirrored-longhornio-csi-snapshotter:v8.5.0
        args: [--v=5, --csi-address=$(ADDRESS), --leader-election, --leader-election-namespace=$(POD_NAMESPACE)]
        env: [{name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]
      - name: monitor
        image: registry.k8s.io/sig-storage/csi-external-health-monitor-controller:v0.13.0
        args: [--leader-election=true]
      - name: driver
        args: [--endpoint=$(CSI_ENDPOINT)]
`, "info: leader election: added to csi-snapshotter (--leader-election --leader-election-namespace=$(POD_NAMESPACE)), monitor (--leader-election=true)")

	testutil.Run(t, LeaderElection{Mode: config.Add}.Apply, `
kind: StatefulSet
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: csi-attacher
        image: csi-attacher
`, `
kind: StatefulSet
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: csi-attacher
        image: csi-attacher
        args:
        - --leader-election
`, "info: leader election: added to csi-attacher (--leader-election)")
}

// raisedBy is a policy that raised w's replicas from 1.
func raisedBy(w *workload.Workload, mode string, leases Access) LeaderElection {
	return LeaderElection{Mode: mode, Before: map[*krmio.Item]int{w.Item: 1},
		Leases: func(string, string) Access { return leases }}
}

const raised = `
kind: Deployment
metadata: {name: c, namespace: kube-system}
spec:
  replicas: 3
  template:
    spec:
      serviceAccountName: ctrl
      containers:
      - name: snapshot-controller
        image: registry.k8s.io/sig-storage/snapshot-controller:v8.2.0
      - name: manager
        args: [--leader-elect=false]
      - name: driver
`

// TestRaised: when the policy itself raises replicas above 1, Auto (the
// default) enables leader election in every leader-electing container
// (known ones, and any with a flag of the family), unless the input's
// RBAC denies leases; Check makes the race an error.
func TestRaised(t *testing.T) {
	added := `
kind: Deployment
metadata: {name: c, namespace: kube-system}
spec:
  replicas: 3
  template:
    spec:
      serviceAccountName: ctrl
      containers:
      - name: snapshot-controller
        image: registry.k8s.io/sig-storage/snapshot-controller:v8.2.0
        args:
        - --leader-election
      - name: manager
        args: [--leader-elect=true]
      - name: driver
`
	testutil.Run(t, func(w *workload.Workload) []results.Finding { return raisedBy(w, config.Auto, Granted).Apply(w) }, raised, added,
		"info: leader election: added to snapshot-controller (--leader-election), manager (--leader-elect=true), as the policy raises replicas 1 -> 3")
	testutil.Run(t, func(w *workload.Workload) []results.Finding { return raisedBy(w, config.Auto, Unknown).Apply(w) }, raised, added,
		"info: leader election: added to snapshot-controller (--leader-election), manager (--leader-elect=true), as the policy raises replicas 1 -> 3 (ServiceAccount kube-system/ctrl needs get, create and update on leases, coordination.k8s.io)")
	testutil.Run(t, func(w *workload.Workload) []results.Finding { return raisedBy(w, config.Auto, Denied).Apply(w) }, raised, raised,
		"error: leader election: \"snapshot-controller\", \"manager\" must elect a leader with 3 replicas, but the input's RBAC gives ServiceAccount kube-system/ctrl no access to leases (coordination.k8s.io: get, create, update), so the flag alone would leave them leaderless: grant it (many charts render it when replicas > 1), or keep `spec.replicas` at 1")
	w := testutil.Workload(t, raised)
	fs := raisedBy(w, config.Check, Granted).Apply(w)
	if len(fs) != 2 || fs[0].Severity != results.Error || !strings.Contains(fs[0].Message(false), "once the policy raises replicas 1 -> 3") {
		t.Errorf("Check, raised by the policy: %+v", fs)
	}
	// Auto leaves the input's own replicas to a warning.
	w = testutil.Workload(t, raised)
	if fs := (LeaderElection{Mode: config.Auto, Before: map[*krmio.Item]int{w.Item: 3}}).Apply(w); len(fs) != 2 || fs[0].Severity != results.Warning {
		t.Errorf("Auto, replicas from the input: %+v", fs)
	}
}

func TestLeases(t *testing.T) {
	s, err := krmio.ParseStream([]byte(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: provisioner}
rules:
- {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, watch, list, delete, update, create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: provisioner}
subjects: [{kind: ServiceAccount, name: ctrl, namespace: kube-system}]
roleRef: {kind: ClusterRole, name: provisioner, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: ns}
rules: [{apiGroups: [""], resources: [configmaps], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: r, namespace: ns}
subjects: [{kind: ServiceAccount, name: other}]
roleRef: {kind: Role, name: r}
`), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var objs []*yaml.RNode
	for _, it := range s.Items {
		n, err := it.Node()
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, yaml.NewRNode(n))
	}
	leases, err := Leases(objs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns, sa string
		want   Access
	}{{"kube-system", "ctrl", Granted}, {"", "ctrl", Granted}, {"ns", "other", Denied}, {"kube-system", "nobody", Unknown}, {"other", "ctrl", Unknown}} {
		if got := leases(tc.ns, tc.sa); got != tc.want {
			t.Errorf("%s/%s: got %v, want %v", tc.ns, tc.sa, got, tc.want)
		}
	}
}
