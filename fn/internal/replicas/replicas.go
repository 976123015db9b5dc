// Package replicas sets the replica count, fitted to the control-plane
// nodes, and the rollout settings that let a spread workload roll.
package replicas

import (
	"fmt"
	"strings"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const rule = "replicas"

// Count is the control-plane node count the policy works with: from Node
// objects when the input has some, else from a cluster object, else
// spec.controlPlaneNodes. known is false when none gives it.
func Count(s config.Spec, inv Inventory) (n int, known bool) {
	if inv.Nodes > 0 {
		return inv.ControlPlane, true
	}
	if inv.Cluster != nil {
		return inv.Cluster.Machines, true
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
			Text: results.Text(fmt.Sprintf("none of the %d Node objects in the input has %s label (%s), so a required node affinity would leave the controller Pending forever: set `spec.nodeAffinity.type` to Preferred (ConfigMap: node-affinity=preferred) on clusters without %s nodes",
				inv.Nodes, results.A(s.Pool().Name), strings.Join(s.NodeAffinity.ControlPlaneLabels, ", "), s.Pool().Name))})
	}
	if n, _ := Count(s, inv); s.ControlPlaneNodes != nil && *s.ControlPlaneNodes != n && (inv.Nodes > 0 || inv.Cluster != nil) {
		out = append(out, results.Finding{Rule: rule, Severity: results.Warning, Field: "spec.controlPlaneNodes",
			Text: results.Text(fmt.Sprintf("`spec.controlPlaneNodes` is %d, but the control plane has %d nodes by %s, which take precedence", *s.ControlPlaneNodes, n, inv.sourceOf()))})
	}
	if c := inv.Cluster; c != nil && len(c.Others) > 0 && inv.Nodes == 0 {
		out = append(out, results.Finding{Rule: rule, Severity: results.Warning,
			Text: results.Text(fmt.Sprintf("the input holds several cluster objects; the control-plane count comes from the first, %s, not from %s", c.Source, strings.Join(c.Others, ", ")))})
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
		return 0, false, fmt.Errorf("`spec.replicas` is \"auto\" but the number of control-plane nodes is unknown: add the cluster's Node objects to the input (`kubectl get nodes -o yaml`, annotated config.kubernetes.io/local-config: \"true\"), or its cluster-api control plane or Rancher Cluster object, or set `spec.controlPlaneNodes` (ConfigMap: control-plane-nodes)")
	}
	return min(max(cp, *s.ReplicaBounds.Min), *s.ReplicaBounds.Max), true, nil
}

// Why says, for a count from "auto", where it comes from: Audit mode then
// reports a workload whose replicas no longer fit the control plane (one
// added or removed since) with both numbers and their source.
func Why(s config.Spec, inv Inventory) string {
	if s.Replicas == nil || !s.Replicas.Auto {
		return ""
	}
	cp, _ := Count(s, inv)
	lo, hi := *s.ReplicaBounds.Min, *s.ReplicaBounds.Max
	why := fmt.Sprintf("`spec.replicas` is auto and the control plane has %s by %s", results.Count(cp, "node"), inv.sourceOf())
	if want := min(max(cp, lo), hi); want != cp {
		why += fmt.Sprintf(", so %d within `spec.replicaBounds` (%d..%d)", want, lo, hi)
	}
	return why
}

// Set puts Count into spec.replicas; Why, when set, says in Audit mode
// where the count comes from.
type Set struct {
	Count int
	Why   string
}

// Apply edits spec.replicas.
func (f Set) Apply(w *workload.Workload) []results.Finding {
	cur, isSet, err := w.Replicas()
	if err != nil {
		return []results.Finding{{Rule: rule, Severity: results.Error, Field: "spec.replicas", Text: results.Text(err.Error())}}
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
		Text: results.Change{Done: fmt.Sprintf("replicas %s -> %d", from, f.Count),
			Required: fmt.Sprintf("`spec.replicas` must be %d, got %s%s", f.Count, from, because(f.Why))},
		Current: cur, Proposed: f.Count}}
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
		Text: results.Text(fmt.Sprintf("replicas: %d replicas with a required anti-affinity on %s but %s: %s would stay Pending",
			n, config.DefaultTopologyKey, results.Count(controlPlane, "control-plane node"), results.Count(n-controlPlane, "pod")))}}
}

func because(why string) string {
	if why == "" {
		return ""
	}
	return ": " + why
}
