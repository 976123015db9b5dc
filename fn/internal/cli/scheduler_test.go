package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kubeadm3 is three kubeadm control-plane nodes and two workers.
var kubeadm3 = inventory([]node{
	cp("cp-1", "control-plane=", "control-plane:NoSchedule"), cp("cp-2", "control-plane=", "control-plane:NoSchedule"),
	cp("cp-3", "control-plane=", "control-plane:NoSchedule"), worker("w-1"), worker("w-2"),
})

const autoPolicy = "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  replicas: auto\n"

// ctrl is a controller with the chart-made parts of the real cases.
func ctrl(kind, extraSpec, podSpec string) string {
	return `apiVersion: apps/v1
kind: ` + kind + `
metadata: {name: ctrl, namespace: kube-system}
spec:
  replicas: 1
  selector: {matchLabels: {app: ctrl}}
` + extraSpec + `  template:
    metadata: {labels: {app: ctrl}}
    spec:
      serviceAccountName: ctrl
      containers:
      - name: csi-provisioner
        args: [--leader-election]
` + podSpec
}

const ownAnti = `      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: ctrl}}
            topologyKey: kubernetes.io/hostname
`

// TestSchedulerCases: the cases real charts showed, reduced to a few
// lines, through the CLI with an inventory and explain's JSON.
func TestSchedulerCases(t *testing.T) {
	for _, tc := range []struct {
		name, policy, input string
		code                int
		stderr              []string // each must appear
		placed              int
		canFinish           bool
	}{{
		name:   "the chart's own required anti-affinity, raised to 3 on 3 nodes: the default surge would stall, so it is fixed",
		policy: autoPolicy, input: ctrl("Deployment", "", ownAnti),
		stderr: []string{"rollout: maxUnavailable unset -> 1, maxSurge unset -> 0, as with maxSurge 1, maxUnavailable 0 (maxSurge the default 25%, maxUnavailable the default 25% of 3 replicas) the rollout stalls"},
		placed: 3, canFinish: true,
	}, {
		name:   "an explicit maxSurge 1, maxUnavailable 0 beside the policy's required anti-affinity is replaced",
		policy: autoPolicy + "  podAntiAffinity: {type: Required}\n",
		input:  ctrl("Deployment", "  strategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n", ""),
		stderr: []string{"rollout: maxUnavailable 0 -> 1, maxSurge 1 -> 0"}, placed: 3, canFinish: true,
	}, {
		name:   "rollout.strategy Keep turns it into an error",
		policy: autoPolicy + "  podAntiAffinity: {type: Required}\n  rollout: {strategy: Keep}\n",
		input:  ctrl("Deployment", "  strategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n", ""),
		code:   1, stderr: []string{"error: Deployment kube-system/ctrl (in.yaml): rollout: with maxSurge 1, maxUnavailable 0 the rollout stalls with 1 new pod(s) Pending and 3 old pod(s) left: 0/5 nodes are available: 3 node(s) didn't match pod anti-affinity rules, 2 node(s) didn't match Pod's node affinity/selector"},
		placed: 3,
	}, {
		name:   "Audit reports the stall as an error",
		policy: autoPolicy + "  mode: Audit\n",
		input:  strings.Replace(ctrl("Deployment", "", nodeAff+ownAnti[len("      affinity:\n"):]+cpTolerations), "replicas: 1", "replicas: 3", 1),
		code:   1, stderr: []string{"`spec.strategy.rollingUpdate` must set maxUnavailable 1, maxSurge 0: with maxSurge 1, maxUnavailable 0"},
		placed: 3,
	}, {
		name:   "host ports keep replicas apart like anti-affinity: the surge pod has no free port",
		policy: autoPolicy,
		input:  strings.Replace(ctrl("Deployment", "", "      hostNetwork: true\n"), "args: [--leader-election]\n", "args: [--leader-election]\n        ports: [{containerPort: 29604}]\n", 1),
		stderr: []string{"rollout: maxUnavailable unset -> 1, maxSurge unset -> 0", "didn't have free ports for the requested pod ports"},
		placed: 3, canFinish: true,
	}, {
		name:   "required pod affinity to a node plugin that does not run on the control plane: Pending, so an error",
		policy: autoPolicy,
		input: ctrl("StatefulSet", "", `      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: plugin}}
            topologyKey: kubernetes.io/hostname
`) + "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: plugin, namespace: kube-system}\nspec:\n  selector: {matchLabels: {app: plugin}}\n  template:\n    metadata: {labels: {app: plugin}}\n    spec:\n      containers: [{name: driver}]\n",
		code: 1, stderr: []string{"placement: no node of the inventory can run its pods, so they would stay Pending: cp-1 (didn't match pod affinity rules (no matching pod on this node's kubernetes.io/hostname))"},
	}, {
		name:   "snapshot-controller in the pod gets leader election when the policy raises replicas",
		policy: autoPolicy,
		input:  ctrl("Deployment", "", "      - name: snapshot-controller\n        image: registry.k8s.io/sig-storage/snapshot-controller:v6.2.2\n"),
		stderr: []string{"leader election: added to snapshot-controller (--leader-election), as the policy raises replicas 1 -> 3"},
		placed: 3, canFinish: true,
	}} {
		for pass := range 2 { // the second pass is on the first one's output
			dir := t.TempDir()
			cfg, nodes := writeFile(t, dir, "p.yaml", tc.policy), writeFile(t, dir, "nodes.yaml", kubeadm3)
			writeFile(t, dir, "in.yaml", tc.input)
			t.Chdir(dir)
			out, stderr, code := run(t, "", nil, "--config", cfg, "--nodes", nodes, "in.yaml")
			if code != tc.code {
				t.Fatalf("%s: exit %d, want %d:\n%s", tc.name, code, tc.code, stderr)
			}
			if pass == 0 {
				for _, s := range tc.stderr {
					if !strings.Contains(stderr, s) {
						t.Errorf("%s: stderr lacks %q:\n%s", tc.name, s, stderr)
					}
				}
			}
			if code == 0 {
				tc.input = out
				writeFile(t, dir, "in.yaml", out)
			}
			js, _, _ := run(t, "", nil, "explain", "--output", "json", "--config", cfg, "--nodes", nodes, "in.yaml")
			var ex explainJSON
			if err := json.Unmarshal([]byte(js), &ex); err != nil || len(ex.Controllers) != 1 {
				t.Fatalf("%s: explain --output json: %v\n%s", tc.name, err, js)
			}
			c := ex.Controllers[0]
			if tc.placed > 0 && (len(c.Placement.Nodes) != tc.placed || c.Rollout.CanFinish != tc.canFinish && code == 0) {
				t.Errorf("%s (pass %d): placement %+v, rollout %+v", tc.name, pass, c.Placement, c.Rollout)
			}
		}
	}
}

