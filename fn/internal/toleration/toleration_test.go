package toleration

import (
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

func TestAdd(t *testing.T) {
	cp := Add{Want: ControlPlane}
	for _, tc := range []struct {
		name, in, want string
		f              Add
		msgs           []string
	}{{
		name: "no tolerations: added after affinity, in the docs' key order",
		f:    cp,
		in: `
kind: Deployment
spec:
  template:
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      affinity: {}
      volumes: []
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      affinity: {}
      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoSchedule
      - key: node-role.kubernetes.io/controlplane
        operator: Exists
        effect: NoSchedule
      - key: node-role.kubernetes.io/master
        operator: Exists
        effect: NoSchedule
      - key: node-role.kubernetes.io/etcd
        operator: Exists
        effect: NoExecute
      - key: CriticalAddonsOnly
        operator: Exists
      volumes: []
`,
		msgs: []string{"info: tolerations: added node-role.kubernetes.io/control-plane:NoSchedule, node-role.kubernetes.io/controlplane:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd:NoExecute, CriticalAddonsOnly (any effect)"},
	}, {
		name: "Harvester's Equal tolerations with no value stay, and do not count",
		f:    cp,
		in: `
kind: Deployment
spec:
  template:
    spec:
      tolerations:
        - effect: NoSchedule
          key: kubevirt.io/drain
          operator: Exists
        - effect: NoSchedule # no value: misses control-plane=true
          key: node-role.kubernetes.io/control-plane
          operator: Equal
        - effect: NoExecute
          key: node-role.kubernetes.io/etcd
          operator: Equal
        - key: node-role.kubernetes.io/master
          operator: Exists
        - key: CriticalAddonsOnly
          operator: Exists
          effect: NoSchedule
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      tolerations:
        - effect: NoSchedule
          key: kubevirt.io/drain
          operator: Exists
        - effect: NoSchedule # no value: misses control-plane=true
          key: node-role.kubernetes.io/control-plane
          operator: Equal
        - effect: NoExecute
          key: node-role.kubernetes.io/etcd
          operator: Equal
        - key: node-role.kubernetes.io/master
          operator: Exists
        - key: CriticalAddonsOnly
          operator: Exists
          effect: NoSchedule
        - key: node-role.kubernetes.io/control-plane
          operator: Exists
          effect: NoSchedule
        - key: node-role.kubernetes.io/controlplane
          operator: Exists
          effect: NoSchedule
        - key: node-role.kubernetes.io/etcd
          operator: Exists
          effect: NoExecute
        - key: CriticalAddonsOnly
          operator: Exists
`,
		msgs: []string{"info: tolerations: added node-role.kubernetes.io/control-plane:NoSchedule, node-role.kubernetes.io/controlplane:NoSchedule, node-role.kubernetes.io/etcd:NoExecute, CriticalAddonsOnly (any effect)"},
	}, {
		name: "a wildcard Exists toleration covers everything",
		f:    cp,
		in: `
kind: Deployment
spec:
  template:
    spec:
      tolerations:
      - operator: Exists
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      tolerations:
      - operator: Exists
`,
	}, {
		name: "tolerationSeconds limits cover, extra tolerations, no duplicates among wanted",
		f: Add{Want: []config.Toleration{
			{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: "NoExecute"},
			{Key: "dedicated", Operator: "Equal", Value: "storage", Effect: "NoSchedule"},
			{Key: "dedicated", Operator: "Equal", Value: "storage", Effect: "NoSchedule"},
			{Key: "slow", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: ptr(int64(30))},
		}},
		in: `
kind: StatefulSet
spec:
  template:
    spec:
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
      - {key: slow, operator: Exists, effect: NoExecute, tolerationSeconds: 60}
`,
		want: `
kind: StatefulSet
spec:
  template:
    spec:
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
      - {key: slow, operator: Exists, effect: NoExecute, tolerationSeconds: 60}
      - key: node.kubernetes.io/unreachable
        operator: Exists
        effect: NoExecute
      - key: dedicated
        operator: Equal
        value: storage
        effect: NoSchedule
`,
		msgs: []string{"info: tolerations: added node.kubernetes.io/unreachable:NoExecute, dedicated=storage:NoSchedule"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.Run(t, tc.f.Apply, tc.in, tc.want, tc.msgs...)
		})
	}
}

func ptr[T any](v T) *T { return &v }
