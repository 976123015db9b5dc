package affinity

import (
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

func TestPodAnti(t *testing.T) {
	preferred := PodAnti{Type: config.Preferred, Weight: 100, TopologyKey: "kubernetes.io/hostname"}
	const harvesterTerm = `
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchExpressions:
                - key: app.kubernetes.io/name
                  operator: In
                  values: [harvester-csi-driver]
                - key: component
                  operator: In
                  values: [csi-controllers]
              topologyKey: kubernetes.io/hostname
`
	for _, tc := range []struct {
		name, in, want string
		f              PodAnti
		msgs           []string
	}{{
		name: "none: a preferred term with the workload's own selector",
		f:    preferred,
		in: `
kind: Deployment
spec:
  selector:
    matchLabels: # the controller's pods
      app: csi-nfs-controller
    matchExpressions:
    - {key: tier, operator: NotIn, values: [test]}
  template:
    metadata:
      labels: {app: csi-nfs-controller}
    spec:
      containers: []
`,
		want: `
kind: Deployment
spec:
  selector:
    matchLabels: # the controller's pods
      app: csi-nfs-controller
    matchExpressions:
    - {key: tier, operator: NotIn, values: [test]}
  template:
    metadata:
      labels: {app: csi-nfs-controller}
    spec:
      containers: []
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchLabels:
                  app: csi-nfs-controller
                matchExpressions:
                - {key: tier, operator: NotIn, values: [test]}
              topologyKey: kubernetes.io/hostname
`,
		msgs: []string{"info: pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods"},
	}, {
		name: "Harvester's hard-coded term selects its own pods: it counts",
		f:    preferred,
		in: `
kind: Deployment
spec:
  selector:
    matchLabels: {component: csi-controllers, app.kubernetes.io/name: harvester-csi-driver}
  template:
    metadata:
      labels: {component: csi-controllers, app.kubernetes.io/name: harvester-csi-driver}
    spec:
      affinity:
        podAntiAffinity:` + harvesterTerm,
		want: `
kind: Deployment
spec:
  selector:
    matchLabels: {component: csi-controllers, app.kubernetes.io/name: harvester-csi-driver}
  template:
    metadata:
      labels: {component: csi-controllers, app.kubernetes.io/name: harvester-csi-driver}
    spec:
      affinity:
        podAntiAffinity:` + harvesterTerm,
	}, {
		name: "after a nameOverride the hard-coded term selects nothing: warn, and add a term that works",
		f:    preferred,
		in: `
kind: Deployment
spec:
  selector:
    matchLabels: {component: csi-controllers, app.kubernetes.io/name: hcsi}
  template:
    metadata:
      labels: {component: csi-controllers, app.kubernetes.io/name: hcsi}
    spec:
      affinity:
        podAntiAffinity:` + harvesterTerm,
		want: `
kind: Deployment
spec:
  selector:
    matchLabels: {component: csi-controllers, app.kubernetes.io/name: hcsi}
  template:
    metadata:
      labels: {component: csi-controllers, app.kubernetes.io/name: hcsi}
    spec:
      affinity:
        podAntiAffinity:` + harvesterTerm + `          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchLabels: {component: csi-controllers, app.kubernetes.io/name: hcsi}
              topologyKey: kubernetes.io/hostname
`,
		msgs: []string{
			"warning: pod anti-affinity: the term at `spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm` selects none of the workload's own pods, so it does not spread them (a hard-coded selector after a rename, or no labelSelector)",
			"info: pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods",
		},
	}, {
		name: "a term without labelSelector selects no pods; a matching one gets the policy's weight",
		f:    PodAnti{Type: config.Preferred, Weight: 80, TopologyKey: "kubernetes.io/hostname"},
		in: `
kind: Deployment
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
          - weight: 10 # too weak
            podAffinityTerm:
              labelSelector: {matchLabels: {app: c}}
              topologyKey: kubernetes.io/hostname
`,
		want: `
kind: Deployment
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
          - weight: 80 # too weak
            podAffinityTerm:
              labelSelector: {matchLabels: {app: c}}
              topologyKey: kubernetes.io/hostname
`,
		msgs: []string{
			"warning: pod anti-affinity: the term at `spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm` selects none of the workload's own pods, so it does not spread them (a hard-coded selector after a rename, or no labelSelector)",
			"info: pod anti-affinity: weight 10 -> 80",
		},
	}, {
		name: "a required term satisfies a Preferred policy",
		f:    preferred,
		in: `
kind: Deployment
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c, extra: x}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchExpressions: [{key: app, operator: In, values: [c]}]}
            topologyKey: kubernetes.io/hostname
`,
		want: `
kind: Deployment
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c, extra: x}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchExpressions: [{key: app, operator: In, values: [c]}]}
            topologyKey: kubernetes.io/hostname
`,
	}, {
		name: "Required adds a required term beside a preferred one",
		f:    PodAnti{Type: config.Required, Weight: 100, TopologyKey: "kubernetes.io/hostname"},
		in: `
kind: StatefulSet
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: c}}
              topologyKey: kubernetes.io/hostname
`,
		want: `
kind: StatefulSet
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchLabels: {app: c}
            topologyKey: kubernetes.io/hostname
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: c}}
              topologyKey: kubernetes.io/hostname
`,
		msgs: []string{"info: pod anti-affinity: added a required term on kubernetes.io/hostname selecting the workload's own pods"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.Run(t, tc.f.Apply, tc.in, tc.want, tc.msgs...)
		})
	}
}

func TestPodAntiNeedsASelector(t *testing.T) {
	w := testutil.Workload(t, "kind: Deployment\nspec:\n  template:\n    spec: {}\n")
	fs := PodAnti{Type: config.Preferred, Weight: 100, TopologyKey: "kubernetes.io/hostname"}.Apply(w)
	if len(fs) != 1 || fs[0].Severity != "error" || fs[0].Field != "spec.selector" {
		t.Errorf("want one error on spec.selector, got %+v", fs)
	}
}
