package nodeplugin

import (
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/schedule"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
)

const controller = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctrl, namespace: kube-system, labels: {app.kubernetes.io/name: drv}}
spec:
  template:
    spec:
      containers:
      - name: csi-provisioner
        args: [--csi-address=$(ADDRESS)]
        env: [{name: ADDRESS, value: /csi/csi.sock}]
        volumeMounts: [{name: socket-dir, mountPath: /csi/}]
      volumes:
      - name: socket-dir
        hostPath: {path: /var/lib/kubelet/harvester-plugins/driver.harvesterhci.io/, type: DirectoryOrCreate}
`

// plugin serves the socket the controller connects to, as Harvester's
// node plugin does: the driver at --endpoint, the registrar naming it.
const plugin = `      containers:
      - name: node-driver-registrar
        args: [--csi-address=/csi/csi.sock, --kubelet-registration-path=/var/lib/kubelet/harvester-plugins/driver.harvesterhci.io/csi.sock]
        volumeMounts: [{name: s, mountPath: /csi}]
      - name: driver
        args: ["--endpoint=$(CSI_ENDPOINT)"]
        env: [{name: CSI_ENDPOINT, value: "unix:///csi/csi.sock"}]
        volumeMounts: [{name: s, mountPath: /csi}]
      volumes: [{name: s, hostPath: {path: /var/lib/kubelet/harvester-plugins/driver.harvesterhci.io}}]
`

func ds(t *testing.T, ns, extra string) *workload.Workload {
	return testutil.Workload(t, "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: plugin, namespace: "+ns+", labels: {app.kubernetes.io/name: drv}}\nspec:\n  template:\n    spec:\n"+extra)
}

func TestFind(t *testing.T) {
	ctrl := testutil.Workload(t, controller)
	m, ok := Find(ctrl, []*workload.Workload{ds(t, "other", plugin), ds(t, "kube-system", plugin)}, nil)
	if !ok || m.Socket != "/var/lib/kubelet/harvester-plugins/driver.harvesterhci.io/csi.sock" || m.DaemonSet.Namespace != "kube-system" {
		t.Errorf("by socket: %+v %v", m, ok)
	}
	// A shared directory is not a shared socket: manila's controller pod
	// serves its own socket beside the node plugin's in one host folder.
	own := strings.Replace(controller, "      volumes:", `      - name: driver
        args: ["--endpoint=unix:///csi/csi.sock"]
        volumeMounts: [{name: socket-dir, mountPath: /csi}]
      volumes:`, 1)
	m, ok = Find(testutil.Workload(t, own), []*workload.Workload{ds(t, "kube-system", plugin)}, nil)
	if m.Socket != "" || len(Needs(testutil.Workload(t, own))) != 0 {
		t.Errorf("a socket served in the controller's own pod: %+v %v", m, ok)
	}
	// Only the socket a container connects to counts, not the folder.
	other := strings.Replace(plugin, "/csi/csi.sock", "/csi/node.sock", -1)
	other = strings.Replace(other, "driver.harvesterhci.io/csi.sock", "driver.harvesterhci.io/node.sock", 1)
	if m, _ := Find(ctrl, []*workload.Workload{ds(t, "kube-system", other)}, nil); m.Socket != "" {
		t.Errorf("another socket in the same folder: %+v", m)
	}
	m, ok = Find(ctrl, []*workload.Workload{ds(t, "kube-system", "      containers: [{name: c}]\n")}, nil)
	if !ok || m.Socket != "" || m.By != "app.kubernetes.io/name drv" {
		t.Errorf("by label: %+v %v", m, ok)
	}
	ebs := testutil.Workload(t, "kind: Deployment\nmetadata: {name: c, namespace: ns}\nspec:\n  template:\n    spec:\n      containers: [{name: c, args: [--driver-name=ebs.csi.aws.com]}]\n")
	node := testutil.Workload(t, "kind: DaemonSet\nmetadata: {name: n, namespace: ns}\nspec:\n  template:\n    spec:\n      containers: [{name: r, env: [{name: P, value: /var/lib/kubelet/plugins/ebs.csi.aws.com/csi.sock}]}]\n")
	if m, ok := Find(ebs, []*workload.Workload{node}, nil); !ok || m.By != "CSI driver ebs.csi.aws.com" {
		t.Errorf("by driver name: %+v %v", m, ok)
	}
	byArg := testutil.Workload(t, "kind: DaemonSet\nmetadata: {name: n, namespace: ns}\nspec:\n  template:\n    spec:\n      containers: [{name: d, args: [--drivername=ebs.csi.aws.com]}]\n")
	if m, ok := Find(ebs, []*workload.Workload{byArg}, nil); !ok || m.By != "CSI driver ebs.csi.aws.com" {
		t.Errorf("by --drivername on both sides: %+v %v", m, ok)
	}
	if _, ok := Find(ebs, []*workload.Workload{ds(t, "ns", "      containers: []\n")}, []string{"other.csi.io"}); ok {
		t.Error("an unrelated DaemonSet must not match")
	}
}

func TestCheck(t *testing.T) {
	ctrl := testutil.Workload(t, controller)
	harvester := ds(t, "kube-system", `      tolerations:
      - {effect: NoSchedule, key: node-role.kubernetes.io/control-plane, operator: Equal}
      - {effect: NoExecute, key: node-role.kubernetes.io/etcd, operator: Equal}
`+plugin)
	m, _ := Find(ctrl, []*workload.Workload{harvester}, nil)
	fs := Check(m, nil, nil)
	if len(fs) != 1 || !strings.Contains(fs[0].Message(false), "cannot run on control-plane nodes tainted node-role.kubernetes.io/control-plane=true:NoSchedule, node-role.kubernetes.io/controlplane=true:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd=true:NoExecute;") {
		t.Errorf("without inventory: %+v", fs)
	}
	ctrlV := []schedule.Verdict{{Node: "a", OK: true}, {Node: "b", OK: true}, {Node: "c", Reason: "x"}}
	pluginV := []schedule.Verdict{{Node: "a", OK: true}, {Node: "b", Reason: "untolerated taint t:NoSchedule"}, {Node: "c", Reason: "y"}}
	fs = Check(m, ctrlV, pluginV)
	if len(fs) != 1 || !strings.Contains(fs[0].Message(false), "which cannot run on b (untolerated taint t:NoSchedule);") {
		t.Errorf("with inventory: %+v", fs)
	}
	if fs := Check(Match{DaemonSet: harvester}, nil, nil); fs != nil {
		t.Errorf("a controller that does not use the socket needs no check: %+v", fs)
	}
}
