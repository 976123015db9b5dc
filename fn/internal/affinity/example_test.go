package affinity_test

import (
	"github.com/csi-placement/csi-placement/fn/internal/affinity"
	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

// A controller with its own zone rule: the policy's control-plane terms
// are ANDed with it, and the new keys go where the API puts them.
func ExampleNode() {
	w := testutil.Read(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-controller, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: csi-provisioner}]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: topology.kubernetes.io/zone, operator: In, values: [a]}
`)
	f := affinity.Node{Type: config.Required, Existing: config.Merge, Labels: config.DefaultControlPlaneLabels}
	testutil.Show(w, f.Apply(w))
	// Output:
	// info: node affinity: required a control-plane node (2 terms, was 1)
	//   audit: `spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` must require a node with one of the labels node-role.kubernetes.io/control-plane, node-role.kubernetes.io/controlplane
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata: {name: csi-controller, namespace: kube-system}
	// spec:
	//   template:
	//     spec:
	//       containers: [{name: csi-provisioner}]
	//       affinity:
	//         nodeAffinity:
	//           requiredDuringSchedulingIgnoredDuringExecution:
	//             nodeSelectorTerms:
	//             - matchExpressions:
	//               - {key: topology.kubernetes.io/zone, operator: In, values: [a]}
	//               - key: node-role.kubernetes.io/control-plane
	//                 operator: Exists
	//             - matchExpressions:
	//               - {key: topology.kubernetes.io/zone, operator: In, values: [a]}
	//               - key: node-role.kubernetes.io/controlplane
	//                 operator: Exists
}

// A hard-coded selector that no longer selects the workload's pods does
// not count: a term on the workload's own selector is added beside it.
func ExamplePodAnti() {
	w := testutil.Read(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-controller}
spec:
  selector:
    matchLabels: {app: renamed}
  template:
    metadata:
      labels: {app: renamed}
    spec:
      containers: [{name: csi-provisioner}]
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: csi-controller}}
              topologyKey: kubernetes.io/hostname
`)
	f := affinity.PodAnti{Type: config.Required, Weight: 100, TopologyKey: "kubernetes.io/hostname"}
	testutil.Show(w, f.Apply(w))
	// Output:
	// warning: pod anti-affinity: the term at `spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm` selects none of the workload's own pods, so it does not spread them (a hard-coded selector after a rename, or no labelSelector)
	// info: pod anti-affinity: added a required term on kubernetes.io/hostname selecting the workload's own pods
	//   audit: `spec.template.spec.affinity.podAntiAffinity` must have a required term on kubernetes.io/hostname that selects the workload's own pods
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata: {name: csi-controller}
	// spec:
	//   selector:
	//     matchLabels: {app: renamed}
	//   template:
	//     metadata:
	//       labels: {app: renamed}
	//     spec:
	//       containers: [{name: csi-provisioner}]
	//       affinity:
	//         podAntiAffinity:
	//           requiredDuringSchedulingIgnoredDuringExecution:
	//           - labelSelector:
	//               matchLabels: {app: renamed}
	//             topologyKey: kubernetes.io/hostname
	//           preferredDuringSchedulingIgnoredDuringExecution:
	//           - weight: 100
	//             podAffinityTerm:
	//               labelSelector: {matchLabels: {app: csi-controller}}
	//               topologyKey: kubernetes.io/hostname
}
