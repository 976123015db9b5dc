package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// cmKey is a key of the ConfigMap form and the spec field it sets.
type cmKey struct {
	key, spec string
	set       func(s *Spec, v string) error
}

// enumOf sets an enum field from a value of any case.
func enumOf(f func(*Spec) *string, allowed ...string) func(*Spec, string) error {
	return func(s *Spec, v string) error {
		for _, a := range allowed {
			if strings.EqualFold(strings.TrimSpace(v), a) {
				*f(s) = a
				return nil
			}
		}
		return fmt.Errorf("must be one of %s (any case), got %q", strings.ToLower(strings.Join(allowed, ", ")), v)
	}
}

func str(f func(*Spec) *string) func(*Spec, string) error {
	return func(s *Spec, v string) error { *f(s) = v; return nil }
}

func integer(f func(*Spec) **int, what string) func(*Spec, string) error {
	return func(s *Spec, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("must be %s, got %q", what, v)
		}
		*f(s) = &n
		return nil
	}
}

func target(s *Spec) *Target {
	if len(s.Targets) == 0 {
		s.Targets = []Target{{}}
	}
	return &s.Targets[0]
}

// cmKeys are the ConfigMap keys, in the order the README lists them.
var cmKeys = []cmKey{
	{"mode", "spec.mode", enumOf(func(s *Spec) *string { return &s.Mode }, Enforce, Audit)},
	{"target-kind", "spec.targets[0].kind", enumOf(func(s *Spec) *string { return &target(s).Kind }, "Deployment", "StatefulSet")},
	{"target-name", "spec.targets[0].name", str(func(s *Spec) *string { return &target(s).Name })},
	{"target-namespace", "spec.targets[0].namespace", str(func(s *Spec) *string { return &target(s).Namespace })},
	{"on-no-match", "spec.onNoMatch", enumOf(func(s *Spec) *string { return &s.OnNoMatch }, Error, Warning, Ignore)},
	{"node-affinity", "spec.nodeAffinity.type", enumOf(func(s *Spec) *string { return &s.NodeAffinity.Type }, Required, Preferred, None)},
	{"control-plane-labels", "spec.nodeAffinity.controlPlaneLabels", func(s *Spec, v string) error {
		s.NodeAffinity.ControlPlaneLabels = []string{}
		for _, l := range strings.Split(v, ",") {
			if l = strings.TrimSpace(l); l != "" {
				s.NodeAffinity.ControlPlaneLabels = append(s.NodeAffinity.ControlPlaneLabels, l)
			}
		}
		return nil
	}},
	{"existing-affinity", "spec.nodeAffinity.existing", enumOf(func(s *Spec) *string { return &s.NodeAffinity.Existing }, Merge, Replace)},
	{"pod-anti-affinity", "spec.podAntiAffinity.type", enumOf(func(s *Spec) *string { return &s.PodAntiAffinity.Type }, Preferred, Required, None)},
	{"anti-affinity-weight", "spec.podAntiAffinity.weight", integer(func(s *Spec) **int { return &s.PodAntiAffinity.Weight }, "an integer between 1 and 100")},
	{"topology-key", "spec.podAntiAffinity.topologyKey", str(func(s *Spec) *string { return &s.PodAntiAffinity.TopologyKey })},
	{"control-plane-tolerations", "spec.tolerations.controlPlane", boolean(func(s *Spec) **bool { return &s.Tolerations.ControlPlane })},
	{"replicas", "spec.replicas", func(s *Spec, v string) error {
		if strings.EqualFold(strings.TrimSpace(v), "auto") {
			s.Replicas = &Replicas{Auto: true}
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return fmt.Errorf("must be an integer >= 0 or \"auto\", got %q", v)
		}
		s.Replicas = &Replicas{Count: n}
		return nil
	}},
	{"control-plane-nodes", "spec.controlPlaneNodes", integer(func(s *Spec) **int { return &s.ControlPlaneNodes }, "an integer >= 0")},
	{"min-replicas", "spec.replicaBounds.min", integer(func(s *Spec) **int { return &s.ReplicaBounds.Min }, "an integer >= 1")},
	{"max-replicas", "spec.replicaBounds.max", integer(func(s *Spec) **int { return &s.ReplicaBounds.Max }, "an integer >= 1")},
	{"node-plugin-tolerations", "spec.nodePlugin.tolerateControlPlane", boolean(func(s *Spec) **bool { return &s.NodePlugin.TolerateControlPlane })},
	{"sidecar-leader-election", "spec.sidecars.leaderElection", enumOf(func(s *Spec) *string { return &s.Sidecars.LeaderElection }, Auto, Add, Check, Ignore)},
	{"rollout-strategy", "spec.rollout.strategy", enumOf(func(s *Spec) *string { return &s.Rollout.Strategy }, Fix, Keep)},
	{"pdb-max-unavailable", "spec.podDisruptionBudget", intOrPercent(func(p *PodDisruptionBudget) **IntOrPercent { return &p.MaxUnavailable })},
	{"pdb-min-available", "spec.podDisruptionBudget", intOrPercent(func(p *PodDisruptionBudget) **IntOrPercent { return &p.MinAvailable })},
	{"priority-class-name", "spec.priorityClassName", str(func(s *Spec) *string { return &s.PriorityClassName })},
	{"topology-spread-key", "spec.topologySpread.topologyKey", str(func(s *Spec) *string { return &spread(s).TopologyKey })},
	{"topology-spread-max-skew", "spec.topologySpread.maxSkew", integer(func(s *Spec) **int { return &spread(s).MaxSkew }, "an integer >= 1")},
	{"topology-spread-when-unsatisfiable", "spec.topologySpread.whenUnsatisfiable", enumOf(func(s *Spec) *string { return &spread(s).WhenUnsatisfiable }, ScheduleAnyway, DoNotSchedule)},
}

