package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFromInventoryNodePlugin: with tolerations.fromInventory and the
// inventory given by --nodes, the Harvester node plugin, whose socket the
// controller needs, gets the control-plane nodes' taints in place of the
// built-in set, as the controller does; without an inventory the run fails
// naming the field.
func TestFromInventoryNodePlugin(t *testing.T) {
	in := readFile(t, filepath.Join("..", "..", "..", "examples", "harvester", "base", "harvester-csi-driver.yaml"))
	nodes := filepath.Join("..", "..", "..", "examples", "from-inventory", "nodes.yaml") // RKE2: etcd=true:NoExecute, control-plane=true:NoSchedule
	const added = "tolerations: added node-role.kubernetes.io/etcd=true:NoExecute, node-role.kubernetes.io/control-plane=true:NoSchedule"
	dir := t.TempDir()
	cfg := writeFile(t, dir, "policy.yaml", "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  tolerations: {fromInventory: true}\n")

	out, stderr, code := run(t, in, nil, "--config", cfg, "--nodes", nodes, "-")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		"info: DaemonSet kube-system/harvester-csi (-): " + added + " for Deployment kube-system/harvester-csi-controllers, whose pods reach their driver through its socket",
		"info: Deployment kube-system/harvester-csi-controllers (-): pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods; " + added + "\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("want %q in:\n%s", want, stderr)
		}
	}
	for _, never := range []string{"operator: Exists\n          effect: NoSchedule\n        - key: node-role.kubernetes.io/controlplane", "CriticalAddonsOnly", "example.com/gpu", "example.com/maintenance"} {
		if strings.Contains(out, never) {
			t.Errorf("the output must not hold %q:\n%s", never, out)
		}
	}
	if n := strings.Count(out, "key: node-role.kubernetes.io/etcd\n          operator: Equal\n          value: \"true\""); n != 2 {
		t.Errorf("want the etcd=true toleration on the controller and the node plugin, got %d:\n%s", n, out)
	}

	out, stderr, code = run(t, in, nil, "--config", cfg, "-")
	if code != 1 || out != "" {
		t.Fatalf("without an inventory: exit %d, want 1 and no output:\n%s", code, out)
	}
	if !strings.Contains(stderr, "error: `spec.tolerations.fromInventory` is true, so the input must have Node objects") || !strings.Contains(stderr, "`--nodes FILE`") {
		t.Errorf("want the error naming the field and --nodes:\n%s", stderr)
	}
}
