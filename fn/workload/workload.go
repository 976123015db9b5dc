// Package workload gives the rules a typed view of a Deployment or
// StatefulSet held as a yaml.v3 node.
package workload

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/csi-placement/csi-placement/fn/krmio"
	"github.com/csi-placement/csi-placement/fn/yamlnode"
)

// Workload is a Deployment or StatefulSet the policy applies to.
type Workload struct {
	Item *krmio.Item
	// Obj is the resource's mapping; rules edit it in place.
	Obj                               *yaml.Node
	APIVersion, Kind, Name, Namespace string
}

// New reads the identity of a decoded item.
func New(it *krmio.Item, obj *yaml.Node) *Workload {
	return &Workload{
		Item:       it,
		Obj:        obj,
		APIVersion: yamlnode.String(yamlnode.Get(obj, "apiVersion")),
		Kind:       yamlnode.String(yamlnode.Get(obj, "kind")),
		Name:       yamlnode.String(yamlnode.Lookup(obj, "metadata", "name")),
		Namespace:  yamlnode.String(yamlnode.Lookup(obj, "metadata", "namespace")),
	}
}

// String names the workload for messages: "Deployment kube-system/name".
func (w *Workload) String() string {
	if w.Namespace == "" {
		return w.Kind + " " + w.Name
	}
	return w.Kind + " " + w.Namespace + "/" + w.Name
}

// Spec is the workload's spec, created when absent.
func (w *Workload) Spec() *yaml.Node {
	return yamlnode.Ensure(w.Obj, "spec", yaml.MappingNode, nil)
}

// SpecOrder is the field order of the workload's spec.
func (w *Workload) SpecOrder() []string {
	if w.Kind == "StatefulSet" {
		return yamlnode.StatefulSetSpecOrder
	}
	return yamlnode.DeploymentSpecOrder
}

// PodSpec is spec.template.spec, created when absent.
func (w *Workload) PodSpec() *yaml.Node {
	tmpl := yamlnode.Ensure(w.Spec(), "template", yaml.MappingNode, w.SpecOrder())
	return yamlnode.Ensure(tmpl, "spec", yaml.MappingNode, []string{"metadata", "spec"})
}

// TemplateLabels are the pod template's labels.
func (w *Workload) TemplateLabels() map[string]string {
	return yamlnode.StringMap(yamlnode.Lookup(w.Obj, "spec", "template", "metadata", "labels"))
}

// Selector is spec.selector, or nil.
func (w *Workload) Selector() *yaml.Node {
	s := yamlnode.Lookup(w.Obj, "spec", "selector")
	if yamlnode.IsNull(s) {
		return nil
	}
	return s
}

// Annotations are the workload's annotations.
func (w *Workload) Annotations() map[string]string {
	return yamlnode.StringMap(yamlnode.Lookup(w.Obj, "metadata", "annotations"))
}

// File is where the workload came from, as kpt and kustomize annotate it
// (or the input file of the standalone CLI), and its index there.
func (w *Workload) File() (path string, index int, ok bool) {
	a := w.Annotations()
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
	r := yamlnode.Lookup(w.Obj, "spec", "replicas")
	if yamlnode.IsNull(r) {
		return 1, false, nil
	}
	n, err = strconv.Atoi(yamlnode.String(r))
	if err != nil {
		return 0, true, fmt.Errorf("`spec.replicas` must be an integer, got %q", yamlnode.String(r))
	}
	return n, true, nil
}

// OwnSelector is a copy of the workload's spec.selector (or, for the old
// APIs that default it, of the template labels) as a label selector that
// selects the workload's own pods; nil when there is neither.
func (w *Workload) OwnSelector() *yaml.Node {
	if s := w.Selector(); s != nil {
		ml, me := yamlnode.Get(s, "matchLabels"), yamlnode.Get(s, "matchExpressions")
		if len(yamlnode.StringMap(ml)) > 0 || len(yamlnode.Items(me)) > 0 {
			return yamlnode.StripComments(yamlnode.Map("matchLabels", yamlnode.Copy(nonEmpty(ml)), "matchExpressions", yamlnode.Copy(nonEmpty(me))))
		}
	}
	if l := yamlnode.Lookup(w.Obj, "spec", "template", "metadata", "labels"); len(yamlnode.StringMap(l)) > 0 {
		return yamlnode.StripComments(yamlnode.Map("matchLabels", yamlnode.Copy(l)))
	}
	return nil
}

func nonEmpty(n *yaml.Node) *yaml.Node {
	if n == nil || len(n.Content) == 0 {
		return nil
	}
	return n
}
