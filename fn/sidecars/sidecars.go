// Package sidecars checks, and on request fixes, leader election in the
// CSI sidecars of a controller that runs more than one replica: without it
// every replica's sidecar acts at once, and they race.
package sidecars

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/csi-placement/csi-placement/fn/config"
	"github.com/csi-placement/csi-placement/fn/detect"
	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

const rule = "leader election"

// LeaderElected are the sidecars that elect a leader when replicated.
var LeaderElected = []string{"csi-provisioner", "csi-attacher", "csi-resizer", "csi-snapshotter", "external-health-monitor-controller"}

// LeaderElection checks (Mode Check) or fixes (Mode Add) the sidecars of a
// workload with more than one replica. In Audit mode a missing flag is an
// error rather than a warning.
type LeaderElection struct {
	Mode  string
	Audit bool
}

// Apply checks or edits the sidecars' args.
func (f LeaderElection) Apply(w *workload.Workload) []results.Finding {
	if f.Mode == config.Ignore {
		return nil
	}
	if n, _, err := w.Replicas(); err != nil || n <= 1 {
		return nil
	}
	var out, missing []string
	var findings []results.Finding
	for i, c := range yn.Items(yn.Lookup(w.Obj, "spec", "template", "spec", "containers")) {
		name := yn.String(yn.Get(c, "name"))
		if !isLeaderElected(name, yn.String(yn.Get(c, "image"))) {
			continue
		}
		arg, enabled := flag(c)
		if enabled {
			continue
		}
		field := fmt.Sprintf("spec.template.spec.containers[%d].args", i)
		if f.Mode != config.Add {
			sev := results.Warning
			if f.Audit {
				sev = results.Error
			}
			findings = append(findings, results.Finding{Rule: rule, Severity: sev, Field: field,
				Message: fmt.Sprintf("leader election: container %q runs without --leader-election beside other replicas, so they act at once and race; add it (spec.sidecars.leaderElection: Add)", name)})
			continue
		}
		args := yn.Ensure(c, "args", yaml.SequenceNode, []string{"name", "image", "command", "args"})
		if arg != nil {
			arg.Value, arg.Style = "--leader-election", 0 // was =false
		} else {
			args.Content = append(args.Content, yn.Str("--leader-election"))
		}
		added := "--leader-election"
		if hasEnv(c, "POD_NAMESPACE") && !hasArg(c, "leader-election-namespace") {
			args.Content = append(args.Content, yn.Str("--leader-election-namespace=$(POD_NAMESPACE)"))
			added += " --leader-election-namespace=$(POD_NAMESPACE)"
		}
		out = append(out, name)
		missing = append(missing, fmt.Sprintf("%s (%s)", name, added))
	}
	if len(out) > 0 {
		findings = append(findings, results.Finding{Rule: rule, Severity: results.Info, Field: "spec.template.spec.containers",
			Message:   "leader election: added to " + strings.Join(missing, ", "),
			Violation: fmt.Sprintf("containers %s must run with --leader-election beside other replicas", strings.Join(out, ", "))})
	}
	return findings
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

// flag finds the --leader-election flag (one dash or two, as Go's flag
// package reads them) among args and command, and whether it enables
// leader election.
func flag(c *yaml.Node) (arg *yaml.Node, enabled bool) {
	for _, list := range []string{"command", "args"} {
		for _, a := range yn.Items(yn.Get(c, list)) {
			name, value, hasValue := strings.Cut(strings.TrimLeft(a.Value, "-"), "=")
			if name != "leader-election" || !strings.HasPrefix(a.Value, "-") {
				continue
			}
			if !hasValue {
				return a, true
			}
			b, err := strconv.ParseBool(value)
			return a, err == nil && b
		}
	}
	return nil, false
}

func hasArg(c *yaml.Node, name string) bool {
	for _, list := range []string{"command", "args"} {
		for _, a := range yn.Items(yn.Get(c, list)) {
			n, _, _ := strings.Cut(strings.TrimLeft(a.Value, "-"), "=")
			if n == name && strings.HasPrefix(a.Value, "-") {
				return true
			}
		}
	}
	return false
}

func hasEnv(c *yaml.Node, name string) bool {
	for _, e := range yn.Items(yn.Get(c, "env")) {
		if yn.String(yn.Get(e, "name")) == name {
			return true
		}
	}
	return false
}
