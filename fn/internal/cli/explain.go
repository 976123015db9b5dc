package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/csi-placement/csi-placement/fn/internal/budget"
	"github.com/csi-placement/csi-placement/fn/internal/policy"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/schedule"
)

// writeExplain prints the proofs as a table: a row per controller and
// node, schedulable or why not (and whether the node plugin whose socket
// the controller needs runs there), then where the replicas can go; then
// what the placed pods request on each control-plane node.
func writeExplain(w io.Writer, rep policy.Report) error {
	proofs := rep.Proofs
	plugin := false
	for _, p := range proofs {
		plugin = plugin || p.Plugin != nil
	}
	header := []string{"CONTROLLER", "NODE", "SCHEDULABLE"}
	if plugin {
		header = append(header, "NODE PLUGIN")
	}
	// A block is a controller's rows and the notes printed under them.
	type block struct {
		rows  [][]string
		notes []string
	}
	blocks := []block{{rows: [][]string{header}}}
	for _, p := range proofs {
		var b block
		for i, v := range p.Verdicts {
			name := ""
			if i == 0 {
				name = p.Workload
			}
			row := []string{name, v.Node, answer(v)}
			if plugin {
				col := "-"
				if p.Plugin != nil {
					col = answer(p.Plugin[i])
				}
				row = append(row, col)
			}
			b.rows = append(b.rows, row)
		}
		b.notes = append(b.notes, spread(p))
		if p.Placement.Pending == 0 && len(p.Placement.Nodes) > 0 {
			verdict := "can finish"
			if !p.Rollout.CanFinish {
				verdict = "cannot finish"
			}
			b.notes = append(b.notes, fmt.Sprintf("rollout: %s: %s, %s", p.Rollout.Strategy, verdict, p.Rollout.Reason))
		}
		if p.NodePlugin != nil {
			how := "found by " + p.NodePlugin.By
			if p.NodePlugin.Socket == "" {
				how += "; the controller does not use its socket"
			}
			b.notes = append(b.notes, fmt.Sprintf("node plugin: %s, %s", p.NodePlugin.DaemonSet, how))
		}
		blocks = append(blocks, b)
	}
	widths := make([]int, len(header))
	for _, b := range blocks {
		for _, r := range b.rows {
			for i, c := range r {
				widths[i] = max(widths[i], len(c))
			}
		}
	}
	var out strings.Builder
	for _, b := range blocks {
		for _, r := range b.rows {
			for i, c := range r {
				if i == len(r)-1 {
					out.WriteString(c)
				} else {
					fmt.Fprintf(&out, "%-*s  ", widths[i], c)
				}
			}
			out.WriteString("\n")
		}
		for _, n := range b.notes {
			out.WriteString("  " + n + "\n")
		}
	}
	if len(rep.Budget) > 0 {
		out.WriteString("control-plane budget (what the placed pods request):\n")
		for _, n := range rep.Budget {
			fmt.Fprintf(&out, "  %s: %s\n    %s\n", n.Name, n.Usage(), n.Breakdown())
		}
	}
	_, err := io.WriteString(w, out.String())
	return err
}

func answer(v schedule.Verdict) string {
	if v.OK {
		return "yes"
	}
	return "no: " + v.Reason
}

// spread says where the replicas can go.
func spread(p policy.Proof) string {
	eligible := schedule.Eligible(p.Verdicts)
	n := len(eligible)
	replicas := results.Count(p.Replicas, "replica")
	if n == 0 {
		return replicas + ": no eligible node, every pod would stay Pending"
	}
	on := fmt.Sprintf("%s (%s)", results.Count(n, "eligible node"), strings.Join(eligible, ", "))
	pl := p.Placement
	if len(pl.Nodes) == 0 && pl.Pending == 0 && pl.Why != "" {
		return replicas + ": no pod can be created: " + strings.TrimPrefix(pl.Why, "placement: ")
	}
	if pl.Pending > 0 {
		return fmt.Sprintf("%s on %s: %d placed (%s), %d would stay Pending: %s", replicas, on, len(pl.Nodes), strings.Join(pl.Nodes, ", "), pl.Pending, pl.Why)
	}
	return fmt.Sprintf("%s on %s: placed on %s", replicas, on, strings.Join(pl.Nodes, ", "))
}

// explainJSON is explain's machine-readable form (--output json).
type explainJSON struct {
	Controllers []controllerJSON `json:"controllers"`
	Budget      []budgetJSON     `json:"budget,omitempty"`
}

