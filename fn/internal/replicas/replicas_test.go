package replicas

import (
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/schedule"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
)

func spec(t *testing.T, y string) config.Spec {
	t.Helper()
	p, err := config.Parse([]byte("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n" + y))
	if err != nil {
		t.Fatal(err)
	}
	return p.Spec
}

func TestDesired(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		inv        Inventory
		want       int
		set        bool
		err        string
	}{
		{name: "untouched by default", spec: "  mode: Enforce\n"},
		{name: "an integer", spec: "  replicas: 0\n", want: 0, set: true},
		{name: "auto from Node objects", spec: "  replicas: auto\n", inv: Inventory{Nodes: 6, ControlPlane: 3}, want: 3, set: true},
		{name: "auto clamped to max", spec: "  replicas: auto\n", inv: Inventory{Nodes: 7, ControlPlane: 5}, want: 3, set: true},
		{name: "auto clamped to min", spec: "  replicas: auto\n  replicaBounds: {min: 2, max: 5}\n", inv: Inventory{Nodes: 1, ControlPlane: 1}, want: 2, set: true},
		{name: "Node objects win over controlPlaneNodes", spec: "  replicas: auto\n  controlPlaneNodes: 3\n", inv: Inventory{Nodes: 2, ControlPlane: 1}, want: 1, set: true},
		{name: "controlPlaneNodes without Node objects", spec: "  replicas: auto\n  controlPlaneNodes: 2\n", want: 2, set: true},
		{name: "neither known", spec: "  replicas: auto\n", err: "`spec.replicas` is \"auto\" but the number of control-plane nodes is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, set, err := Desired(spec(t, tc.spec), tc.inv)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("got error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || n != tc.want || set != tc.set {
				t.Errorf("got %d, %v, %v; want %d, %v", n, set, err, tc.want, tc.set)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	fs := Check(spec(t, "  controlPlaneNodes: 3\n"), Inventory{Nodes: 2, ControlPlane: 0})
	if len(fs) != 2 || fs[0].Severity != "error" || !strings.Contains(fs[0].Message(false), "set `spec.nodeAffinity.type` to Preferred") ||
		fs[1].Severity != "warning" || fs[1].Message(false) != "`spec.controlPlaneNodes` is 3, but the control plane has 0 nodes by the input's Node objects, which take precedence" {
		t.Errorf("got %+v", fs)
	}
	if fs := Check(spec(t, "  nodeAffinity: {type: Preferred}\n"), Inventory{Nodes: 2}); len(fs) != 0 {
		t.Errorf("Preferred needs no control-plane node, got %+v", fs)
	}
}

func TestSet(t *testing.T) {
	testutil.Run(t, Set{Count: 1}.Apply, `
kind: Deployment
spec:
  replicas: 3 # fixed by the chart
  selector: {}
`, `
kind: Deployment
spec:
  replicas: 1 # fixed by the chart
  selector: {}
`, "info: replicas 3 -> 1")
	testutil.Run(t, Set{Count: 2}.Apply, `
kind: StatefulSet
spec:
  serviceName: csi
  selector: {}
`, `
kind: StatefulSet
spec:
  serviceName: csi
  replicas: 2
  selector: {}
`, "info: replicas unset (1) -> 2")
}

func TestPending(t *testing.T) {
	s := spec(t, "  podAntiAffinity: {type: Required}\n")
	w := testutil.Workload(t, "kind: Deployment\nspec:\n  replicas: 3\n")
	fs := Pending(s, w, 1)
	if len(fs) != 1 || fs[0].Message(false) != "replicas: 3 replicas with a required anti-affinity on kubernetes.io/hostname but 1 control-plane node: 2 pods would stay Pending" {
		t.Errorf("got %+v", fs)
	}
	if fs := Pending(s, w, 3); len(fs) != 0 {
		t.Errorf("3 replicas fit 3 nodes, got %+v", fs)
	}
	if fs := Pending(spec(t, "  mode: Enforce\n"), w, 1); len(fs) != 0 {
		t.Errorf("a preferred anti-affinity never leaves pods Pending, got %+v", fs)
	}
}

// TestFixRollout: the fix sets maxSurge 0 and lets one pod go, over the
// input's explicit values, and words the reason the simulation gave.
func TestFixRollout(t *testing.T) {
	const why = "stalls"
	for _, tc := range []struct {
		name, in, want string
		msgs           []string
	}{{
		name: "no strategy: the Kubernetes default is RollingUpdate",
		in:   "kind: Deployment\nspec:\n  replicas: 3\n  template: {}\n",
		want: "kind: Deployment\nspec:\n  replicas: 3\n  template: {}\n  strategy:\n    rollingUpdate:\n      maxUnavailable: 1\n      maxSurge: 0\n",
		msgs: []string{"info: rollout: maxUnavailable unset -> 1, maxSurge unset -> 0, as with maxSurge 1, maxUnavailable 0 (maxSurge the default 25%, maxUnavailable the default 25% of 3 replicas) the rollout stalls"},
	}, {
		name: "a maxUnavailable that lets a pod go is kept",
		in:   "kind: Deployment\nspec:\n  replicas: 3\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 2\n",
		want: "kind: Deployment\nspec:\n  replicas: 3\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 2\n      maxSurge: 0\n",
		msgs: []string{"info: rollout: maxSurge unset -> 0, as with maxSurge 1, maxUnavailable 2 (maxSurge the default 25% of 3 replicas) the rollout stalls"},
	}, {
		name: "explicit values that stall are replaced",
		in:   "kind: Deployment\nspec:\n  replicas: 3\n  strategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n",
		want: "kind: Deployment\nspec:\n  replicas: 3\n  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: 1}\n",
		msgs: []string{"info: rollout: maxUnavailable 0 -> 1, maxSurge 1 -> 0, as with maxSurge 1, maxUnavailable 0 the rollout stalls"},
	}, {
		name: "a percentage of 0 pods is 0",
		in:   "kind: Deployment\nspec:\n  replicas: 3\n  strategy:\n    rollingUpdate: {maxSurge: 50%, maxUnavailable: 25%}\n",
		want: "kind: Deployment\nspec:\n  replicas: 3\n  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: 1}\n",
		msgs: []string{"info: rollout: maxUnavailable 25% -> 1, maxSurge 50% -> 0, as with maxSurge 2, maxUnavailable 0 (maxSurge 50%, maxUnavailable 25% of 3 replicas) the rollout stalls"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.Run(t, func(w *workload.Workload) []results.Finding {
				st, err := schedule.ReadTarget(w)
				if err != nil {
					t.Fatal(err)
				}
				return FixRollout(w, st.Strategy, st.Replicas, why)
			}, tc.in, tc.want, tc.msgs...)
		})
	}
}

// TestDrift: in Audit mode a workload whose replicas no longer fit the
// control plane is an error naming both numbers and where the count
// comes from.
func TestDrift(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		inv        Inventory
		in         string
		want       string
	}{{
		name: "a control-plane node added: Node objects",
		spec: "  replicas: auto\n",
		inv:  Inventory{Nodes: 5, ControlPlane: 3},
		in:   "kind: Deployment\nspec:\n  replicas: 2\n",
		want: "`spec.replicas` must be 3, got 2: `spec.replicas` is auto and the control plane has 3 nodes by the input's Node objects",
	}, {
		name: "a cluster object, beyond the bounds",
		spec: "  replicas: auto\n",
		inv:  Inventory{Cluster: &ClusterCount{Machines: 5, Source: "KubeadmControlPlane default/prod"}},
		in:   "kind: StatefulSet\nspec:\n  replicas: 1\n",
		want: "`spec.replicas` must be 3, got 1: `spec.replicas` is auto and the control plane has 5 nodes by the cluster object KubeadmControlPlane default/prod, so 3 within `spec.replicaBounds` (1..3)",
	}, {
		name: "a fixed count says no more than the numbers",
		spec: "  replicas: 2\n",
		inv:  Inventory{Nodes: 3, ControlPlane: 3},
		in:   "kind: Deployment\nspec:\n  replicas: 3\n",
		want: "`spec.replicas` must be 2, got 3",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(t, tc.spec)
			n, _, err := Desired(s, tc.inv)
			if err != nil {
				t.Fatal(err)
			}
			fs := Set{Count: n, Why: Why(s, tc.inv)}.Apply(testutil.Workload(t, tc.in))
			if len(fs) != 1 || fs[0].Message(true) != tc.want {
				t.Fatalf("got %+v\nwant %q", fs, tc.want)
			}
		})
	}
}
