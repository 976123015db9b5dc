package replicas

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/csi-placement/csi-placement/fn/results"
	"github.com/csi-placement/csi-placement/fn/workload"
	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

const (
	rolloutRule = "rollout"
	rollingPath = "spec.strategy.rollingUpdate"
)

// Rollout makes a Deployment with a required anti-affinity roll one pod at
// a time without a surge pod: with N replicas on N nodes a surge pod has no
// node to go to, and the rollout would never finish.
type Rollout struct{}

// Apply edits spec.strategy.
func (Rollout) Apply(w *workload.Workload) []results.Finding {
	if w.Kind != "Deployment" {
		return nil
	}
	strategy := yn.Lookup(w.Obj, "spec", "strategy")
	if t := yn.String(yn.Get(strategy, "type")); t != "" && t != "RollingUpdate" {
		return nil
	}
	ru := yn.Get(strategy, "rollingUpdate")
	surge, unavail := yn.Get(ru, "maxSurge"), yn.Get(ru, "maxUnavailable")
	var out []results.Finding
	switch {
	case surge != nil && !isZero(yn.String(surge)):
		return []results.Finding{{Rule: rolloutRule, Severity: results.Warning, Field: rollingPath + ".maxSurge",
			Message: fmt.Sprintf("rollout: maxSurge %s with a required pod anti-affinity: with as many replicas as nodes the surge pod has nowhere to run and the rollout deadlocks; set it to 0", yn.String(surge))}}
	case surge == nil && unavail != nil && isZero(yn.String(unavail)):
		return []results.Finding{{Rule: rolloutRule, Severity: results.Warning, Field: rollingPath + ".maxUnavailable",
			Message: "rollout: maxUnavailable 0 with a required pod anti-affinity needs a surge pod, which has nowhere to run when there are as many replicas as nodes; set maxUnavailable to 1"}}
	}
	var set []string
	add := func(key string, v *yaml.Node) {
		ru := yn.Ensure(yn.Ensure(w.Spec(), "strategy", yaml.MappingNode, w.SpecOrder()), "rollingUpdate", yaml.MappingNode, yn.StrategyOrder)
		yn.Set(ru, key, v, yn.RollingUpdateOrder)
		set = append(set, key+" "+v.Value)
	}
	if unavail == nil {
		add("maxUnavailable", yn.Int(1))
	}
	if surge == nil {
		add("maxSurge", yn.Int(0))
	}
	if len(set) > 0 {
		out = append(out, results.Finding{Rule: rolloutRule, Severity: results.Info, Field: rollingPath,
			Message:   "rollout: set " + strings.Join(set, ", "),
			Violation: fmt.Sprintf("`%s` must set %s", rollingPath, strings.Join(set, ", "))})
	}
	return out
}

func isZero(v string) bool { return v == "0" || v == "0%" }
