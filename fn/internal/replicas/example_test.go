package replicas_test

import (
	"github.com/csi-placement/csi-placement/fn/internal/replicas"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

// The count is edited in place: its comment stays.
func ExampleSet() {
	w := testutil.Read(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: csi-controller}
spec:
  replicas: 3 # from the chart
  template:
    spec:
      containers: [{name: csi-resizer}]
`)
	testutil.Show(w, replicas.Set{Count: 1}.Apply(w))
	// Output:
	// info: replicas 3 -> 1
	//   audit: `spec.replicas` must be 1, got 3
	// apiVersion: apps/v1
	// kind: StatefulSet
	// metadata: {name: csi-controller}
	// spec:
	//   replicas: 1 # from the chart
	//   template:
	//     spec:
	//       containers: [{name: csi-resizer}]
}
