package sidecars_test

import (
	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/sidecars"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

// With several replicas, each leader-electing sidecar must elect a
// leader: the flag is added where it is missing, and turned on where it is
// off.
func ExampleLeaderElection() {
	w := testutil.Read(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-controller, namespace: kube-system}
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: csi-provisioner
        args: [--csi-address=$(ADDRESS), --leader-election]
      - name: csi-snapshotter
        args: [--csi-address=$(ADDRESS)]
      - name: csi-resizer
        args: [--leader-election=false]
      - name: driver
`)
	testutil.Show(w, sidecars.LeaderElection{Mode: config.Add}.Apply(w))
	// Output:
	// info: leader election: added to csi-snapshotter (--leader-election), csi-resizer (--leader-election=true)
	//   audit: containers csi-snapshotter, csi-resizer must run with leader election beside other replicas
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata: {name: csi-controller, namespace: kube-system}
	// spec:
	//   replicas: 3
	//   template:
	//     spec:
	//       containers:
	//       - name: csi-provisioner
	//         args: [--csi-address=$(ADDRESS), --leader-election]
	//       - name: csi-snapshotter
	//         args: [--csi-address=$(ADDRESS), --leader-election]
	//       - name: csi-resizer
	//         args: [--leader-election=true]
	//       - name: driver
}
