// Package detect finds the CSI controller workloads the policy applies to.
package detect

import (
	"bytes"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// Sidecars are the CSI controller sidecars that mark a controller workload.
var Sidecars = []string{"csi-provisioner", "csi-attacher", "csi-resizer", "csi-snapshotter"}

// LocalConfig is the annotation that marks an item as input to functions
// rather than a resource to apply.
const LocalConfig = "config.kubernetes.io/local-config"

// Select returns the workloads the targets select (with no targets, every
// CSI controller) in input order. Items that are not Deployments or
// StatefulSets are never decoded; without targets, neither are workloads
// whose text names no CSI sidecar.
func Select(items []*krmio.Item, targets []config.Target) ([]*workload.Workload, error) {
	var candidates []*krmio.Item
	for _, it := range items {
		if maybeWorkload(it) && (len(targets) > 0 || mentionsSidecar(it.Raw())) {
			candidates = append(candidates, it)
		}
	}
	krmio.DecodeAll(candidates)
	var out []*workload.Workload
	for _, it := range candidates {
		obj, err := it.Node()
		if err != nil {
			return nil, err
		}
		w := workload.New(it, obj)
		if !isWorkload(w) || w.GetAnnotations()[LocalConfig] == "true" {
			continue
		}
		if len(targets) == 0 && IsController(w) || matchesAny(targets, w) {
			out = append(out, w)
		}
	}
	return out, nil
}

// maybeWorkload judges by the kind the lexer read; an item whose kind it
// could not read is decoded to find out.
func maybeWorkload(it *krmio.Item) bool {
	switch it.Kind() {
	case "Deployment", "StatefulSet", "":
		return true
	}
	return false
}

func isWorkload(w *workload.Workload) bool {
	group, _, _ := strings.Cut(w.APIVersion, "/")
	return (w.Kind == "Deployment" || w.Kind == "StatefulSet") && (group == "apps" || group == "extensions")
}

func mentionsSidecar(raw []byte) bool {
	for _, s := range Sidecars {
		if bytes.Contains(raw, []byte(s)) {
			return true
		}
	}
	return false
}

// IsController reports whether a container or init container of the pod
// template is a CSI controller sidecar, by its name or by the last path
// segment of its image without tag or digest.
func IsController(w *workload.Workload) bool {
	for _, list := range []string{"containers", "initContainers"} {
		for _, c := range yn.Elements(w.PodField(list)) {
			if isSidecar(yn.String(c, "name")) || isSidecar(ImageName(yn.String(c, "image"))) {
				return true
			}
		}
	}
	return false
}

func isSidecar(name string) bool {
	for _, s := range Sidecars {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// ImageName is an image reference's last path segment without tag or
// digest: registry:5000/sig-storage/csi-attacher:v4@sha256:... -> csi-attacher.
func ImageName(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, "/"); i >= 0 {
		image = image[i+1:]
	}
	name, _, _ := strings.Cut(image, ":")
	return name
}

func matchesAny(targets []config.Target, w *workload.Workload) bool {
	for _, t := range targets {
		if Matches(t, w) {
			return true
		}
	}
	return false
}

// Matches reports whether every field the target sets matches.
func Matches(t config.Target, w *workload.Workload) bool {
	if t.Kind != "" && t.Kind != w.Kind || t.Namespace != "" && t.Namespace != w.Namespace {
		return false
	}
	if t.Name != "" {
		if ok, _ := path.Match(t.Name, w.Name); !ok {
			return false
		}
	}
	if len(t.Labels) > 0 {
		labels := w.GetLabels()
		for k, v := range t.Labels {
			if got, ok := labels[k]; !ok || got != v {
				return false
			}
		}
	}
	return true
}

// Describe says what the targets select, for the no-match message.
func Describe(targets []config.Target) string {
	if len(targets) == 0 {
		return "no Deployment or StatefulSet runs a CSI controller sidecar (" + strings.Join(Sidecars, ", ") + ")"
	}
	var ts []string
	for _, t := range targets {
		var parts []string
		for _, p := range [][2]string{{"kind", t.Kind}, {"name", t.Name}, {"namespace", t.Namespace}} {
			if p[1] != "" {
				parts = append(parts, p[0]+"="+p[1])
			}
		}
		for _, k := range slices.Sorted(maps.Keys(t.Labels)) {
			parts = append(parts, "label "+k+"="+t.Labels[k])
		}
		ts = append(ts, "{"+strings.Join(parts, ", ")+"}")
	}
	return "no Deployment or StatefulSet matches the targets " + strings.Join(ts, ", ")
}

// IsWorkloadItem reports whether an item is a Deployment or StatefulSet,
// by the kind and apiVersion the lexer read.
func IsWorkloadItem(it *krmio.Item) bool {
	group, _, _ := strings.Cut(it.APIVersion(), "/")
	return (it.Kind() == "Deployment" || it.Kind() == "StatefulSet") && (group == "apps" || group == "extensions")
}

// operators are drivers whose CSI controllers an operator creates at run
// time: what to look for in the input, and where their placement is set.
var operators = []struct{ marker, advice string }{
	{"longhorn-driver-deployer", "Longhorn's manager creates its CSI controllers at run time (longhorn-driver-deployer), out of reach of manifest tools: place them with Longhorn's settings (chart values `longhornDriver.nodeSelector` and `longhornDriver.tolerations`, or the settings `system-managed-components-node-selector` and `taint-toleration`)"},
	{"rook-ceph-operator", "Rook's operator creates its CSI provisioners at run time, out of reach of manifest tools: place them in the operator's config (chart values `csi.provisionerNodeAffinity` and `csi.provisionerTolerations`, or CSI_PROVISIONER_NODE_AFFINITY and CSI_PROVISIONER_TOLERATIONS in the rook-ceph-operator-config ConfigMap)"},
}

// Operator says, when the input holds the operator of a driver that
// creates its CSI controllers at run time, where their placement is set.
func Operator(items []*krmio.Item) string {
	for _, it := range items {
		if !IsWorkloadItem(it) {
			continue
		}
		for _, op := range operators {
			if bytes.Contains(it.Raw(), []byte(op.marker)) {
				return op.advice
			}
		}
	}
	return ""
}
