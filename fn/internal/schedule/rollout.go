package schedule

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/csi-placement/csi-placement/fn/internal/results"
)

// Strategy is a workload's update strategy, as the API defaults it.
type Strategy struct {
	Kind string // Deployment or StatefulSet
	// Type is RollingUpdate, Recreate (Deployment) or OnDelete (StatefulSet).
	Type string
	// MaxSurge and MaxUnavailable are the rolling update's bounds; nil
	// means the API default (25% for a Deployment; maxUnavailable 1 for a
	// StatefulSet).
	MaxSurge, MaxUnavailable *intstr.IntOrString
	// Partition: a StatefulSet updates the pods of ordinal >= Partition.
	Partition int
}

// DeploymentStrategy reads a Deployment's strategy.
func DeploymentStrategy(s appsv1.DeploymentStrategy) Strategy {
	st := Strategy{Kind: "Deployment", Type: string(s.Type)}
	if st.Type == "" {
		st.Type = string(appsv1.RollingUpdateDeploymentStrategyType)
	}
	if ru := s.RollingUpdate; ru != nil {
		st.MaxSurge, st.MaxUnavailable = ru.MaxSurge, ru.MaxUnavailable
	}
	return st
}

// StatefulSetStrategy reads a StatefulSet's update strategy.
func StatefulSetStrategy(s appsv1.StatefulSetUpdateStrategy) Strategy {
	st := Strategy{Kind: "StatefulSet", Type: string(s.Type)}
	if st.Type == "" {
		st.Type = string(appsv1.RollingUpdateStatefulSetStrategyType)
	}
	if ru := s.RollingUpdate; ru != nil {
		st.MaxUnavailable = ru.MaxUnavailable
		if ru.Partition != nil {
			st.Partition = int(*ru.Partition)
		}
	}
	return st
}

// Fenceposts resolves a Deployment's maxSurge and maxUnavailable for
// replicas as the deployment controller does: a surge percentage rounds
// up, an unavailable one down, and when both come to 0 maxUnavailable is 1.
func (s Strategy) Fenceposts(replicas int) (surge, unavailable int, err error) {
	def := intstr.FromString("25%")
	ms, mu := &def, &def
	if s.MaxSurge != nil {
		ms = s.MaxSurge
	}
	if s.MaxUnavailable != nil {
		mu = s.MaxUnavailable
	}
	if surge, err = intstr.GetScaledValueFromIntOrPercent(ms, replicas, true); err != nil {
		return 0, 0, fmt.Errorf("maxSurge: %w", err)
	}
	if unavailable, err = intstr.GetScaledValueFromIntOrPercent(mu, replicas, false); err != nil {
		return 0, 0, fmt.Errorf("maxUnavailable: %w", err)
	}
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable, nil
}

// Describe words the rolling update's bounds for replicas: "maxSurge 1,
// maxUnavailable 0 (the default 25% of 3 replicas)".
func (s Strategy) Describe(replicas int) string {
	surge, unavailable, err := s.Fenceposts(replicas)
	if err != nil {
		return "an invalid strategy"
	}
	var from []string
	for _, f := range []struct {
		name string
		v    *intstr.IntOrString
	}{{"maxSurge", s.MaxSurge}, {"maxUnavailable", s.MaxUnavailable}} {
		switch {
		case f.v == nil:
			from = append(from, f.name+" the default 25%")
		case f.v.Type == intstr.String:
			from = append(from, f.name+" "+f.v.StrVal)
		}
	}
	out := fmt.Sprintf("maxSurge %d, maxUnavailable %d", surge, unavailable)
	if len(from) > 0 {
		out += fmt.Sprintf(" (%s of %s)", strings.Join(from, ", "), results.Count(replicas, "replica"))
	}
	return out
}

// Rollout is whether a pod-template change can roll out to completion.
type Rollout struct {
	Strategy  string
	CanFinish bool
	// Reason says why not, or how it goes.
	Reason string
}

