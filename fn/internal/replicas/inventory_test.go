package replicas

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
)

const clusters = `apiVersion: controlplane.cluster.x-k8s.io/v1beta1
kind: KubeadmControlPlane
metadata: {name: prod-cp, namespace: capi}
spec:
  replicas: 5
---
apiVersion: controlplane.cluster.x-k8s.io/v1beta1
kind: RKE2ControlPlane
metadata: {name: edge}
spec: {}
---
apiVersion: provisioning.cattle.io/v1
kind: Cluster
metadata: {name: downstream, namespace: fleet-default}
spec:
  rkeConfig:
    machinePools:
    - {name: cp, controlPlaneRole: true, etcdRole: true, quantity: 3}
    - {name: etcd, etcdRole: true, quantity: 2}
    - {name: both, controlPlaneRole: true, workerRole: true, quantity: 2}
`

func items(t *testing.T, y string) []*krmio.Item {
	t.Helper()
	s, err := krmio.ParseStream([]byte(y), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return s.Items
}

func TestClusterObjects(t *testing.T) {
	all := items(t, clusters)
	for _, tc := range []struct {
		name    string
		items   []*krmio.Item
		source  string
		count   int
		warning bool
	}{
		{"cluster-api KubeadmControlPlane", all[:1], "KubeadmControlPlane capi/prod-cp", 5, false},
		{"RKE2ControlPlane without replicas: the default, 1", all[1:2], "RKE2ControlPlane edge", 1, false},
		{"Rancher Cluster: control-plane pools only", all[2:], "Cluster fleet-default/downstream", 5, false},
		{"several: the first, and a warning", all, "KubeadmControlPlane capi/prod-cp", 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv, err := NewInventory(nil, config.DefaultControlPlaneLabels, tc.items, true)
			if err != nil {
				t.Fatal(err)
			}
			if inv.Cluster == nil || inv.Cluster.Source != tc.source || inv.Cluster.Machines != tc.count {
				t.Fatalf("got %+v", inv.Cluster)
			}
			s := spec(t, "  replicas: auto\n  controlPlaneNodes: 4\n  replicaBounds: {max: 7}\n")
			if n, _, _ := Desired(s, inv); n != tc.count {
				t.Errorf("auto gave %d, want %d", n, tc.count)
			}
			if ws := Check(s, inv); len(ws) != 1+boolInt(tc.warning) {
				t.Errorf("warnings: %+v", ws)
			}
		})
	}
}

func TestNodesWinOverClusterObjects(t *testing.T) {
	nodes := []*corev1.Node{
		{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "b"}},
	}
	inv, err := NewInventory(nodes, config.DefaultControlPlaneLabels, items(t, clusters), true)
	if err != nil {
		t.Fatal(err)
	}
	if n, known := Count(spec(t, "  controlPlaneNodes: 9\n"), inv); !known || n != 1 {
		t.Errorf("Node objects come first: got %d", n)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
