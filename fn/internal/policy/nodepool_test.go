package policy

import (
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
)

// TestNodePools runs the policy with each node pool on an inventory that
// has it beside a control plane: the node affinity, the tolerations and
// the replica count follow the pool, the proof places the replicas on its
// nodes only, and a second run changes nothing.
func TestNodePools(t *testing.T) {
	openshift := invNode("master-1", "master control-plane", "master:NoSchedule") + "---\n" +
		invNode("master-2", "master control-plane", "master:NoSchedule") + "---\n" +
		invNode("master-3", "master control-plane", "master:NoSchedule") + "---\n" +
		invNode("infra-1", "infra", "infra=reserved:NoSchedule infra=reserved:NoExecute") + "---\n" +
		invNode("infra-2", "infra", "infra=reserved:NoSchedule infra=reserved:NoExecute") + "---\n" +
		invNode("worker-1", "worker", "")
	harvester := invNode("mgmt-1", "control-plane=true etcd=true master=true node-role.harvesterhci.io/management=true", "") + "---\n" +
		invNode("mgmt-2", "control-plane=true etcd=true master=true node-role.harvesterhci.io/management=true", "") + "---\n" +
		invNode("mgmt-3", "control-plane=true etcd=true master=true node-role.harvesterhci.io/management=true", "") + "---\n" +
		invNode("witness-1", "etcd=true node-role.harvesterhci.io/witness=true", "etcd=true:NoExecute") + "---\n" +
		invNode("worker-1", "node-role.harvesterhci.io/worker=true", "")
	storage := invNode("cp-1", "control-plane", "control-plane:NoSchedule") + "---\n" +
		invNode("storage-1", "example.com/storage=", "example.com/storage=:NoSchedule") + "---\n" +
		invNode("storage-2", "example.com/storage=", "example.com/storage=:NoSchedule") + "---\n" +
		invNode("worker-1", "worker", "")
	const typed = "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  replicas: auto\n  resources: {mode: Ignore}\n"
	for _, tc := range []struct {
		name, policy, nodes string
		affinity            string // the required term's key
		tolerations         string
		results             []string
	}{{
		name:        "OpenShift infra nodes, tolerating their infra taints only",
		policy:      typed + "  nodePool: {preset: OpenShiftInfra}\n",
		nodes:       openshift,
		affinity:    "node-role.kubernetes.io/infra",
		tolerations: "- effect: NoSchedule\n  key: node-role.kubernetes.io/infra\n  operator: Exists\n- effect: NoExecute\n  key: node-role.kubernetes.io/infra\n  operator: Exists\n",
		results: []string{
			"info: Deployment kube-system/csi-controller (-): node affinity: required an infra node (1 terms, was 0); pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods; tolerations: added node-role.kubernetes.io/infra:NoSchedule, node-role.kubernetes.io/infra:NoExecute; replicas unset (1) -> 2; leader election: added to csi-provisioner (--leader-election), as the policy raises replicas 1 -> 2 (ServiceAccount kube-system/default needs get, create and update on leases, coordination.k8s.io)",
			"info: Deployment kube-system/csi-controller (-): placement: schedulable on 2 of 6 nodes: infra-1, infra-2",
		},
	}, {
		name:        "Harvester management nodes (ConfigMap form): not the witness",
		policy:      "apiVersion: v1\nkind: ConfigMap\ndata: {node-pool: harvestermanagement, replicas: auto, resources: ignore}\n",
		nodes:       harvester,
		affinity:    "node-role.harvesterhci.io/management",
		tolerations: "- effect: NoSchedule\n  key: node-role.kubernetes.io/control-plane\n  operator: Exists\n",
		results: []string{
			"info: Deployment kube-system/csi-controller (-): node affinity: required a Harvester management node (1 terms, was 0); pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods; tolerations: added node-role.kubernetes.io/control-plane:NoSchedule, node-role.kubernetes.io/controlplane:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd:NoExecute, CriticalAddonsOnly (any effect); replicas unset (1) -> 3; leader election: added to csi-provisioner (--leader-election), as the policy raises replicas 1 -> 3 (ServiceAccount kube-system/default needs get, create and update on leases, coordination.k8s.io)",
			"info: Deployment kube-system/csi-controller (-): placement: schedulable on 3 of 5 nodes: mgmt-1, mgmt-2, mgmt-3",
		},
	}, {
		name:        "a custom pool, named by its label and tolerated as it says",
		policy:      typed + "  nodePool:\n    preset: Custom\n    labels: [example.com/storage]\n    tolerations: [{key: example.com/storage, operator: Exists, effect: NoSchedule}]\n",
		nodes:       storage,
		affinity:    "example.com/storage",
		tolerations: "- effect: NoSchedule\n  key: example.com/storage\n  operator: Exists\n",
		results: []string{
			"info: Deployment kube-system/csi-controller (-): node affinity: required a pool node (1 terms, was 0); pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods; tolerations: added example.com/storage:NoSchedule; replicas unset (1) -> 2; leader election: added to csi-provisioner (--leader-election), as the policy raises replicas 1 -> 2 (ServiceAccount kube-system/default needs get, create and update on leases, coordination.k8s.io)",
			"info: Deployment kube-system/csi-controller (-): placement: schedulable on 2 of 4 nodes: storage-1, storage-2",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := config.Parse([]byte(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			in := controller + "---\n" + tc.nodes
			out, rs, code := runInventory(t, in, p)
			if code != 0 {
				t.Fatalf("exit %d: %v", code, rs)
			}
			if got := strings.Join(targetResults(rs), "\n"); got != strings.Join(tc.results, "\n") {
				t.Errorf("results:\n%s\nwant:\n%s", got, strings.Join(tc.results, "\n"))
			}
			if !strings.Contains(out, "- key: "+tc.affinity+"\n                operator: Exists\n") {
				t.Errorf("want a required term on %s:\n%s", tc.affinity, out)
			}
			if got := targetTolerations(t, out); !strings.HasPrefix(got, tc.tolerations) {
				t.Errorf("tolerations:\n%s\nwant first:\n%s", got, tc.tolerations)
			}
			again, _, _ := runInventory(t, out, p)
			if again != out {
				t.Errorf("a second run changed the output:\n%s", again)
			}
			// Audit: the input breaks the pool's policy, naming its labels;
			// the output follows it.
			p.Spec.Mode = config.Audit
			if _, rs, code := runInventory(t, in, p); code != 1 || !strings.Contains(strings.Join(rs, "\n"), "must require a node with one of the labels "+tc.affinity) {
				t.Errorf("Audit over the input: exit %d, want 1 naming %s:\n%s", code, tc.affinity, strings.Join(rs, "\n"))
			}
			if _, rs, code := runInventory(t, out, p); code != 0 {
				t.Errorf("Audit over the output: exit %d:\n%s", code, strings.Join(rs, "\n"))
			}
		})
	}
}
