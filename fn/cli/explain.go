package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/csi-placement/csi-placement/fn/policy"
	"github.com/csi-placement/csi-placement/fn/schedule"
)

// writeExplain prints the proofs as a table: a row per controller and
// node, schedulable or why not (and whether the node plugin whose socket
// the controller needs runs there), then where the replicas can go.
func writeExplain(w io.Writer, proofs []policy.Proof) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	plugin := false
	for _, p := range proofs {
		plugin = plugin || p.Plugin != nil
	}
	header := "CONTROLLER\tNODE\tSCHEDULABLE"
	if plugin {
		header += "\tNODE PLUGIN"
	}
	fmt.Fprintln(tw, header)
	for _, p := range proofs {
		for i, v := range p.Verdicts {
			name := ""
			if i == 0 {
				name = p.Workload
			}
			row := fmt.Sprintf("%s\t%s\t%s", name, v.Node, answer(v))
			if plugin {
				col := "-"
				if p.Plugin != nil {
					col = answer(p.Plugin[i])
				}
				row += "\t" + col
			}
			fmt.Fprintln(tw, row)
		}
		// Lines without a tab are not part of the columns.
		fmt.Fprintf(tw, "  %s\n", spread(p))
		if p.NodePlugin != nil {
			how := "found by " + p.NodePlugin.By
			if p.Plugin == nil {
				how += "; the controller does not use its socket"
			}
			fmt.Fprintf(tw, "  node plugin: %s, %s\n", p.NodePlugin.DaemonSet, how)
		}
	}
	return tw.Flush()
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
	replicas := fmt.Sprintf("%d replica%s", p.Replicas, plural(p.Replicas))
	switch {
	case n == 0:
		return replicas + ": no eligible node, every pod would stay Pending"
	case p.OnePerNode && p.Replicas > n:
		return fmt.Sprintf("%s, one per node, on %d eligible node%s (%s): %d would stay Pending", replicas, n, plural(n), strings.Join(eligible, ", "), p.Replicas-n)
	case p.OnePerNode:
		return fmt.Sprintf("%s, one per node, on %d eligible node%s (%s): all can run", replicas, n, plural(n), strings.Join(eligible, ", "))
	case p.Replicas > n:
		return fmt.Sprintf("%s on %d eligible node%s (%s): some share a node", replicas, n, plural(n), strings.Join(eligible, ", "))
	}
	return fmt.Sprintf("%s on %d eligible node%s (%s): room to spread", replicas, n, plural(n), strings.Join(eligible, ", "))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
