package config

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// namer turns the path of a spec field into the path the user wrote: the
// same for the typed config, a `data.key` for the ConfigMap form.
type namer func(specPath string) string

// validate checks values and ranges; types were checked while decoding.
func (p *Policy) validate(name namer) Errors {
	var errs Errors
	s := &p.Spec
	add := func(specPath, format string, args ...any) {
		errs = append(errs, fieldErr(name(specPath), format, args...))
	}
	oneOf := func(specPath, v string, allowed ...string) {
		if v == "" {
			return
		}
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		add(specPath, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
	oneOf("spec.mode", s.Mode, Enforce, Audit)
	oneOf("spec.onNoMatch", s.OnNoMatch, Error, Warning, Ignore)
	for i, t := range s.Targets {
		at := fmt.Sprintf("spec.targets[%d]", i)
		if t.Kind == "" && t.Name == "" && t.Namespace == "" && len(t.Labels) == 0 {
			add(at, "must set at least one of kind, name, namespace, labels: an empty target would select every Deployment and StatefulSet")
		}
		oneOf(at+".kind", t.Kind, "Deployment", "StatefulSet")
		if _, err := path.Match(t.Name, ""); err != nil {
			add(at+".name", "must be a name or a glob with *, got %q", t.Name)
		}
		for k := range t.Labels {
			if !isLabelKey(k) {
				add(at+".labels", "must have valid label keys, got %q", k)
			}
		}
	}
	oneOf("spec.nodeAffinity.type", s.NodeAffinity.Type, Required, Preferred, None)
	oneOf("spec.nodeAffinity.existing", s.NodeAffinity.Existing, Merge, Replace)
	if s.NodeAffinity.ControlPlaneLabels != nil && len(s.NodeAffinity.ControlPlaneLabels) == 0 {
		add("spec.nodeAffinity.controlPlaneLabels", "must not be empty: leave it out for the defaults (%s)", strings.Join(DefaultControlPlaneLabels, ", "))
	}
	seen := map[string]bool{}
	for i, l := range s.NodeAffinity.ControlPlaneLabels {
		at := fmt.Sprintf("spec.nodeAffinity.controlPlaneLabels[%d]", i)
		switch {
		case !isLabelKey(l):
			add(at, "must be a label key such as node-role.kubernetes.io/control-plane, got %q", l)
		case seen[l]:
			add(at, "must not repeat %q", l)
		}
		seen[l] = true
	}
	oneOf("spec.podAntiAffinity.type", s.PodAntiAffinity.Type, Preferred, Required, None)
	if w := s.PodAntiAffinity.Weight; w != nil && (*w < 1 || *w > 100) {
		add("spec.podAntiAffinity.weight", "must be between 1 and 100, got %d", *w)
	}
	if k := s.PodAntiAffinity.TopologyKey; k != "" && !isLabelKey(k) {
		add("spec.podAntiAffinity.topologyKey", "must be a label key such as kubernetes.io/hostname, got %q", k)
	}
	for i, t := range s.Tolerations.Extra {
		at := fmt.Sprintf("spec.tolerations.extra[%d]", i)
		oneOf(at+".operator", t.Operator, "Exists", "Equal")
		oneOf(at+".effect", t.Effect, "NoSchedule", "PreferNoSchedule", "NoExecute")
		if t.Key != "" && !isLabelKey(t.Key) {
			add(at+".key", "must be a taint key, got %q", t.Key)
		}
		if t.Operator == "Exists" && t.Value != "" {
			add(at+".value", "must be empty when operator is Exists, got %q", t.Value)
		}
		if t.Key == "" && t.Operator != "Exists" {
			add(at+".operator", "must be Exists when key is empty, got %q", t.Operator)
		}
		if t.TolerationSeconds != nil && t.Effect != "NoExecute" {
			add(at+".tolerationSeconds", "must be set only with effect NoExecute, got effect %q", t.Effect)
		}
	}
	oneOf("spec.sidecars.leaderElection", s.Sidecars.LeaderElection, Auto, Add, Check, Ignore)
	oneOf("spec.rollout.strategy", s.Rollout.Strategy, Fix, Keep)
	if pdb := s.PodDisruptionBudget; pdb != nil && (pdb.MaxUnavailable == nil) == (pdb.MinAvailable == nil) {
		add("spec.podDisruptionBudget", "must set exactly one of maxUnavailable and minAvailable")
	}
	if ts := s.TopologySpread; ts != nil {
		if ts.TopologyKey != "" && !isLabelKey(ts.TopologyKey) {
			add("spec.topologySpread.topologyKey", "must be a label key such as topology.kubernetes.io/zone, got %q", ts.TopologyKey)
		}
		if ts.MaxSkew != nil && *ts.MaxSkew < 1 {
			add("spec.topologySpread.maxSkew", "must be >= 1, got %d", *ts.MaxSkew)
		}
		oneOf("spec.topologySpread.whenUnsatisfiable", ts.WhenUnsatisfiable, ScheduleAnyway, DoNotSchedule)
	}
	if n := s.PriorityClassName; n != "" && !labelPrefix.MatchString(n) {
		add("spec.priorityClassName", "must be a PriorityClass name such as system-cluster-critical, got %q", n)
	}
	if n := s.ControlPlaneNodes; n != nil && *n < 0 {
		add("spec.controlPlaneNodes", "must be >= 0, got %d", *n)
	}
	b := s.ReplicaBounds
	if b.Min != nil && *b.Min < 1 {
		add("spec.replicaBounds.min", "must be >= 1, got %d", *b.Min)
	}
	if b.Max != nil && *b.Max < 1 {
		add("spec.replicaBounds.max", "must be >= 1, got %d", *b.Max)
	}
	if b.Min != nil && b.Max != nil && *b.Max < *b.Min {
		add("spec.replicaBounds.max", "must be >= min (%d), got %d", *b.Min, *b.Max)
	}
	return errs
}

// A label key: an optional DNS subdomain prefix and a name of up to 63
// characters, as Kubernetes validates it.
var (
	labelName   = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
	labelPrefix = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

func isLabelKey(k string) bool {
	prefix, name, found := strings.Cut(k, "/")
	if !found {
		return labelName.MatchString(k)
	}
	return len(prefix) <= 253 && labelPrefix.MatchString(prefix) && labelName.MatchString(name)
}