// budgetJSON is a control-plane node's sums; allocatable values and shares
// are left out when the Node has no status.allocatable.
type budgetJSON struct {
	Node   string          `json:"node"`
	CPU    budgetValueJSON `json:"cpu"`
	Memory budgetValueJSON `json:"memory"`
	Pods   []budgetUseJSON `json:"pods"`
}

type budgetValueJSON struct {
	Requested   string `json:"requested"`
	Allocatable string `json:"allocatable,omitempty"`
	Percent     *int   `json:"percent,omitempty"`
}

type budgetUseJSON struct {
	Workload string `json:"workload"`
	Pods     int    `json:"pods"`
	CPU      string `json:"cpu"`
	Memory   string `json:"memory"`
}

type controllerJSON struct {
	Kind       string          `json:"kind"`
	Namespace  string          `json:"namespace,omitempty"`
	Name       string          `json:"name"`
	Replicas   int             `json:"replicas"`
	Nodes      []nodeJSON      `json:"nodes"`
	Placement  placementJSON   `json:"placement"`
	Rollout    rolloutJSON     `json:"rollout"`
	NodePlugin *nodePluginJSON `json:"nodePlugin,omitempty"`
}

type nodeJSON struct {
	Name        string `json:"name"`
	Schedulable bool   `json:"schedulable"`
	Reason      string `json:"reason,omitempty"`
}

type placementJSON struct {
	Nodes   []string `json:"nodes"`
	Pending int      `json:"pending"`
	Reasons []string `json:"reasons"`
}

type rolloutJSON struct {
	Strategy  string `json:"strategy"`
	CanFinish bool   `json:"canFinish"`
	Reason    string `json:"reason"`
}

type nodePluginJSON struct {
	DaemonSet string     `json:"daemonSet"`
	By        string     `json:"by"`
	Needed    bool       `json:"needed"`
	Socket    string     `json:"socket,omitempty"`
	Nodes     []nodeJSON `json:"nodes"`
}

func nodesJSON(vs []schedule.Verdict) []nodeJSON {
	out := make([]nodeJSON, len(vs))
	for i, v := range vs {
		out[i] = nodeJSON{Name: v.Node, Schedulable: v.OK, Reason: v.Reason}
	}
	return out
}

// writeExplainJSON writes the proofs as JSON, for tools and tests.
func writeExplainJSON(w io.Writer, rep policy.Report) error {
	out := explainJSON{Controllers: []controllerJSON{}}
	for _, n := range rep.Budget {
		b := budgetJSON{Node: n.Name, CPU: budgetValueJSON{Requested: n.CPU.String()}, Memory: budgetValueJSON{Requested: n.Memory.String()}}
		if n.Known {
			cpu, mem := budget.Share(n.CPU, n.AllocCPU), budget.Share(n.Memory, n.AllocMemory)
			b.CPU.Allocatable, b.CPU.Percent = n.AllocCPU.String(), &cpu
			b.Memory.Allocatable, b.Memory.Percent = n.AllocMemory.String(), &mem
		}
		for _, u := range n.Uses {
			b.Pods = append(b.Pods, budgetUseJSON{Workload: u.Workload, Pods: u.Pods, CPU: u.CPU.String(), Memory: u.Memory.String()})
		}
		out.Budget = append(out.Budget, b)
	}
	for _, p := range rep.Proofs {
		c := controllerJSON{Kind: p.Kind, Namespace: p.Namespace, Name: p.Name, Replicas: p.Replicas,
			Nodes:     nodesJSON(p.Verdicts),
			Placement: placementJSON{Nodes: append([]string{}, p.Placement.Nodes...), Pending: p.Placement.Pending, Reasons: []string{}},
			Rollout:   rolloutJSON{Strategy: p.Rollout.Strategy, CanFinish: p.Rollout.CanFinish, Reason: p.Rollout.Reason}}
		if p.Placement.Why != "" {
			c.Placement.Reasons = append(c.Placement.Reasons, p.Placement.Why)
		}
		if np := p.NodePlugin; np != nil {
			c.NodePlugin = &nodePluginJSON{DaemonSet: strings.TrimPrefix(np.DaemonSet.String(), "DaemonSet "), By: np.By,
				Needed: np.Socket != "", Socket: np.Socket, Nodes: nodesJSON(p.Plugin)}
		}
		out.Controllers = append(out.Controllers, c)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
