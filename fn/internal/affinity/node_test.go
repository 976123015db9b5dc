package affinity

import (
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

// labels are the three control-plane labels, master among them, as a
// user who opts in to master writes them.
var labels = []string{"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/controlplane", "node-role.kubernetes.io/master"}

func TestNode(t *testing.T) {
	required := Node{Type: config.Required, Existing: config.Merge, Labels: labels}
	for _, tc := range []struct {
		name, in, want string
		f              Node
		msgs           []string
	}{{
		name: "no affinity: one term per label, placed after nodeSelector",
		f:    required,
		in: `
kind: Deployment
spec:
  template:
    spec:
      containers: []
      nodeSelector: {kubernetes.io/os: linux}
      tolerations: []
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      containers: []
      nodeSelector: {kubernetes.io/os: linux}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
            - matchExpressions:
              - key: node-role.kubernetes.io/controlplane
                operator: Exists
            - matchExpressions:
              - key: node-role.kubernetes.io/master
                operator: Exists
      tolerations: []
`,
		msgs: []string{"info: node affinity: required a control-plane node (3 terms, was 0)"},
	}, {
		name: "Harvester's rule already implies the policy: untouched, comments and all",
		f:    required,
		in: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            # For RKE1
            - matchExpressions:
              - key: node-role.kubernetes.io/controlplane
                operator: Exists
            # For RKE2
            - matchExpressions:
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            # For RKE1
            - matchExpressions:
              - key: node-role.kubernetes.io/controlplane
                operator: Exists
            # For RKE2
            - matchExpressions:
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
`,
	}, {
		name: "a zone rule and matchFields are ANDed into every policy term",
		f:    required,
		in: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: topology.kubernetes.io/zone, operator: In, values: [a, b]}
              matchFields:
              - {key: metadata.name, operator: NotIn, values: [n1]}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: topology.kubernetes.io/zone, operator: In, values: [a, b]}
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
              matchFields:
              - {key: metadata.name, operator: NotIn, values: [n1]}
            - matchExpressions:
              - {key: topology.kubernetes.io/zone, operator: In, values: [a, b]}
              - key: node-role.kubernetes.io/controlplane
                operator: Exists
              matchFields:
              - {key: metadata.name, operator: NotIn, values: [n1]}
            - matchExpressions:
              - {key: topology.kubernetes.io/zone, operator: In, values: [a, b]}
              - key: node-role.kubernetes.io/master
                operator: Exists
              matchFields:
              - {key: metadata.name, operator: NotIn, values: [n1]}
`,
		msgs: []string{"info: node affinity: required a control-plane node (3 terms, was 1)"},
	}, {
		name: "an In on a control-plane label implies Exists on it; the other terms are narrower and dropped",
		f:    required,
		in: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: node-role.kubernetes.io/master, operator: In, values: ["true"]}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: node-role.kubernetes.io/master, operator: In, values: ["true"]}
`,
	}, {
		name: "Replace drops the existing rule",
		f:    Node{Type: config.Required, Existing: config.Replace, Labels: labels[:1]},
		in: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: kubernetes.io/os, operator: In, values: [linux]}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
`,
		msgs: []string{"info: node affinity: required a control-plane node (1 terms, was 1)"},
	}, {
		name: "Preferred with Replace drops a hard-coded required rule and prefers each label",
		f:    Node{Type: config.Preferred, Existing: config.Replace, Labels: labels[:2]},
		in: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: node-role.kubernetes.io/control-plane, operator: Exists}
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 1
            preference:
              matchExpressions:
              - {key: eks.amazonaws.com/compute-type, operator: NotIn, values: [fargate]}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 1
            preference:
              matchExpressions:
              - {key: eks.amazonaws.com/compute-type, operator: NotIn, values: [fargate]}
          - weight: 100
            preference:
              matchExpressions:
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
          - weight: 100
            preference:
              matchExpressions:
              - key: node-role.kubernetes.io/controlplane
                operator: Exists
`,
		msgs: []string{
			"info: node affinity: dropped the required rule",
			"info: node affinity: preferred node-role.kubernetes.io/control-plane, node-role.kubernetes.io/controlplane",
		},
	}, {
		name: "Preferred with Merge keeps a required control-plane rule, and warns",
		f:    Node{Type: config.Preferred, Existing: config.Merge, Labels: labels[:1]},
		in: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: node-role.kubernetes.io/control-plane, operator: Exists}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: node-role.kubernetes.io/control-plane, operator: Exists}
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference:
              matchExpressions:
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
`,
		msgs: []string{
			"info: node affinity: preferred node-role.kubernetes.io/control-plane",
			"warning: node affinity: the workload's own required rule still asks for control-plane nodes, so on a cluster without them its pods stay Pending; set `spec.nodeAffinity.existing: Replace` to drop it",
		},
	}, {
		name: "an existing preference for a label gets weight 100, reported",
		f:    Node{Type: config.Preferred, Existing: config.Merge, Labels: labels[:1]},
		in: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 10 # too weak
            preference:
              matchExpressions:
              - {key: node-role.kubernetes.io/control-plane, operator: Exists}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100 # too weak
            preference:
              matchExpressions:
              - {key: node-role.kubernetes.io/control-plane, operator: Exists}
`,
		msgs: []string{"info: node affinity: node-role.kubernetes.io/control-plane weight 10 -> 100"},
	}, {
		name: "None with Replace removes the rule and the blocks it leaves empty",
		f:    Node{Type: config.None, Existing: config.Replace, Labels: labels},
		in: `
kind: Deployment
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: node-role.kubernetes.io/control-plane, operator: Exists}
      containers: []
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      containers: []
`,
		msgs: []string{"info: node affinity: dropped the required rule"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.Run(t, tc.f.Apply, tc.in, tc.want, tc.msgs...)
		})
	}
}
