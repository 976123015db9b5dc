package config

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// cmKey is a key of the ConfigMap form and the spec field it sets. set
// returns what the value must be when it cannot set it.
type cmKey struct {
	key, spec string
	set       func(s *Spec, v string) string
}

// enumOf sets an enum field from a value of any case.
func enumOf(f func(*Spec) *string, allowed ...string) func(*Spec, string) string {
	return func(s *Spec, v string) string {
		for _, a := range allowed {
			if strings.EqualFold(strings.TrimSpace(v), a) {
				*f(s) = a
				return ""
			}
		}
		return "must be one of " + strings.ToLower(strings.Join(allowed, ", ")) + " (any case)"
	}
}

func str(f func(*Spec) *string) func(*Spec, string) string {
	return func(s *Spec, v string) string { *f(s) = v; return "" }
}

// nonEmpty sets a target's field: an empty value would be no selector at
// all, which the key's name does not suggest.
func nonEmpty(f func(*Spec) *string) func(*Spec, string) string {
	return func(s *Spec, v string) string {
		if strings.TrimSpace(v) == "" {
			return "must not be empty: leave the key out to match any"
		}
		*f(s) = v
		return ""
	}
}

func integer(f func(*Spec) **int, what string) func(*Spec, string) string {
	return func(s *Spec, v string) string {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "must be " + what
		}
		*f(s) = &n
		return ""
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
	{"target-name", "spec.targets[0].name", nonEmpty(func(s *Spec) *string { return &target(s).Name })},
	{"target-namespace", "spec.targets[0].namespace", nonEmpty(func(s *Spec) *string { return &target(s).Namespace })},
	{"on-no-match", "spec.onNoMatch", enumOf(func(s *Spec) *string { return &s.OnNoMatch }, Error, Warning, Ignore)},
	{"node-pool", "spec.nodePool.preset", enumOf(func(s *Spec) *string { return &s.NodePool.Preset }, ControlPlane, OpenShiftInfra, HarvesterManagement)},
	{"node-affinity", "spec.nodeAffinity.type", enumOf(func(s *Spec) *string { return &s.NodeAffinity.Type }, Required, Preferred, None)},
	{"control-plane-labels", "spec.nodeAffinity.controlPlaneLabels", func(s *Spec, v string) string {
		s.NodeAffinity.ControlPlaneLabels = []string{}
		for _, l := range strings.Split(v, ",") {
			if l = strings.TrimSpace(l); l != "" {
				s.NodeAffinity.ControlPlaneLabels = append(s.NodeAffinity.ControlPlaneLabels, l)
			}
		}
		return ""
	}},
	{"existing-affinity", "spec.nodeAffinity.existing", enumOf(func(s *Spec) *string { return &s.NodeAffinity.Existing }, Merge, Replace)},
	{"pod-anti-affinity", "spec.podAntiAffinity.type", enumOf(func(s *Spec) *string { return &s.PodAntiAffinity.Type }, Preferred, Required, None)},
	{"anti-affinity-weight", "spec.podAntiAffinity.weight", integer(func(s *Spec) **int { return &s.PodAntiAffinity.Weight }, "an integer between 1 and 100")},
	{"topology-key", "spec.podAntiAffinity.topologyKey", str(func(s *Spec) *string { return &s.PodAntiAffinity.TopologyKey })},
	{"control-plane-tolerations", "spec.tolerations.controlPlane", boolean(func(s *Spec) **bool { return &s.Tolerations.ControlPlane })},
	{"tolerations-from-inventory", "spec.tolerations.fromInventory", boolean(func(s *Spec) **bool { return &s.Tolerations.FromInventory })},
	{"replicas", "spec.replicas", func(s *Spec, v string) string {
		if strings.EqualFold(strings.TrimSpace(v), "auto") {
			s.Replicas = &Replicas{Auto: true}
			return ""
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return `must be an integer >= 0 or "auto"`
		}
		s.Replicas = &Replicas{Count: n}
		return ""
	}},
	{"control-plane-nodes", "spec.controlPlaneNodes", integer(func(s *Spec) **int { return &s.ControlPlaneNodes }, "an integer >= 0")},
	{"min-replicas", "spec.replicaBounds.min", integer(func(s *Spec) **int { return &s.ReplicaBounds.Min }, "an integer >= 1")},
	{"max-replicas", "spec.replicaBounds.max", integer(func(s *Spec) **int { return &s.ReplicaBounds.Max }, "an integer >= 1")},
	{"node-plugin-tolerations", "spec.nodePlugin.tolerateControlPlane", boolean(func(s *Spec) **bool { return &s.NodePlugin.TolerateControlPlane })},
	{"sidecar-leader-election", "spec.sidecars.leaderElection", enumOf(func(s *Spec) *string { return &s.Sidecars.LeaderElection }, Auto, Add, Check, Ignore)},
	{"rollout-strategy", "spec.rollout.strategy", enumOf(func(s *Spec) *string { return &s.Rollout.Strategy }, Fix, Keep)},
	{"resources", "spec.resources.mode", enumOf(func(s *Spec) *string { return &s.Resources.Mode }, Check, Add, Ignore)},
	{"resources-memory-limit", "spec.resources.memoryLimit", func(s *Spec, v string) string {
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v)))
		if err != nil {
			return "must be true or false"
		}
		s.Resources.MemoryLimit = b
		return ""
	}},
	{"control-plane-budget", "spec.controlPlaneBudget.maxShare", str(func(s *Spec) *string { return &s.ControlPlaneBudget.MaxShare })},
	{"pdb-max-unavailable", "spec.podDisruptionBudget.maxUnavailable", intOrPercentKey(func(p *PodDisruptionBudget) **intstr.IntOrString { return &p.MaxUnavailable })},
	{"pdb-min-available", "spec.podDisruptionBudget.minAvailable", intOrPercentKey(func(p *PodDisruptionBudget) **intstr.IntOrString { return &p.MinAvailable })},
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

