package config

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// namer turns the path of a spec field into the path the user wrote: the
// same for the typed config, a `data.key` for the ConfigMap form.
type namer func(specPath string) string

func typedField(specPath string) string { return specPath }

// validate checks values and ranges; types were checked while decoding.
// The errors' fields are named by name, as are the fields a detail refers
// to.
func (p *Policy) validate(name namer) field.ErrorList {
	var errs field.ErrorList
	add := func(e ...*field.Error) {
		for _, e := range e {
			if e != nil {
				errs = append(errs, e)
			}
		}
	}
	ref := func(p *field.Path) string { return "`" + name(p.String()) + "`" }
	enum := func(p *field.Path, v string, allowed ...string) {
		if v != "" {
			add(oneOf(p, v, allowed...))
		}
	}
	s := &p.Spec
	spec := field.NewPath("spec")
	enum(spec.Child("mode"), s.Mode, Enforce, Audit)
	enum(spec.Child("onNoMatch"), s.OnNoMatch, Error, Warning, Ignore)
	for i, t := range s.Targets {
		at := spec.Child("targets").Index(i)
		if t.Kind == "" && t.Name == "" && t.Namespace == "" && len(t.Labels) == 0 {
			add(field.Required(at, "must set at least one of kind, name, namespace, labels: an empty target would select every Deployment and StatefulSet"))
		}
		enum(at.Child("kind"), t.Kind, "Deployment", "StatefulSet")
		if _, err := path.Match(t.Name, ""); err != nil {
			add(invalid(at.Child("name"), t.Name, "must be a name or a glob with *"))
		}
		for _, k := range sortedKeys(t.Labels) {
			if len(content.IsLabelKey(k)) > 0 {
				add(invalid(at.Child("labels"), k, "must have valid label keys"))
			} else if len(content.IsLabelValue(t.Labels[k])) > 0 {
				add(invalid(at.Child("labels").Key(k), t.Labels[k], "must be a label value: at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit"))
			}
		}
	}
	pool := spec.Child("nodePool")
	enum(pool.Child("preset"), s.NodePool.Preset, ControlPlane, OpenShiftInfra, HarvesterManagement, Custom)
	switch np := s.NodePool; {
	case np.Preset == Custom:
		if len(np.Labels) == 0 {
			add(field.Required(pool.Child("labels"), "must name the pool's nodes by at least one label key with preset Custom"))
		}
		for i, l := range np.Labels {
			if len(content.IsLabelKey(l)) > 0 {
				add(invalid(pool.Child("labels").Index(i), l, "must be a label key such as node-role.kubernetes.io/infra"))
			}
		}
		add(validateTolerations(np.Tolerations, pool.Child("tolerations"))...)
	default:
		// Each field set is named, not only labels.
		for _, f := range []struct {
			name string
			set  bool
		}{{"labels", len(np.Labels) > 0}, {"tolerations", len(np.Tolerations) > 0}} {
			if f.set {
				add(field.Forbidden(pool.Child(f.name), "must be set only with "+ref(pool.Child("preset"))+" Custom: a preset names its own labels and tolerations"))
			}
		}
	}
	if p := s.NodePool.Preset; p != "" && p != ControlPlane && s.NodeAffinity.ControlPlaneLabels != nil {
		add(field.Forbidden(spec.Child("nodeAffinity", "controlPlaneLabels"), "must not be set with "+ref(pool.Child("preset"))+" "+p+": the pool's labels are the node affinity's"))
	}
	na := spec.Child("nodeAffinity")
	enum(na.Child("type"), s.NodeAffinity.Type, Required, Preferred, None)
	enum(na.Child("existing"), s.NodeAffinity.Existing, Merge, Replace)
	labels := na.Child("controlPlaneLabels")
	if s.NodeAffinity.ControlPlaneLabels != nil && len(s.NodeAffinity.ControlPlaneLabels) == 0 {
		add(field.Required(labels, "must not be empty: leave it out for the defaults ("+strings.Join(DefaultControlPlaneLabels, ", ")+")"))
	}
	seen := map[string]bool{}
	for i, l := range s.NodeAffinity.ControlPlaneLabels {
		switch {
		case len(content.IsLabelKey(l)) > 0:
			add(invalid(labels.Index(i), l, "must be a label key such as node-role.kubernetes.io/control-plane"))
		case seen[l]:
			add(field.Duplicate(labels.Index(i), l))
		}
		seen[l] = true
	}
	pa := spec.Child("podAntiAffinity")
	enum(pa.Child("type"), s.PodAntiAffinity.Type, Preferred, Required, None)
	if w := s.PodAntiAffinity.Weight; w != nil && (*w < 1 || *w > 100) {
		add(invalid(pa.Child("weight"), *w, "must be between 1 and 100"))
	}
	if k := s.PodAntiAffinity.TopologyKey; k != "" && len(content.IsLabelKey(k)) > 0 {
		add(invalid(pa.Child("topologyKey"), k, "must be a label key such as kubernetes.io/hostname"))
	}
	add(validateTolerations(s.Tolerations.Extra, spec.Child("tolerations", "extra"))...)
	if t := s.Tolerations; t.FromInventory != nil && *t.FromInventory && t.ControlPlane != nil && !*t.ControlPlane {
		at := spec.Child("tolerations")
		add(field.Forbidden(at.Child("fromInventory"), "must not be true with "+ref(at.Child("controlPlane"))+
			" false: the inventory's taints replace the control-plane tolerations, which are turned off"))
	}
	enum(spec.Child("sidecars", "leaderElection"), s.Sidecars.LeaderElection, Auto, Add, Check, Ignore)
	enum(spec.Child("rollout", "strategy"), s.Rollout.Strategy, Fix, Keep)
	enum(spec.Child("resources", "mode"), s.Resources.Mode, Check, Add, Ignore)
	if v := s.ControlPlaneBudget.MaxShare; v != "" {
		if _, ok := Percent(v); !ok {
			add(invalid(spec.Child("controlPlaneBudget", "maxShare"), v, `must be a percentage between 1%% and 100%%, such as "10%%"`))
		}
	}
	if pdb := s.PodDisruptionBudget; pdb != nil {
		at := spec.Child("podDisruptionBudget")
		switch {
		case pdb.MaxUnavailable == nil && pdb.MinAvailable == nil:
			add(field.Required(at, "must set exactly one of maxUnavailable and minAvailable"))
		case pdb.MaxUnavailable != nil && pdb.MinAvailable != nil:
			add(field.Forbidden(at.Child("minAvailable"), "must not be set with "+ref(at.Child("maxUnavailable"))+": a PodDisruptionBudget takes exactly one"))
		}
		add(intOrPercent(at.Child("maxUnavailable"), pdb.MaxUnavailable), intOrPercent(at.Child("minAvailable"), pdb.MinAvailable))
	}
	keys := map[string]*field.Path{}
	spread := func(ts *TopologySpread, at *field.Path) {
		if ts.TopologyKey != "" && len(content.IsLabelKey(ts.TopologyKey)) > 0 {
			add(invalid(at.Child("topologyKey"), ts.TopologyKey, "must be a label key such as topology.kubernetes.io/zone"))
		}
		key := ts.TopologyKey
		if key == "" {
			key = DefaultSpreadKey
		}
		if first, ok := keys[key]; ok {
			add(invalid(at.Child("topologyKey"), key, "must differ from %s: one constraint per topology key", ref(first)))
		}
		keys[key] = at.Child("topologyKey")
		if ts.MaxSkew != nil && *ts.MaxSkew < 1 {
			add(invalid(at.Child("maxSkew"), *ts.MaxSkew, "must be >= 1"))
		}
		enum(at.Child("whenUnsatisfiable"), ts.WhenUnsatisfiable, ScheduleAnyway, DoNotSchedule)
	}
	if s.TopologySpread != nil {
		spread(s.TopologySpread, spec.Child("topologySpread"))
	}
	for i := range s.TopologySpreads {
		spread(&s.TopologySpreads[i], spec.Child("topologySpreads").Index(i))
	}
	if n := s.PriorityClassName; n != "" && len(content.IsDNS1123Subdomain(n)) > 0 {
		add(invalid(spec.Child("priorityClassName"), n, "must be a PriorityClass name such as system-cluster-critical"))
	}
	if n := s.ControlPlaneNodes; n != nil && (*n < 0 || *n > MaxReplicas) {
		add(invalid(spec.Child("controlPlaneNodes"), *n, "must be between 0 and %d", MaxReplicas))
	}
	if r := s.Replicas; r != nil && !r.Auto && r.Count > MaxReplicas {
		add(invalid(spec.Child("replicas"), r.Count, "must be at most %d (or \"auto\"): the proof places each replica", MaxReplicas))
	}
	b, at := s.ReplicaBounds, spec.Child("replicaBounds")
	if b.Min != nil && *b.Min < 1 {
		add(invalid(at.Child("min"), *b.Min, "must be >= 1"))
	}
	if b.Max != nil && (*b.Max < 1 || *b.Max > MaxReplicas) {
		add(invalid(at.Child("max"), *b.Max, "must be between 1 and %d", MaxReplicas))
	}
	if b.Min != nil && b.Max != nil && *b.Max < *b.Min {
		add(invalid(at.Child("max"), *b.Max, "must be >= %s (%d)", ref(at.Child("min")), *b.Min))
	}
	for _, e := range errs {
		e.Field = name(e.Field)
	}
	return errs
}

