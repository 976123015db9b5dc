// Package api reads the rules' yaml nodes as Kubernetes API types and
// decides, with the API's own code, what a label selector selects and what
// a toleration tolerates: the one selector model and the one toleration
// model every rule and the proof share.
package api

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Decode converts a node into an API type, through JSON as the API
// machinery does (the types have JSON tags only). An absent node leaves
// out as it is.
func Decode(n *yaml.RNode, out any) error {
	if n.IsNil() {
		return nil
	}
	var v any
	if err := n.YNode().Decode(&v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// Selects reports whether a metav1.LabelSelector held in sel selects a
// set of labels, as metav1.LabelSelectorAsSelector reads it. A selector
// the API would reject (an unknown operator, In without values) selects
// nothing; an empty one selects everything.
func Selects(sel *yaml.RNode, set map[string]string) bool {
	if yaml.IsMissingOrNull(sel) {
		return false
	}
	var ls metav1.LabelSelector
	if err := Decode(sel, &ls); err != nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(&ls)
	return err == nil && s.Matches(labels.Set(set))
}

var logger = klog.Background()

// Tolerates reports whether any of tols tolerates taint, as the scheduler
// decides it (component-helpers; Lt and Gt are off, as in the scheduler's
// default).
func Tolerates(tols []corev1.Toleration, taint corev1.Taint) bool {
	for i := range tols {
		if tols[i].ToleratesTaint(logger, &taint, false) {
			return true
		}
	}
	return false
}

// effects a toleration without an effect tolerates.
var effects = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}

// Covers reports whether toleration h tolerates every taint that want
// tolerates, so that adding want beside it would change nothing: each
// taint want tolerates is tried (for an Exists toleration, a value no
// Equal one names; for no effect, every effect). An Equal toleration with
// no value tolerates only taints with no value, so it does not cover an
// Exists one; one limited by tolerationSeconds does not cover one that is
// not, or is limited less.
func Covers(h, want corev1.Toleration) bool {
	key := want.Key
	if key == "" {
		key = "\x00any" // an Exists toleration without a key: any key
	}
	value := want.Value
	if want.Operator == corev1.TolerationOpExists {
		value = "\x00any"
	}
	es := effects
	if want.Effect != "" {
		es = []corev1.TaintEffect{want.Effect}
	}
	for _, e := range es {
		if !h.ToleratesTaint(logger, &corev1.Taint{Key: key, Value: value, Effect: e}, false) {
			return false
		}
	}
	return h.TolerationSeconds == nil || want.TolerationSeconds != nil && *want.TolerationSeconds <= *h.TolerationSeconds
}
