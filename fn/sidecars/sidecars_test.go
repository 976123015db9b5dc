package sidecars

import (
	"testing"

	"github.com/csi-placement/csi-placement/fn/config"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
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
	warn := "warning: leader election: container \"csi-snapshotter\" runs without --leader-election beside other replicas, so they act at once and race; add it (spec.sidecars.leaderElection: Add)"
	monitor := "warning: leader election: container \"monitor\" runs without --leader-election beside other replicas, so they act at once and race; add it (spec.sidecars.leaderElection: Add)"
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
        args: [--leader-election]
      - name: driver
        args: [--endpoint=$(CSI_ENDPOINT)]
`, "info: leader election: added to csi-snapshotter (--leader-election --leader-election-namespace=$(POD_NAMESPACE)), monitor (--leader-election)")

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
