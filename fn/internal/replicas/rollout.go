package replicas

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/schedule"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const (
	rolloutRule = "rollout"
	rollingPath = "spec.strategy.rollingUpdate"
)

// Stalls reports whether a rollout that cannot finish is the strategy's
// doing: a Deployment's rolling update whose replicas could all run.
func Stalls(w *workload.Workload, r schedule.Rollout, placed schedule.Placement) bool {
	return !r.CanFinish && placed.Pending == 0 && w.Kind == "Deployment" && strings.HasPrefix(r.Strategy, "RollingUpdate")
}

// FixRollout makes a Deployment roll one pod at a time without a surge
// pod (maxSurge 0, and maxUnavailable 1 unless it already lets a pod go):
// the rollout simulation found that a surge pod has nowhere to run, so
// the new ReplicaSet waits for it forever. why is the simulation's reason.
func FixRollout(w *workload.Workload, st schedule.Strategy, replicas int, why string) []results.Finding {
	one := intstr.FromInt32(1)
	raw := st
	raw.MaxSurge = &one // keeps Fenceposts from lifting a 0 to 1
	_, unavailable, _ := raw.Fenceposts(replicas)
	ru := yn.Get(w.RNode, "spec", "strategy", "rollingUpdate")
	var set, was []string
	edit := func(key string, v int) {
		cur := yn.Get(ru, key)
		if !cur.IsNil() && yn.String(cur) == fmt.Sprint(v) {
			return
		}
		from := "unset"
		if !cur.IsNil() {
			from = yn.String(cur)
		}
		ru = yn.Ensure(yn.Ensure(w.Spec(), "strategy", yaml.MappingNode, w.SpecOrder()), "rollingUpdate", yaml.MappingNode, yn.StrategyOrder)
		yn.SetScalar(ru, key, yn.Int(v), yn.RollingUpdateOrder)
		set = append(set, fmt.Sprintf("%s %d", key, v))
		was = append(was, fmt.Sprintf("%s %s -> %d", key, from, v))
	}
	if unavailable < 1 || yn.Get(ru, "maxUnavailable").IsNil() {
		edit("maxUnavailable", 1)
	}
	edit("maxSurge", 0)
	if len(set) == 0 {
		return nil
	}
	return []results.Finding{{Rule: rolloutRule, Severity: results.Info, Field: rollingPath,
		Text: results.Change{Done: fmt.Sprintf("rollout: %s, as with %s the rollout %s", strings.Join(was, ", "), st.Describe(replicas), why),
			Required: fmt.Sprintf("`%s` must set %s: with %s the rollout %s", rollingPath, strings.Join(set, ", "), st.Describe(replicas), why)}}}
}

// KeptRollout is the finding when the policy keeps a strategy that stalls.
func KeptRollout(st schedule.Strategy, replicas int, why string) results.Finding {
	return results.Finding{Rule: rolloutRule, Severity: results.Error, Field: rollingPath,
		Text: results.Text(fmt.Sprintf("rollout: with %s the rollout %s; set maxSurge 0 and maxUnavailable 1, or `spec.rollout.strategy: Fix` (ConfigMap: rollout-strategy=fix)", st.Describe(replicas), why))}
}
