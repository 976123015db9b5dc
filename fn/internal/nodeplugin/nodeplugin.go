// Package nodeplugin finds a CSI controller's node plugin DaemonSet and
// checks that it runs wherever the controller can: a controller whose
// sidecars reach the driver through a CSI socket on the host that the node
// plugin serves (Harvester's, among others) only works on nodes that run
// it.
package nodeplugin

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/api"
	"github.com/csi-placement/csi-placement/fn/internal/controlplane"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/schedule"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const rule = "node plugin"

// Match is a controller's node plugin.
type Match struct {
	DaemonSet *workload.Workload
	// Socket is the host path of the CSI socket the controller reaches the
	// driver through and the node plugin serves, when it does; "" otherwise.
	Socket string
	// By says how it was found.
	By string
}

// Find looks for the node plugin of a controller among the DaemonSets: in
// the same namespace, one that serves a CSI socket on the host that a
// controller container connects to; else one that names the same CSI
// driver (drivers are the names of the input's CSIDriver objects, and
// those found in kubelet plugin paths); else one with the same
// app.kubernetes.io/name label.
func Find(ctrl *workload.Workload, daemonSets []*workload.Workload, drivers []string) (Match, bool) {
	var same []*workload.Workload
	for _, ds := range daemonSets {
		if ds.Namespace == ctrl.Namespace {
			same = append(same, ds)
		}
	}
	// A DaemonSet for the controller's OS first: charts ship a Windows
	// node plugin beside the Linux one.
	os := func(w *workload.Workload) string {
		return yn.StringMap(w.PodField("nodeSelector"))["kubernetes.io/os"]
	}
	slices.SortStableFunc(same, func(a, b *workload.Workload) int {
		return boolRank(os(a) != os(ctrl)) - boolRank(os(b) != os(ctrl))
	})
	needs := Needs(ctrl)
	for _, ds := range same {
		for _, p := range served(ds) {
			if slices.Contains(needs, p) {
				return Match{DaemonSet: ds, Socket: p, By: "the socket " + p}, true
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

// Needs are the host paths of the CSI sockets the workload's containers
// connect to (--csi-address, or ADDRESS / CSI_ADDRESS without the flag)
// through a hostPath volume, and that no container of its own pod serves:
// what another pod on the same node must serve.
func Needs(w *workload.Workload) []string {
	uses, serves := sockets(w)
	var out []string
	for _, p := range uses {
		if !slices.Contains(serves, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// served are the host paths of the CSI sockets a DaemonSet's containers
// serve (--endpoint, or CSI_ENDPOINT without the flag) or register with
// the kubelet (--kubelet-registration-path).
func served(w *workload.Workload) []string {
	_, serves := sockets(w)
	return serves
}

// Flags and variables that name a CSI socket: the ones a client connects
// to and the ones a driver serves.
var (
	clientFlags = []string{"csi-address", "csiAddress"}
	serverFlags = []string{"endpoint", "csi-endpoint", "csiEndpoint"}
	clientEnv   = []string{"ADDRESS", "CSI_ADDRESS"}
	serverEnv   = []string{"CSI_ENDPOINT"}
)

// sockets reads, for every container of the pod template, the CSI sockets
// it uses and serves, resolved through its volume mounts to host paths.
func sockets(w *workload.Workload) (uses, serves []string) {
	hostPaths := map[string]string{}
	for _, v := range yn.Elements(w.PodField("volumes")) {
		if p := yn.String(v, "hostPath", "path"); p != "" {
			hostPaths[yn.String(v, "name")] = p
		}
	}
	containers := append(yn.Elements(w.PodField("containers")), yn.Elements(w.PodField("initContainers"))...)
	for _, c := range containers {
		env := map[string]string{}
		for _, e := range yn.Elements(yn.Get(c, "env")) {
			env[yn.String(e, "name")] = yn.String(e, "value")
		}
		var words []string
		for _, list := range []string{"command", "args"} {
			for _, a := range yn.Elements(yn.Get(c, list)) {
				words = append(words, strings.Fields(a.YNode().Value)...) // a shell line in one item, too
			}
		}
		host := func(addr string) string { return hostPath(c, hostPaths, expand(addr, env)) }
		use, serve := flagValues(words, clientFlags), flagValues(words, serverFlags)
		if len(use) == 0 {
			use = envValues(env, clientEnv)
		}
		if len(serve) == 0 {
			serve = envValues(env, serverEnv)
		}
		for _, a := range use {
			if p := host(a); p != "" {
				uses = append(uses, p)
			}
		}
		for _, a := range serve {
			if p := host(a); p != "" {
				serves = append(serves, p)
			}
		}
		for _, a := range flagValues(words, []string{"kubelet-registration-path"}) {
			serves = append(serves, path.Clean(expand(a, env))) // a host path already
		}
	}
	return uses, serves
}

// flagValues are the values of the named flags (-name=v, --name=v, or
// --name v) among words.
func flagValues(words, names []string) []string {
	var out []string
	for i, w := range words {
		if !strings.HasPrefix(w, "-") {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if !slices.Contains(names, name) {
			continue
		}
		if !hasValue && i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") {
			value = words[i+1]
		}
		if value = strings.Trim(value, `"'`); value != "" {
			out = append(out, value)
		}
	}
	return out
}

func envValues(env map[string]string, names []string) []string {
	var out []string
	for _, n := range names {
		if v := env[n]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expand replaces $(VAR) references, as the kubelet does in args.
func expand(s string, env map[string]string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := env[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// hostPath resolves a socket address inside container c to its path on
// the host, through the longest mount of a hostPath volume that holds it;
// "" when it is not on a hostPath volume.
func hostPath(c *yaml.RNode, hostPaths map[string]string, addr string) string {
	addr = strings.TrimPrefix(strings.TrimPrefix(addr, "unix://"), "unix:")
	if !strings.HasPrefix(addr, "/") {
		return ""
	}
	addr = path.Clean(addr)
	best, bestLen := "", -1
	for _, m := range yn.Elements(yn.Get(c, "volumeMounts")) {
		hp, ok := hostPaths[yn.String(m, "name")]
		mp := path.Clean(yn.String(m, "mountPath"))
		if !ok || mp == "." {
			continue
		}
		rel, found := strings.CutPrefix(addr, mp)
		if !found || rel != "" && !strings.HasPrefix(rel, "/") && mp != "/" || len(mp) <= bestLen {
			continue
		}
		best, bestLen = path.Join(hp, strings.TrimPrefix(rel, "/")), len(mp)
	}
	return best
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
	return w.GetLabels()["app.kubernetes.io/name"]
}

func podSpec(m Match) (*corev1.PodSpec, error) {
	var spec corev1.PodSpec
	if err := api.Decode(m.DaemonSet.PodField(), &spec); err != nil {
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
			return []results.Finding{{Rule: rule, Severity: results.Error, Text: results.Text(err.Error())}}
		}
		for _, t := range controlplane.Taints() {
			if !api.Tolerates(spec.Tolerations, t) {
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
		Text: results.Text(fmt.Sprintf("node plugin: the controller reaches its driver through the socket %s served by %s, which cannot run %s; controller pods there would find no driver socket: set `spec.nodePlugin.tolerateControlPlane: true` (ConfigMap: node-plugin-tolerations=true) or fix the DaemonSet's tolerations",
			m.Socket, m.DaemonSet, where))}}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
