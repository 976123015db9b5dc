package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/csi-placement/csi-placement/fn/policy"
	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/schedule"
)

// writeExplain prints the proofs as a table: a row per controller and
// node, schedulable or why not (and whether the node plugin whose socket
// the controller needs runs there), then where the replicas can go.
func writeExplain(w io.Writer, proofs []policy.Proof) error {
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
		if p.NodePlugin != nil {
			how := "found by " + p.NodePlugin.By
			if p.Plugin == nil {
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
	switch {
	case p.OnePerNode && p.Replicas > n:
		return fmt.Sprintf("%s, one per node, on %s: %d would stay Pending", replicas, on, p.Replicas-n)
	case p.OnePerNode:
		return fmt.Sprintf("%s, one per node, on %s: all can run", replicas, on)
	case p.Replicas > n:
		return fmt.Sprintf("%s on %s: some share a node", replicas, on)
	}
	return fmt.Sprintf("%s on %s: room to spread", replicas, on)
}
