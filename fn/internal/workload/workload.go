// Package workload gives the rules a view of a Deployment or StatefulSet:
// the item's yaml.v3 node as kyaml's RNode (the same node, not a copy, so
// edits land in the output), its identity and the few fields every rule
// reads.
package workload

import (
	"fmt"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// Workload is a Deployment or StatefulSet the policy applies to; rules edit
// its node in place.
type Workload struct {
	*yaml.RNode
	Item                              *krmio.Item
	APIVersion, Kind, Name, Namespace string
}

// New wraps a decoded item.
func New(it *krmio.Item, obj *yaml.Node) *Workload {
	rn := yaml.NewRNode(obj)
	// An error means no metadata: the identity stays empty, as the API
	// server would say.
	m, _ := rn.GetMeta()
	return &Workload{RNode: rn, Item: it, APIVersion: m.APIVersion, Kind: m.Kind, Name: m.Name, Namespace: m.Namespace}
}

// Clone is a workload on a deep copy of the node, for Audit mode, whose
// rules must not touch the output.
func (w *Workload) Clone() *Workload {
	c := *w
	c.RNode = w.Copy()
	return &c
}

// String names the workload for messages: "Deployment kube-system/name".
func (w *Workload) String() string {
	if w.Namespace == "" {
		return w.Kind + " " + w.Name
	}
	return w.Kind + " " + w.Namespace + "/" + w.Name
}

// Spec is the workload's spec, created when absent.
func (w *Workload) Spec() *yaml.RNode {
	return yn.Ensure(w.RNode, "spec", yaml.MappingNode, nil)
}

// SpecOrder is the field order of the workload's spec.
func (w *Workload) SpecOrder() []string {
	if w.Kind == "StatefulSet" {
		return yn.StatefulSetSpecOrder
	}
	return yn.DeploymentSpecOrder
}

// PodSpec is spec.template.spec, created when absent.
func (w *Workload) PodSpec() *yaml.RNode {
	tmpl := yn.Ensure(w.Spec(), "template", yaml.MappingNode, w.SpecOrder())
	return yn.Ensure(tmpl, "spec", yaml.MappingNode, []string{"metadata", "spec"})
}

// PodField is the node at a path under spec.template.spec, or nil.
func (w *Workload) PodField(path ...string) *yaml.RNode {
	return yn.Get(w.RNode, append([]string{"spec", "template", "spec"}, path...)...)
}

// TemplateLabels are the pod template's labels.
func (w *Workload) TemplateLabels() map[string]string {
	return yn.StringMap(w.RNode, "spec", "template", "metadata", "labels")
}

// Selector is spec.selector, or nil.
func (w *Workload) Selector() *yaml.RNode {
	s := yn.Get(w.RNode, "spec", "selector")
	if yaml.IsMissingOrNull(s) {
		return nil
	}
	return s
}

// File is where the workload came from, as kpt and kustomize annotate it
// (or the input file of the standalone CLI), and its index there.
func (w *Workload) File() (path string, index int, ok bool) {
	a := w.GetAnnotations()
	for _, k := range []string{"internal.config.kubernetes.io/path", "config.kubernetes.io/path"} {
		if p := a[k]; p != "" {
			path = p
			break
		}
	}
	for _, k := range []string{"internal.config.kubernetes.io/index", "config.kubernetes.io/index"} {
		if i, err := strconv.Atoi(a[k]); err == nil {
			index = i
			break
		}
	}
	if path == "" && w.Item.Path != "" {
		return w.Item.Path, 0, true
	}
	return path, index, path != ""
}

// Replicas is spec.replicas, or 1 (the API default) when absent.
func (w *Workload) Replicas() (n int, set bool, err error) {
	r := yn.Get(w.RNode, "spec", "replicas")
	if yaml.IsMissingOrNull(r) {
		return 1, false, nil
	}
	n, err = strconv.Atoi(yn.String(r))
	if err != nil {
		return 0, true, fmt.Errorf("`spec.replicas` must be an integer, got %q", yn.String(r))
	}
	return n, true, nil
}

// OwnSelector is a copy of the workload's spec.selector (or, for the old
// APIs that default it, of the template labels) as a label selector that
// selects the workload's own pods; nil when there is neither.
func (w *Workload) OwnSelector() *yaml.RNode {
	if s := w.Selector(); s != nil {
		ml, me := yn.Get(s, "matchLabels"), yn.Get(s, "matchExpressions")
		if len(yn.StringMap(ml)) > 0 || len(yn.Elements(me)) > 0 {
			return yn.StripComments(yn.Map("matchLabels", nonEmpty(ml).Copy(), "matchExpressions", nonEmpty(me).Copy()))
		}
	}
	if l := yn.Get(w.RNode, "spec", "template", "metadata", "labels"); len(yn.StringMap(l)) > 0 {
		return yn.StripComments(yn.Map("matchLabels", l.Copy()))
	}
	return nil
}

func nonEmpty(n *yaml.RNode) *yaml.RNode {
	if n.IsNil() || len(n.Content()) == 0 {
		return nil
	}
	return n
}