func spread(s *Spec) *TopologySpread {
	if s.TopologySpread == nil {
		s.TopologySpread = &TopologySpread{}
	}
	return s.TopologySpread
}

func boolean(f func(*Spec) **bool) func(*Spec, string) error {
	return func(s *Spec, v string) error {
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v)))
		if err != nil {
			return fmt.Errorf("must be true or false, got %q", v)
		}
		*f(s) = &b
		return nil
	}
}

func intOrPercent(f func(*PodDisruptionBudget) **IntOrPercent) func(*Spec, string) error {
	return func(s *Spec, v string) error {
		var x any = strings.TrimSpace(v)
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			x = float64(n)
		}
		got, err := parseIntOrPercent(x)
		if err != nil {
			return err
		}
		if s.PodDisruptionBudget == nil {
			s.PodDisruptionBudget = &PodDisruptionBudget{}
		}
		*f(s.PodDisruptionBudget) = &got
		return nil
	}
}

// parseConfigMap reads the flat form that `kpt fn eval -- key=value` makes.
func parseConfigMap(obj map[string]any) (*Policy, error) {
	p := &Policy{APIVersion: APIVersion, Kind: Kind}
	var errs Errors
	data, _ := obj["data"].(map[string]any)
	if d, ok := obj["data"]; ok && d != nil && data == nil {
		return nil, Errors{fieldErr("data", "must be a mapping of strings, got %s", describe(d))}
	}
	byKey := map[string]cmKey{}
	names := make([]string, len(cmKeys))
	for i, k := range cmKeys {
		byKey[k.key], names[i] = k, k.key
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		field := "data." + k
		ck, ok := byKey[k]
		if !ok {
			msg := "is not a known key"
			if s := closest(k, names); s != "" {
				msg += fmt.Sprintf(": did you mean %q?", s)
			}
			errs = append(errs, fieldErr(field, "%s (known keys: %s)", msg, strings.Join(names, ", ")))
			continue
		}
		v, ok := data[k].(string)
		if !ok {
			errs = append(errs, fieldErr(field, "must be a string, got %s", describe(data[k])))
			continue
		}
		if err := ck.set(&p.Spec, v); err != nil {
			errs = append(errs, fieldErr(field, "%s", err))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if errs := p.validate(configMapField); len(errs) > 0 {
		return nil, errs
	}
	p.setDefaults()
	return p, nil
}

// configMapField names a spec field by the ConfigMap key that sets it.
func configMapField(specPath string) string {
	for _, k := range cmKeys {
		if specPath == k.spec || strings.HasPrefix(specPath, k.spec+"[") {
			return "data." + k.key
		}
	}
	return specPath
}