func boolean(f func(*Spec) **bool) func(*Spec, string) string {
	return func(s *Spec, v string) string {
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v)))
		if err != nil {
			return "must be true or false"
		}
		*f(s) = &b
		return ""
	}
}

// intOrPercentKey sets a PodDisruptionBudget value: "2" is the integer, as
// in `kpt fn eval -- pdb-max-unavailable=2`; validate checks it.
func intOrPercentKey(f func(*PodDisruptionBudget) **intstr.IntOrString) func(*Spec, string) string {
	return func(s *Spec, v string) string {
		v = strings.TrimSpace(v)
		got := intstr.FromString(v)
		if n, err := strconv.ParseInt(v, 10, 32); err == nil {
			got = intstr.FromInt32(int32(n))
		} else if !strings.HasSuffix(v, "%") {
			return intOrPercentDetail
		}
		if s.PodDisruptionBudget == nil {
			s.PodDisruptionBudget = &PodDisruptionBudget{}
		}
		*f(s.PodDisruptionBudget) = &got
		return ""
	}
}

// parseConfigMap reads the flat form that `kpt fn eval -- key=value` makes.
// Every error names the key the user wrote, also where the check is one of
// the typed form's.
func parseConfigMap(obj map[string]any, dups field.ErrorList) (*Policy, error) {
	p := &Policy{APIVersion: APIVersion, Kind: Kind}
	errs := dups
	data, _ := obj["data"].(map[string]any)
	if d, ok := obj["data"]; ok && d != nil && data == nil {
		return nil, render(field.ErrorList{field.TypeInvalid(field.NewPath("data"), d, "must be a mapping of strings")})
	}
	byKey := map[string]cmKey{}
	names := make([]string, len(cmKeys))
	for i, k := range cmKeys {
		byKey[k.key], names[i] = k, k.key
	}
	written := map[string]bool{}
	for _, k := range sortedKeys(data) {
		at := field.NewPath("data").Child(k)
		ck, ok := byKey[k]
		if !ok {
			detail := "is not a known key"
			if s := closest(k, names); s != "" {
				detail += fmt.Sprintf(": did you mean %q?", s)
			}
			errs = append(errs, field.Forbidden(at, detail+" (known keys: "+strings.Join(names, ", ")+")"))
			continue
		}
		v, ok := data[k].(string)
		if !ok || strings.HasPrefix(v, nonFinitePrefix) {
			errs = append(errs, field.TypeInvalid(at, data[k], "must be a string"))
			continue
		}
		if detail := ck.set(&p.Spec, v); detail != "" {
			e := field.Invalid(at, v, detail)
			if strings.TrimSpace(v) == "" {
				e = field.Required(at, detail) // ", got \"\"" would say it twice
			}
			errs = append(errs, e)
			continue
		}
		written[k] = true
	}
	if len(errs) > 0 {
		return nil, render(errs)
	}
	if errs := p.validate(configMapField(written)); len(errs) > 0 {
		return nil, render(errs)
	}
	p.setDefaults()
	return p, nil
}

// configMapField names a spec field by the ConfigMap key that sets it, and
// a field several keys set together (`spec.targets[0]`) by the first of
// them the user wrote.
func configMapField(written map[string]bool) namer {
	return func(specPath string) string {
		for _, k := range cmKeys {
			if specPath == k.spec || strings.HasPrefix(specPath, k.spec+"[") {
				return "data." + k.key
			}
		}
		for _, k := range cmKeys {
			if written[k.key] && (strings.HasPrefix(k.spec, specPath+".") || strings.HasPrefix(k.spec, specPath+"[")) {
				return "data." + k.key
			}
		}
		return specPath
	}
}
