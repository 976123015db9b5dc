// Package replicas sets the replica count, fitted to the control-plane
// nodes, and the rollout settings that let a spread workload roll.
package replicas

import (
	"fmt"
	"strings"

	"github.com/csi-placement/csi-placement/fn/config"
	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

const rule = "replicas"

// Inventory is what the input tells about the cluster's nodes.
type Inventory struct {
	// Nodes is the number of Node objects in the input; ControlPlane, how
	// many of them carry a control-plane label.
	Nodes, ControlPlane int
}

// Count is the control-plane node count the policy works with: from Node
// objects when the input has some, else spec.controlPlaneNodes. known is
// false when neither gives it.
func Count(s config.Spec, inv Inventory) (n int, known bool) {
	if inv.Nodes > 0 {
		return inv.ControlPlane, true
	}
	if s.ControlPlaneNodes != nil {
		return *s.ControlPlaneNodes, true
	}
	return 0, false
}

// Check reports problems with the inventory that hold for every workload.
func Check(s config.Spec, inv Inventory) []results.Finding {
	var out []results.Finding
	if inv.Nodes > 0 && inv.ControlPlane == 0 && s.NodeAffinity.Type == config.Required {
		out = append(out, results.Finding{Rule: rule, Severity: results.Error, Field: "spec.nodeAffinity.type",
			Message: fmt.Sprintf("none of the %d Node objects in the input has a control-plane label (%s), so a required node affinity would leave the controller Pending forever: set `spec.nodeAffinity.type` to Preferred (ConfigMap: node-affinity=preferred) on clusters without control-plane nodes",
				inv.Nodes, strings.Join(s.NodeAffinity.ControlPlaneLabels, ", "))})
	}
	if inv.Nodes > 0 && s.ControlPlaneNodes != nil && *s.ControlPlaneNodes != inv.ControlPlane {
		out = append(out, results.Finding{Rule: rule, Severity: results.Warning, Field: "spec.controlPlaneNodes",
			Message: fmt.Sprintf("`spec.controlPlaneNodes` is %d but the input's Node objects show %d control-plane nodes; the Node objects win", *s.ControlPlaneNodes, inv.ControlPlane)})
	}
	return out
}

// Desired is the replica count the policy asks for, and whether it asks for
// one at all.
func Desired(s config.Spec, inv Inventory) (n int, set bool, err error) {
	if s.Replicas == nil {
		return 0, false, nil
	}
	if !s.Replicas.Auto {
		return s.Replicas.Count, true, nil
	}
	cp, known := Count(s, inv)
	if !known {
		return 0, false, fmt.Errorf("`spec.replicas` is \"auto\" but the number of control-plane nodes is unknown: add the cluster's Node objects to the input (`kubectl get nodes -o yaml`, annotated config.kubernetes.io/local-config: \"true\") or set `spec.controlPlaneNodes` (ConfigMap: control-plane-nodes)")
	}
	return min(max(cp, *s.ReplicaBounds.Min), *s.ReplicaBounds.Max), true, nil
}

// Set puts Count into spec.replicas.
type Set struct {
	Count int
}

// Apply edits spec.replicas.
func (f Set) Apply(w *workload.Workload) []results.Finding {
	cur, isSet, err := w.Replicas()
	if err != nil {
		return []results.Finding{{Rule: rule, Severity: results.Error, Field: "spec.replicas", Message: err.Error()}}
	}
	if isSet && cur == f.Count {
		return nil
	}
	yn.SetScalar(w.Spec(), "replicas", yn.Int(f.Count), w.SpecOrder())
	from := fmt.Sprint(cur)
	if !isSet {
		from = "unset (1)"
	}
	return []results.Finding{{Rule: rule, Severity: results.Info, Field: "spec.replicas",
		Message:   fmt.Sprintf("replicas %s -> %d", from, f.Count),
		Violation: fmt.Sprintf("`spec.replicas` must be %d, got %s", f.Count, from),
		Current:   cur, Proposed: f.Count}}
}

// Pending warns when a required anti-affinity on hostname and a required
// control-plane affinity leave more replicas than nodes to put them on.
func Pending(s config.Spec, w *workload.Workload, controlPlane int) []results.Finding {
	if s.NodeAffinity.Type != config.Required || s.PodAntiAffinity.Type != config.Required ||
		s.PodAntiAffinity.TopologyKey != config.DefaultTopologyKey {
		return nil
	}
	n, _, err := w.Replicas()
	if err != nil || n <= controlPlane {
		return nil
	}
	return []results.Finding{{Rule: rule, Severity: results.Warning, Field: "spec.replicas",
		Message: fmt.Sprintf("replicas: %d replicas with a required anti-affinity on %s but only %d control-plane nodes: %d pods would stay Pending",
			n, config.DefaultTopologyKey, controlPlane, n-controlPlane)}}
}
