package ha

import (
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

func TestPriority(t *testing.T) {
	f := Priority{Name: "system-cluster-critical"}
	testutil.Run(t, f.Apply, `
kind: Deployment
spec:
  template:
    spec:
      serviceAccountName: csi
      containers: []
      tolerations: []
`, `
kind: Deployment
spec:
  template:
    spec:
      serviceAccountName: csi
      containers: []
      tolerations: []
      priorityClassName: system-cluster-critical
`, "info: priorityClassName: set system-cluster-critical")
	const other = "kind: Deployment\nspec:\n  template:\n    spec:\n      priorityClassName: tenant-high\n"
	testutil.Run(t, f.Apply, other, other, `warning: priorityClassName: the workload asks for "tenant-high", not "system-cluster-critical"; left as it is`)
}

func TestSpread(t *testing.T) {
	f := Spread{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 1, WhenUnsatisfiable: "ScheduleAnyway"}
	testutil.Run(t, f.Apply, `
kind: Deployment
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      containers: []
`, `
kind: Deployment
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      containers: []
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: ScheduleAnyway
        labelSelector:
          matchLabels: {app: c}
        matchLabelKeys:
        - pod-template-hash
`, "info: topology spread: added maxSkew 1 on topology.kubernetes.io/zone (ScheduleAnyway)")

	// A StatefulSet has no pod-template-hash; an equivalent constraint on
	// the same key counts, whatever its skew.
	testutil.Run(t, f.Apply, `
kind: StatefulSet
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec: {}
`, `
kind: StatefulSet
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: ScheduleAnyway
        labelSelector:
          matchLabels: {app: c}
`, "info: topology spread: added maxSkew 1 on topology.kubernetes.io/zone (ScheduleAnyway)")
	const has = `
kind: Deployment
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      topologySpreadConstraints:
      - {maxSkew: 2, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: c}}}
`
	testutil.Run(t, f.Apply, has, has)
}
