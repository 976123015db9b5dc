package replicas

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// Inventory is what the input tells about the cluster's control plane.
type Inventory struct {
	// Nodes is the number of Node objects in the input; ControlPlane, how
	// many of them carry a control-plane label.
	Nodes, ControlPlane int
	// Cluster is the control-plane machine count of a cluster object
	// (cluster-api control plane, Rancher Cluster), when there is one.
	Cluster *ClusterCount
}

// ClusterCount is the control-plane size a cluster object declares.
type ClusterCount struct {
	Machines int
	// Source names the object: "KubeadmControlPlane default/prod".
	Source string
	// Others names further cluster objects, which are not used.
	Others []string
}

// NewInventory counts the control-plane nodes among nodes (those with one
// of labels), and with clusterObjects reads the cluster objects among
// items, which count control-plane machines.
func NewInventory(nodes []*corev1.Node, labels []string, items []*krmio.Item, clusterObjects bool) (Inventory, error) {
	inv := Inventory{Nodes: len(nodes)}
	inv.ControlPlane = len(ControlPlaneNodes(nodes, labels))
	for _, it := range items {
		if !clusterObjects {
			break
		}
		group, _, _ := strings.Cut(it.APIVersion(), "/")
		kind := it.Kind()
		cp := group == "controlplane.cluster.x-k8s.io" && (kind == "KubeadmControlPlane" || kind == "RKE2ControlPlane")
		rancher := it.APIVersion() == "provisioning.cattle.io/v1" && kind == "Cluster"
		if !cp && !rancher {
			continue
		}
		node, err := it.Node()
		if err != nil {
			return inv, err
		}
		obj := yaml.NewRNode(node)
		source := kind + " " + name(obj)
		if inv.Cluster != nil {
			inv.Cluster.Others = append(inv.Cluster.Others, source)
			continue
		}
		n := 0
		if cp {
			if n, err = count(yn.Get(obj, "spec", "replicas"), 1); err != nil {
				return inv, fmt.Errorf("%s: `spec.replicas`: %w", source, err)
			}
		} else {
			for i, pool := range yn.Elements(yn.Get(obj, "spec", "rkeConfig", "machinePools")) {
				if yn.String(pool, "controlPlaneRole") != "true" {
					continue
				}
				q, err := count(yn.Get(pool, "quantity"), 0)
				if err != nil {
					return inv, fmt.Errorf("%s: `spec.rkeConfig.machinePools[%d].quantity`: %w", source, i, err)
				}
				n += q
			}
		}
		inv.Cluster = &ClusterCount{Machines: n, Source: source}
	}
	return inv, nil
}

// ControlPlaneNodes are the nodes that carry one of labels, in their order.
func ControlPlaneNodes(nodes []*corev1.Node, labels []string) []*corev1.Node {
	var out []*corev1.Node
	for _, n := range nodes {
		for _, l := range labels {
			if _, ok := n.Labels[l]; ok {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// name is an object's namespace/name.
func name(obj *yaml.RNode) string {
	n, ns := obj.GetName(), obj.GetNamespace()
	if ns != "" {
		return ns + "/" + n
	}
	return n
}

// count reads an integer field, with its API default when absent.
func count(n *yaml.RNode, def int) (int, error) {
	if yaml.IsMissingOrNull(n) {
		return def, nil
	}
	v, err := strconv.Atoi(yn.String(n))
	if err != nil || v < 0 {
		return 0, fmt.Errorf("must be an integer >= 0, got %q", yn.String(n))
	}
	return v, nil
}

// sourceOf names where the control-plane count comes from.
func (inv Inventory) sourceOf() string {
	switch {
	case inv.Nodes > 0:
		return "the input's Node objects"
	case inv.Cluster != nil:
		return "the cluster object " + inv.Cluster.Source
	}
	return "`spec.controlPlaneNodes`"
}