// intOrPercentDetail says what a PodDisruptionBudget value may be.
const intOrPercentDetail = `must be an integer >= 0 or a percentage such as "50%"`

// intOrPercent checks a PodDisruptionBudget value as the API server does
// (an integer >= 0, or a percentage), and a percentage above 100, which it
// lets through but the disruption controller cannot meet.
func intOrPercent(p *field.Path, v *intstr.IntOrString) *field.Error {
	switch {
	case v == nil:
		return nil
	case v.Type == intstr.Int && v.IntVal < 0:
		return field.Invalid(p, int(v.IntVal), intOrPercentDetail)
	case v.Type == intstr.String:
		if len(validation.IsValidPercent(v.StrVal)) > 0 {
			return field.Invalid(p, v.StrVal, intOrPercentDetail)
		}
		if n, _ := intstr.GetScaledValueFromIntOrPercent(v, 100, false); n > 100 {
			return field.Invalid(p, v.StrVal, intOrPercentDetail)
		}
	}
	return nil
}

// validateTolerations checks tolerations by the API server's rules
// (ValidateTolerations in k8s.io/kubernetes pkg/apis/core/validation): a
// key is a label key; an empty key needs operator Exists; Exists takes no
// value and Equal (or no operator) a label value; tolerationSeconds needs
// effect NoExecute. Lt and Gt are left out, as the API server leaves them
// out unless a feature gate is on. Each error is on the field the user
// most likely got wrong, where the API server's are on the operator.
func validateTolerations(ts []corev1.Toleration, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		at := p.Index(i)
		if t.Key != "" && len(content.IsLabelKey(t.Key)) > 0 {
			errs = append(errs, invalid(at.Child("key"), t.Key, "must be a taint key"))
		}
		switch t.Operator {
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, invalid(at.Child("value"), t.Value, "must be empty when operator is Exists"))
			}
		case corev1.TolerationOpEqual, "":
			if t.Key == "" {
				errs = append(errs, invalid(at.Child("operator"), string(t.Operator), "must be Exists when key is empty"))
			} else if len(content.IsLabelValue(t.Value)) > 0 {
				errs = append(errs, invalid(at.Child("value"), t.Value, "must be a label value: at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit"))
			}
		default:
			errs = append(errs, oneOf(at.Child("operator"), string(t.Operator), "Exists", "Equal"))
		}
		if t.Effect != "" {
			if e := oneOf(at.Child("effect"), string(t.Effect), "NoSchedule", "PreferNoSchedule", "NoExecute"); e != nil {
				errs = append(errs, e)
			}
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, &field.Error{Type: field.ErrorTypeForbidden, Field: at.Child("tolerationSeconds").String(),
				Detail: fmt.Sprintf("must be set only with effect NoExecute, got effect %q", t.Effect)})
		}
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Percent reads a percentage between 1% and 100%, such as "10%".
func Percent(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
	if err != nil || !strings.HasSuffix(v, "%") || n < 1 || n > 100 {
		return 0, false
	}
	return n, true
}
