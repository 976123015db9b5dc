package nodeplugin

import (
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/schedule"
	"github.com/csi-placement/csi-placement/fn/workload"
)

const controller = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctrl, namespace: kube-system, labels: {app.kubernetes.io/name: drv}}
spec:
  template:
    spec:
      volumes:
      - name: socket-dir
        hostPath: {path: /var/lib/kubelet/harvester-plugins/driver.harvesterhci.io/, type: DirectoryOrCreate}
`

func ds(t *testing.T, ns, extra string) *workload.Workload {
	return testutil.Workload(t, "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: plugin, namespace: "+ns+", labels: {app.kubernetes.io/name: drv}}\nspec:\n  template:\n    spec:\n"+extra)
}

func TestFind(t *testing.T) {
	ctrl := testutil.Workload(t, controller)
	socket := "      volumes: [{name: s, hostPath: {path: /var/lib/kubelet/harvester-plugins/driver.harvesterhci.io}}]\n"
	m, ok := Find(ctrl, []*workload.Workload{ds(t, "other", socket), ds(t, "kube-system", socket)}, nil)
	if !ok || m.Socket != "/var/lib/kubelet/harvester-plugins/driver.harvesterhci.io" || m.DaemonSet.Namespace != "kube-system" {
		t.Errorf("by hostPath: %+v %v", m, ok)
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
      volumes: [{name: s, hostPath: {path: /var/lib/kubelet/harvester-plugins/driver.harvesterhci.io}}]
`)
	m, _ := Find(ctrl, []*workload.Workload{harvester}, nil)
	fs := Check(m, nil, nil)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "cannot run on control-plane nodes tainted node-role.kubernetes.io/control-plane=true:NoSchedule, node-role.kubernetes.io/controlplane=true:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd=true:NoExecute;") {
		t.Errorf("without inventory: %+v", fs)
	}
	ctrlV := []schedule.Verdict{{Node: "a", OK: true}, {Node: "b", OK: true}, {Node: "c", Reason: "x"}}
	pluginV := []schedule.Verdict{{Node: "a", OK: true}, {Node: "b", Reason: "untolerated taint t:NoSchedule"}, {Node: "c", Reason: "y"}}
	fs = Check(m, ctrlV, pluginV)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "which cannot run on b (untolerated taint t:NoSchedule);") {
		t.Errorf("with inventory: %+v", fs)
	}
	if fs := Check(Match{DaemonSet: harvester}, nil, nil); fs != nil {
		t.Errorf("a controller that does not use the socket needs no check: %+v", fs)
	}
}
