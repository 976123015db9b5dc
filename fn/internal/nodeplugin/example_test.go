package nodeplugin_test

import (
	"fmt"

	"github.com/csi-placement/csi-placement/fn/internal/nodeplugin"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
)

// The controller's sidecars reach the driver through a socket on the host
// that the DaemonSet serves: it is the controller's node plugin, and
// without an inventory the check names the control-plane taints it does
// not tolerate.
func ExampleFind() {
	ctrl := testutil.Read(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-controller, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: csi-attacher
        args: [--csi-address=/csi/csi.sock]
        volumeMounts: [{name: socket-dir, mountPath: /csi}]
      volumes:
      - {name: socket-dir, hostPath: {path: /var/lib/kubelet/plugins/driver.example.com}}
`)
	ds := testutil.Read(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: csi-node, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: driver
        args: [--endpoint=unix:///csi/csi.sock]
        volumeMounts: [{name: plugin-dir, mountPath: /csi}]
      volumes:
      - {name: plugin-dir, hostPath: {path: /var/lib/kubelet/plugins/driver.example.com}}
      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists}]
`)
	fmt.Println(nodeplugin.Needs(ctrl))
	m, ok := nodeplugin.Find(ctrl, []*workload.Workload{ds}, nil)
	fmt.Println(ok, m.DaemonSet, "by", m.By)
	for _, f := range nodeplugin.Check(m, nil, nil) {
		fmt.Printf("%s: %s\n", f.Severity, f.Message(false))
	}
	// Output:
	// [/var/lib/kubelet/plugins/driver.example.com/csi.sock]
	// true DaemonSet kube-system/csi-node by the socket /var/lib/kubelet/plugins/driver.example.com/csi.sock
	// warning: node plugin: the controller reaches its driver through the socket /var/lib/kubelet/plugins/driver.example.com/csi.sock served by DaemonSet kube-system/csi-node, which cannot run on control-plane nodes tainted node-role.kubernetes.io/controlplane=true:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd=true:NoExecute; controller pods there would find no driver socket: set `spec.nodePlugin.tolerateControlPlane: true` (ConfigMap: node-plugin-tolerations=true) or fix the DaemonSet's tolerations
}
