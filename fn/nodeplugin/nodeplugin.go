// Package nodeplugin finds a CSI controller's node plugin DaemonSet and
// checks that it runs wherever the controller can: a controller whose
// sidecars reach the driver through a hostPath socket served by the node
// plugin (Harvester's, among others) only works on nodes that run it.
package nodeplugin

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"

	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/schedule"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

const rule = "node plugin"

// kubeletDir is where CSI node plugins serve their sockets.
const kubeletDir = "/var/lib/kubelet/"

// ControlPlaneTaints are the taints control-plane nodes carry across
// distributions (kubeadm, Talos, Rancher; RKE1; OpenShift; RKE1 and
// Rancher etcd nodes), with the values that defeat an Equal toleration
// without a value. The check uses them when the input has no Node objects.
var ControlPlaneTaints = []corev1.Taint{
	{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/control-plane", Value: "true", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/controlplane", Value: "true", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/master", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/etcd", Value: "true", Effect: corev1.TaintEffectNoExecute},
}

// Match is a controller's node plugin.
type Match struct {
	DaemonSet *workload.Workload
	// Socket is the hostPath the controller shares with it, when it
	// reaches the driver that way; "" otherwise.
	Socket string
	// By says how it was found.
	By string
}

// Find looks for the node plugin of a controller among the DaemonSets: in
// the same namespace, one that shares a hostPath under the kubelet
// directory; else one that names the same CSI driver (drivers are the
// names of the input's CSIDriver objects, and those found in kubelet
// plugin paths); else one with the same app.kubernetes.io/name label.
func Find(ctrl *workload.Workload, daemonSets []*workload.Workload, drivers []string) (Match, bool) {
	var same []*workload.Workload
	for _, ds := range daemonSets {
		if ds.Namespace == ctrl.Namespace {
			same = append(same, ds)
		}
	}
	own := Sockets(ctrl)
	for _, ds := range same {
		for _, p := range Sockets(ds) {
			if slices.Contains(own, p) {
				return Match{DaemonSet: ds, Socket: p, By: "shared hostPath " + p}, true
			}
		}
	}
	for _, ds := range same {
		names := append(append(slices.Clone(drivers), driverNames(ctrl)...), driverNames(ds)...)
		for _, n := range names {
			if mentions(ctrl, n) && mentions(ds, n) {
				return Match{DaemonSet: ds, By: "CSI driver " + n}, true
			}
		}
	}
	if app := label(ctrl); app != "" {
		for _, ds := range same {
			if label(ds) == app {
				return Match{DaemonSet: ds, By: "app.kubernetes.io/name " + app}, true
			}
		}
	}
	return Match{}, false
}

// Sockets are the workload's hostPath volumes under the kubelet directory,
// where node plugins serve their sockets.
func Sockets(w *workload.Workload) []string {
	var out []string
	for _, v := range yn.Items(yn.Lookup(w.Obj, "spec", "template", "spec", "volumes")) {
		if p := yn.String(yn.Lookup(v, "hostPath", "path")); p != "" {
			if p = path.Clean(p) + "/"; strings.HasPrefix(p, kubeletDir) {
				out = append(out, strings.TrimSuffix(p, "/"))
			}
		}
	}
	return out
}

// driverName finds CSI driver names in a manifest's text: kubelet plugin
// paths (in --csi-address, CSI_ENDPOINT, volumes) and --drivername style
// arguments.
var driverName = regexp.MustCompile(`/var/lib/kubelet/plugins/([A-Za-z0-9._-]+)/|--?driver-?name[= ]"?([A-Za-z0-9._-]+)`)

func driverNames(w *workload.Workload) []string {
	var out []string
	for _, m := range driverName.FindAllSubmatch(w.Item.Raw(), -1) {
		n := string(m[1]) + string(m[2])
		if n != "kubernetes.io" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func mentions(w *workload.Workload, name string) bool {
	return strings.Contains(string(w.Item.Raw()), name)
}

func label(w *workload.Workload) string {
	return yn.StringMap(yn.Lookup(w.Obj, "metadata", "labels"))["app.kubernetes.io/name"]
}

// Verdicts runs the node plugin's pod template through the predicates on
// each node.
func Verdicts(m Match, nodes []*corev1.Node) ([]schedule.Verdict, error) {
	spec, err := podSpec(m)
	if err != nil {
		return nil, err
	}
	return schedule.Check(spec, nodes), nil
}

func podSpec(m Match) (*corev1.PodSpec, error) {
	var spec corev1.PodSpec
	if err := schedule.Decode(yn.Lookup(m.DaemonSet.Obj, "spec", "template", "spec"), &spec); err != nil {
		return nil, fmt.Errorf("node plugin: reading %s: %w", m.DaemonSet, err)
	}
	return &spec, nil
}

// Check reports where the node plugin cannot run though the controller,
// which needs its socket, can: with an inventory, the nodes where the
// controller's verdict is yes and the plugin's no; without one (ctrl is
// nil), the control-plane taints the plugin does not tolerate.
func Check(m Match, ctrl, plugin []schedule.Verdict) []results.Finding {
	if m.Socket == "" {
		return nil
	}
	var problems []string
	if ctrl != nil {
		for i, v := range ctrl {
			if v.OK && !plugin[i].OK {
				problems = append(problems, v.Node+" ("+plugin[i].Reason+")")
			}
		}
	} else {
		spec, err := podSpec(m)
		if err != nil {
			return []results.Finding{{Rule: rule, Severity: results.Error, Message: err.Error()}}
		}
		for _, t := range ControlPlaneTaints {
			if !corev1helpers.TolerationsTolerateTaint(klog.Background(), spec.Tolerations, &t, false) {
				problems = append(problems, t.ToString())
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	where := "on " + strings.Join(problems, ", ")
	if ctrl == nil {
		where = "on control-plane nodes tainted " + strings.Join(problems, ", ")
	}
	return []results.Finding{{Rule: rule, Severity: results.Warning, Field: "spec.template.spec.volumes",
		Message: fmt.Sprintf("node plugin: the controller reaches its driver through the hostPath %s served by %s, which cannot run %s; controller pods there would find no driver socket: set `spec.nodePlugin.tolerateControlPlane: true` (ConfigMap: node-plugin-tolerations=true) or fix the DaemonSet's tolerations",
			m.Socket, m.DaemonSet, where)}}
}
