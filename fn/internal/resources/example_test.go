package resources_test

import (
	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/resources"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

// Requests from the documented defaults, and a memory limit, for a
// controller whose chart sets none; the driver's own request is kept.
func Example() {
	w := testutil.Read(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-controller}
spec:
  template:
    spec:
      containers:
      - name: csi-provisioner
        image: registry.k8s.io/sig-storage/csi-provisioner:v5.0.1
      - name: driver
        image: example.com/driver:v1
        resources:
          requests: {cpu: 100m}
`)
	testutil.Show(w, resources.Requests{Mode: config.Add, MemoryLimit: true}.Apply(w))
	// Output:
	// info: resources: container "csi-provisioner" requests cpu 10m, memory 20Mi, memory limit 400Mi (csi-provisioner defaults)
	//   audit: `spec.template.spec.containers[0].resources` must request cpu and memory and set a memory limit: container "csi-provisioner" requests neither cpu nor memory and has no memory limit (the policy would add requests cpu 10m, memory 20Mi, memory limit 400Mi)
	// info: resources: container "driver" requests memory 40Mi, memory limit 256Mi (driver defaults)
	//   audit: `spec.template.spec.containers[1].resources` must request memory and set a memory limit: container "driver" requests no memory and has no memory limit (the policy would add requests memory 40Mi, memory limit 256Mi)
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata: {name: csi-controller}
	// spec:
	//   template:
	//     spec:
	//       containers:
	//       - name: csi-provisioner
	//         image: registry.k8s.io/sig-storage/csi-provisioner:v5.0.1
	//         resources:
	//           limits:
	//             memory: 400Mi
	//           requests:
	//             cpu: 10m
	//             memory: 20Mi
	//       - name: driver
	//         image: example.com/driver:v1
	//         resources:
	//           limits:
	//             memory: 256Mi
	//           requests: {cpu: 100m, memory: 40Mi}
}
