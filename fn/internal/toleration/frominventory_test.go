package toleration

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

// nodes reads Node objects from YAML documents.
func nodes(t *testing.T, docs ...string) []*corev1.Node {
	t.Helper()
	var out []*corev1.Node
	for _, d := range docs {
		n := &corev1.Node{}
		if err := yaml.UnmarshalStrict([]byte(d), n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// TestFromTaints: the tolerations of the inventory's control-plane taints
// are Equal, with the value as found (none for a taint without one), each
// once in node order, NoSchedule and NoExecute only; added to a workload,
// an existing toleration that already tolerates a taint is kept and not
// repeated, and a second run changes nothing.
func TestFromTaints(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nodes []string
		in    string
		want  string
		msgs  []string
	}{{
		name: "kubeadm: control-plane:NoSchedule without a value, twice, once",
		nodes: []string{
			"metadata: {name: cp-1}\nspec: {taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}",
			"metadata: {name: cp-2}\nspec: {taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}",
		},
		in: `
kind: Deployment
spec:
  template:
    spec:
      containers: []
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      containers: []
      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Equal
        effect: NoSchedule
`,
		msgs: []string{"info: tolerations: added node-role.kubernetes.io/control-plane=:NoSchedule"},
	}, {
		name: "RKE2 with values, in node order; PreferNoSchedule left out",
		nodes: []string{
			"metadata: {name: cp-1}\nspec: {taints: [{key: node-role.kubernetes.io/etcd, value: \"true\", effect: NoExecute}, {key: example.com/busy, value: \"true\", effect: PreferNoSchedule}]}",
			"metadata: {name: cp-2}\nspec: {taints: [{key: node-role.kubernetes.io/control-plane, value: \"true\", effect: NoSchedule}, {key: node-role.kubernetes.io/etcd, value: \"true\", effect: NoExecute}]}",
		},
		in: `
kind: StatefulSet
spec:
  template:
    spec:
      containers: []
`,
		want: `
kind: StatefulSet
spec:
  template:
    spec:
      containers: []
      tolerations:
      - key: node-role.kubernetes.io/etcd
        operator: Equal
        value: "true"
        effect: NoExecute
      - key: node-role.kubernetes.io/control-plane
        operator: Equal
        value: "true"
        effect: NoSchedule
`,
		msgs: []string{"info: tolerations: added node-role.kubernetes.io/etcd=true:NoExecute, node-role.kubernetes.io/control-plane=true:NoSchedule"},
	}, {
		name: "an existing Exists toleration covers the taint: kept, nothing added",
		nodes: []string{
			"metadata: {name: cp-1}\nspec: {taints: [{key: node-role.kubernetes.io/control-plane, value: \"true\", effect: NoSchedule}]}",
		},
		in: `
kind: Deployment
spec:
  template:
    spec:
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, operator: Exists}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, operator: Exists}
`,
	}, {
		name: "an Equal toleration without a value does not cover a taint with one",
		nodes: []string{
			"metadata: {name: cp-1}\nspec: {taints: [{key: node-role.kubernetes.io/control-plane, value: \"true\", effect: NoSchedule}]}",
		},
		in: `
kind: Deployment
spec:
  template:
    spec:
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, operator: Equal, effect: NoSchedule}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, operator: Equal, effect: NoSchedule}
      - key: node-role.kubernetes.io/control-plane
        operator: Equal
        value: "true"
        effect: NoSchedule
`,
		msgs: []string{"info: tolerations: added node-role.kubernetes.io/control-plane=true:NoSchedule"},
	}, {
		name: "no taints, or only PreferNoSchedule ones: nothing to add",
		nodes: []string{
			"metadata: {name: cp-1}",
			"metadata: {name: cp-2}\nspec: {taints: [{key: example.com/busy, effect: PreferNoSchedule}]}",
		},
		in: `
kind: Deployment
spec:
  template:
    spec: {}
`,
		want: `
kind: Deployment
spec:
  template:
    spec: {}
`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := Add{Want: FromTaints(nodes(t, tc.nodes...))}
			for _, w := range f.Want {
				if w.Key == "" || w.Operator != "Equal" || w.Effect != "NoSchedule" && w.Effect != "NoExecute" {
					t.Errorf("not an exact toleration of a blocking taint: %+v", w)
				}
			}
			testutil.Run(t, f.Apply, tc.in, tc.want, tc.msgs...)
		})
	}
}