const nodeAff = `      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: node-role.kubernetes.io/control-plane, operator: Exists}]
            - matchExpressions: [{key: node-role.kubernetes.io/controlplane, operator: Exists}]
`

const cpTolerations = "      tolerations: [{operator: Exists}]\n"

// TestMasterOnly: a cluster whose control-plane nodes carry only the old
// master label is found from the inventory, and the policy selects it.
func TestMasterOnly(t *testing.T) {
	dir := t.TempDir()
	nodes := filepath.Join(dir, "nodes.yaml")
	if err := os.WriteFile(nodes, []byte(inventory([]node{cp("m-1", "master="), worker("w-1")})), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, ctrl("Deployment", "", ""), nil, "--nodes", nodes, "-")
	if code != 0 || !strings.Contains(stderr, "the inventory's control-plane nodes m-1 carry only the old node-role.kubernetes.io/master label") ||
		!strings.Contains(out, "key: node-role.kubernetes.io/master") || !strings.Contains(stderr, "schedulable on 1 of 2 nodes: m-1") {
		t.Errorf("exit %d\n%s\n%s", code, stderr, out)
	}
	// Without an inventory the default output never names master, so the
	// API server has nothing to warn about.
	out, _, _ = run(t, ctrl("Deployment", "", ""), nil, "-")
	if strings.Contains(out, "node-role.kubernetes.io/master\n                operator: Exists") || strings.Count(out, "key: node-role.kubernetes.io/master") > 1 {
		t.Errorf("the default policy selects master:\n%s", out)
	}
}

// TestStandaloneDropsLocalConfig: the inventory and the policy, marked
// local-config, are not written out, as kustomize and kpt drop them.
func TestStandaloneDropsLocalConfig(t *testing.T) {
	in := ctrl("Deployment", "", "") + "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: cp-1\n  labels: {node-role.kubernetes.io/control-plane: \"\"}\n  annotations: {config.kubernetes.io/local-config: \"true\"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept}\n"
	out, stderr, code := run(t, in, nil, "-")
	if code != 0 || strings.Contains(out, "kind: Node") || !strings.Contains(out, "name: kept") || strings.Count(out, "---") != 1 {
		t.Errorf("exit %d\n%s\n%s", code, stderr, out)
	}
}
