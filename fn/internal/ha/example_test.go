package ha_test

import (
	"github.com/csi-placement/csi-placement/fn/internal/ha"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

// A priority class and a zone spread, each where the API puts it; a
// Deployment's spread counts each rollout's pods on their own.
func Example() {
	w := testutil.Read(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-controller}
spec:
  selector: {matchLabels: {app: csi-controller}}
  template:
    metadata: {labels: {app: csi-controller}}
    spec:
      containers: [{name: csi-provisioner}]
      tolerations: [{key: CriticalAddonsOnly, operator: Exists}]
`)
	var fs []results.Finding
	fs = append(fs, ha.Priority{Name: "system-cluster-critical"}.Apply(w)...)
	fs = append(fs, ha.Spread{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 1, WhenUnsatisfiable: "ScheduleAnyway"}.Apply(w)...)
	testutil.Show(w, fs)
	// Output:
	// info: priorityClassName: set system-cluster-critical
	//   audit: `spec.template.spec.priorityClassName` must be set to system-cluster-critical
	// info: topology spread: added maxSkew 1 on topology.kubernetes.io/zone (ScheduleAnyway)
	//   audit: `spec.template.spec.topologySpreadConstraints` must spread the workload's own pods over topology.kubernetes.io/zone
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata: {name: csi-controller}
	// spec:
	//   selector: {matchLabels: {app: csi-controller}}
	//   template:
	//     metadata: {labels: {app: csi-controller}}
	//     spec:
	//       containers: [{name: csi-provisioner}]
	//       tolerations: [{key: CriticalAddonsOnly, operator: Exists}]
	//       priorityClassName: system-cluster-critical
	//       topologySpreadConstraints:
	//       - maxSkew: 1
	//         topologyKey: topology.kubernetes.io/zone
	//         whenUnsatisfiable: ScheduleAnyway
	//         labelSelector:
	//           matchLabels: {app: csi-controller}
	//         matchLabelKeys:
	//         - pod-template-hash
}
