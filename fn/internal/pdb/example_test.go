package pdb_test

import (
	"fmt"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/intstr"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/pdb"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
)

// A controller without a budget gets one that selects its own pods, in
// its namespace and its file; the workload itself is not edited.
func ExampleBudget() {
	w := testutil.Read(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: csi-controller
  namespace: kube-system
  annotations: {internal.config.kubernetes.io/path: csi.yaml}
spec:
  replicas: 2
  selector: {matchLabels: {app: csi-controller}}
  template:
    metadata: {labels: {app: csi-controller}}
    spec:
      containers: [{name: csi-provisioner}]
`)
	one := intstr.FromInt32(1)
	b := pdb.Budget{Spec: config.PodDisruptionBudget{MaxUnavailable: &one},
		Add: func(_ *workload.Workload, obj *kyaml.RNode) error {
			out, err := yaml.Marshal(obj.YNode())
			fmt.Print(string(out))
			return err
		}}
	for _, f := range b.Apply(w) {
		fmt.Printf("%s: %s\n", f.Severity, f.Message(false))
	}
	// Output:
	// apiVersion: policy/v1
	// kind: PodDisruptionBudget
	// metadata:
	//     name: csi-controller
	//     namespace: kube-system
	//     annotations:
	//         internal.config.kubernetes.io/path: csi.yaml
	// spec:
	//     selector:
	//         matchLabels: {app: csi-controller}
	//     maxUnavailable: 1
	// info: pod disruption budget: added PodDisruptionBudget csi-controller (maxUnavailable 1)
}
