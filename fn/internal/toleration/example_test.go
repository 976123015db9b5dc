package toleration_test

import (
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/internal/toleration"
)

// The Harvester chart's toleration (Equal, no value) misses the
// control-plane=true taint: every control-plane toleration is added after
// it, and the chart's stays as it is.
func ExampleAdd() {
	w := testutil.Read(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-controller}
spec:
  template:
    spec:
      containers: [{name: csi-attacher}]
      tolerations:
      - key: node-role.kubernetes.io/control-plane # the chart's
        operator: Equal
        effect: NoSchedule
      - {key: CriticalAddonsOnly, operator: Exists}
`)
	testutil.Show(w, toleration.Add{Want: toleration.ControlPlane}.Apply(w))
	// Output:
	// info: tolerations: added node-role.kubernetes.io/control-plane:NoSchedule, node-role.kubernetes.io/controlplane:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd:NoExecute
	//   audit: `spec.template.spec.tolerations` must tolerate node-role.kubernetes.io/control-plane:NoSchedule, node-role.kubernetes.io/controlplane:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd:NoExecute
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata: {name: csi-controller}
	// spec:
	//   template:
	//     spec:
	//       containers: [{name: csi-attacher}]
	//       tolerations:
	//       - key: node-role.kubernetes.io/control-plane # the chart's
	//         operator: Equal
	//         effect: NoSchedule
	//       - {key: CriticalAddonsOnly, operator: Exists}
	//       - key: node-role.kubernetes.io/control-plane
	//         operator: Exists
	//         effect: NoSchedule
	//       - key: node-role.kubernetes.io/controlplane
	//         operator: Exists
	//         effect: NoSchedule
	//       - key: node-role.kubernetes.io/master
	//         operator: Exists
	//         effect: NoSchedule
	//       - key: node-role.kubernetes.io/etcd
	//         operator: Exists
	//         effect: NoExecute
}