// SimulateRollout rolls a pod-template change out over a workload placed
// as old on c (which holds the other pods too), step by step as the
// deployment or StatefulSet controller and the scheduler would, and says
// whether it finishes. c is not changed.
func SimulateRollout(c *Cluster, newPod Replica, replicas int, old Placement, s Strategy) Rollout {
	r := Rollout{Strategy: s.Type}
	if old.Pending > 0 {
		r.Reason = fmt.Sprintf("only %d of %d replicas can run at all: %s", len(old.Nodes), replicas, old.Why)
		return r
	}
	c = c.Clone()
	switch {
	case s.Kind == "StatefulSet" && s.Type == string(appsv1.OnDeleteStatefulSetStrategyType):
		r.Reason = "updateStrategy OnDelete: a pod is updated only when it is deleted"
		return r
	case s.Kind == "StatefulSet":
		return statefulSetRollout(c, newPod, replicas, old, s, r)
	case s.Type == string(appsv1.RecreateDeploymentStrategyType):
		for _, p := range old.pods {
			c.Remove(p)
		}
		if pl := Place(c, newPod, replicas, "new"); pl.Pending > 0 {
			r.Reason = fmt.Sprintf("Recreate: %d of %d new pods cannot be placed: %s", pl.Pending, replicas, pl.Why)
			return r
		}
		r.CanFinish, r.Reason = true, "Recreate: all pods are replaced at once"
		return r
	}
	return deploymentRollout(c, newPod, replicas, old, s, r)
}

func deploymentRollout(c *Cluster, newPod Replica, replicas int, old Placement, s Strategy, r Rollout) Rollout {
	surge, unavailable, err := s.Fenceposts(replicas)
	if err != nil {
		r.Reason = err.Error()
		return r
	}
	r.Strategy = fmt.Sprintf("RollingUpdate maxSurge %d, maxUnavailable %d", surge, unavailable)
	oldPods := append([]*Pod(nil), old.pods...)
	var placed, pending []*Pod // new pods
	schedule := func() {
		var still []*Pod
		for _, p := range pending {
			if i, _ := c.choose(p); i >= 0 {
				c.Bind(p, i)
				placed = append(placed, p)
			} else {
				still = append(still, p)
			}
		}
		pending = still
	}
	var lastWhy string
	for step := 0; step < 4*replicas+8; step++ {
		before := len(oldPods)*1000 + len(placed)*10 + len(pending)
		// The new ReplicaSet scales up within replicas + maxSurge.
		total := len(oldPods) + len(placed) + len(pending)
		if up := min(replicas+surge-total, replicas-len(placed)-len(pending)); up > 0 {
			for range up {
				pending = append(pending, newPod("new"))
			}
		}
		schedule()
		// The old ones scale down while replicas - maxUnavailable stay
		// available; a new pod that is not running is not available.
		total = len(oldPods) + len(placed) + len(pending)
		minAvailable := replicas - unavailable
		if total-minAvailable-len(pending) > 0 {
			if down := min(len(oldPods)+len(placed)-minAvailable, len(oldPods)); down > 0 {
				for _, p := range oldPods[len(oldPods)-down:] {
					c.Remove(p)
				}
				oldPods = oldPods[:len(oldPods)-down]
			}
		}
		schedule()
		if len(oldPods) == 0 && len(placed) == replicas {
			r.CanFinish = true
			r.Reason = "every old pod is replaced"
			return r
		}
		if len(pending) > 0 {
			_, vs := c.choose(pending[0])
			lastWhy = why(vs)
		}
		if len(oldPods)*1000+len(placed)*10+len(pending) == before {
			break
		}
	}
	r.Reason = fmt.Sprintf("stalls with %d new pod(s) Pending and %d old pod(s) left: %s", len(pending), len(oldPods), lastWhy)
	return r
}

// statefulSetRollout replaces pods from the highest ordinal down to the
// partition, each deleted and then recreated, with maxUnavailable of them
// at a time.
func statefulSetRollout(c *Cluster, newPod Replica, replicas int, old Placement, s Strategy, r Rollout) Rollout {
	batch := 1
	if s.MaxUnavailable != nil {
		if n, err := intstr.GetScaledValueFromIntOrPercent(s.MaxUnavailable, replicas, false); err == nil && n > 1 {
			batch = n
		}
	}
	for hi := replicas - 1; hi >= s.Partition; hi -= batch {
		lo := max(hi-batch+1, s.Partition)
		for k := hi; k >= lo; k-- {
			c.Remove(old.pods[k])
		}
		for k := hi; k >= lo; k-- {
			p := newPod("new")
			i, vs := c.choose(p)
			if i < 0 {
				r.Reason = fmt.Sprintf("stalls: the updated pod %d cannot be placed: %s", k, why(vs))
				return r
			}
			c.Bind(p, i)
		}
	}
	r.CanFinish = true
	r.Reason = "pods are replaced one by one"
	if s.Partition > 0 {
		r.Reason = fmt.Sprintf("pods from ordinal %d are replaced one by one", s.Partition)
	}
	return r
}
