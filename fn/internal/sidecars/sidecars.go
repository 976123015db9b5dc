// Package sidecars checks, and fixes, leader election in the containers
// of a controller that runs more than one replica: without it every
// replica's provisioner, attacher, snapshot controller... acts at once,
// and they race.
package sidecars

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/detect"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const rule = "leader election"

// LeaderElected are the containers, by name or image, that elect a leader
// when replicated: the CSI sidecars and the snapshot controller. Any other
// container whose args show a flag of the family counts too.
var LeaderElected = []string{"csi-provisioner", "csi-attacher", "csi-resizer", "csi-snapshotter",
	"external-health-monitor-controller", "snapshot-controller"}

// flagNames are the leader election flags: the CSI sidecars' and
// snapshot-controller's, the Kubernetes components', controller-runtime's.
var flagNames = []string{"leader-election", "leader-elect", "enable-leader-election"}

// LeaderElection checks or fixes the leader-electing containers of a
// workload with more than one replica. Before holds each target's replica
// count before the policy changed it (by item), so that the rule knows
// when the policy itself raised it above 1; Leases says whether a
// ServiceAccount may use leases, which leader election needs.
type LeaderElection struct {
	Mode   string
	Audit  bool
	Before map[*krmio.Item]int
	Leases func(namespace, serviceAccount string) Access
}

// Access is what the input's RBAC says about a ServiceAccount and leases.
type Access int

const (
	Unknown Access = iota // the input has no RBAC for it
	Granted
	Denied
)

// Apply checks or edits the containers' args.
func (f LeaderElection) Apply(w *workload.Workload) []results.Finding {
	if f.Mode == config.Ignore {
		return nil
	}
	n, _, err := w.Replicas()
	if err != nil || n <= 1 {
		return nil
	}
	before, known := f.Before[w.Item]
	raised := known && before <= 1
	add := f.Mode == config.Add || f.Mode == config.Auto && raised
	var out, missing []string
	var findings []results.Finding
	type edit struct {
		c    *yaml.RNode
		name string
		arg  *yaml.Node
	}
	var edits []edit
	for i, c := range yn.Elements(w.PodField("containers")) {
		name := yn.String(c, "name")
		arg, enabled, family := flag(c)
		if enabled || !family && !isLeaderElected(name, yn.String(c, "image")) {
			continue
		}
		if add {
			edits = append(edits, edit{c, name, arg})
			continue
		}
		field := fmt.Sprintf("spec.template.spec.containers[%d].args", i)
		sev, why := results.Warning, "beside other replicas"
		if f.Audit {
			sev = results.Error
		}
		if raised {
			sev, why = results.Error, fmt.Sprintf("once the policy raises replicas %d -> %d", before, n)
		}
		findings = append(findings, results.Finding{Rule: rule, Severity: sev, Field: field,
			Text: results.Text(fmt.Sprintf("leader election: container %q runs without leader election %s, so the replicas act at once and race; enable it (spec.sidecars.leaderElection: Add)", name, why))})
	}
	if len(edits) == 0 {
		return findings
	}
	sa := yn.String(w.PodField("serviceAccountName"))
	if sa == "" {
		sa = "default"
	}
	ns := w.Namespace
	access := Unknown
	if f.Leases != nil {
		access = f.Leases(ns, sa)
	}
	if access == Denied {
		var names []string
		for _, e := range edits {
			names = append(names, strconv.Quote(e.name))
		}
		return append(findings, results.Finding{Rule: rule, Severity: results.Error, Field: "spec.template.spec.serviceAccountName",
			Text: results.Text(fmt.Sprintf("leader election: %s must elect a leader with %d replicas, but the input's RBAC gives ServiceAccount %s no access to leases (coordination.k8s.io: get, create, update), so the flag alone would leave them leaderless: grant it (many charts render it when replicas > 1), or keep `spec.replicas` at 1",
				strings.Join(names, ", "), n, account(ns, sa)))})
	}
	for _, e := range edits {
		added := "--leader-election"
		if e.arg != nil {
			name, _, _ := strings.Cut(strings.TrimLeft(e.arg.Value, "-"), "=")
			dashes := e.arg.Value[:len(e.arg.Value)-len(strings.TrimLeft(e.arg.Value, "-"))]
			added = dashes + name + "=true"
			e.arg.Value, e.arg.Style = added, 0 // was =false
		} else {
			args := yn.Ensure(e.c, "args", yaml.SequenceNode, []string{"name", "image", "command", "args"})
			args.YNode().Content = append(args.YNode().Content, yaml.NewStringRNode("--leader-election").YNode())
			if hasEnv(e.c, "POD_NAMESPACE") && !hasArg(e.c, "leader-election-namespace") {
				args.YNode().Content = append(args.YNode().Content, yaml.NewStringRNode("--leader-election-namespace=$(POD_NAMESPACE)").YNode())
				added += " --leader-election-namespace=$(POD_NAMESPACE)"
			}
		}
		out = append(out, e.name)
		missing = append(missing, fmt.Sprintf("%s (%s)", e.name, added))
	}
	msg := "leader election: added to " + strings.Join(missing, ", ")
	if raised {
		msg += fmt.Sprintf(", as the policy raises replicas %d -> %d", before, n)
	}
	if f.Leases != nil && access == Unknown {
		msg += fmt.Sprintf(" (ServiceAccount %s needs get, create and update on leases, coordination.k8s.io)", account(ns, sa))
	}
	return append(findings, results.Finding{Rule: rule, Severity: results.Info, Field: "spec.template.spec.containers",
		Text: results.Change{Done: msg,
			Required: fmt.Sprintf("containers %s must run with leader election beside other replicas", strings.Join(out, ", "))}})
}

func isLeaderElected(name, image string) bool {
	image = detect.ImageName(image)
	for _, s := range LeaderElected {
		if strings.HasSuffix(name, s) || strings.HasSuffix(image, s) {
			return true
		}
	}
	return false
}

// flag finds a leader election flag (one dash or two, as Go's flag
// package reads them) among args and command: whether it enables leader
// election, and whether the container has one at all.
func flag(c *yaml.RNode) (arg *yaml.Node, enabled, family bool) {
	for _, list := range []string{"command", "args"} {
		for _, e := range yn.Elements(yn.Get(c, list)) {
			a := e.YNode()
			name, value, hasValue := strings.Cut(strings.TrimLeft(a.Value, "-"), "=")
			if !slices.Contains(flagNames, name) || !strings.HasPrefix(a.Value, "-") {
				continue
			}
			if !hasValue {
				return a, true, true
			}
			b, err := strconv.ParseBool(value)
			return a, err == nil && b, true
		}
	}
	return nil, false, false
}

func hasArg(c *yaml.RNode, name string) bool {
	for _, list := range []string{"command", "args"} {
		for _, e := range yn.Elements(yn.Get(c, list)) {
			a := e.YNode()
			n, _, _ := strings.Cut(strings.TrimLeft(a.Value, "-"), "=")
			if n == name && strings.HasPrefix(a.Value, "-") {
				return true
			}
		}
	}
	return false
}

func hasEnv(c *yaml.RNode, name string) bool {
	for _, e := range yn.Elements(yn.Get(c, "env")) {
		if yn.String(e, "name") == name {
			return true
		}
	}
	return false
}

func account(ns, sa string) string {
	if ns == "" {
		return sa
	}
	return ns + "/" + sa
}
