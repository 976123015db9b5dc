// Package api reads the rules' yaml nodes as Kubernetes API types and
// decides, with the API's own code, what a label selector selects and what
// a toleration tolerates: the one selector model and the one toleration
// model every rule and the proof share.
package api

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	resourcehelper "k8s.io/component-helpers/resource"
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
	var buf bytes.Buffer
	if toJSON(&buf, n.YNode()) {
		return json.Unmarshal(buf.Bytes(), out)
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

// toJSON writes n as JSON with the values yaml.v3 decodes it to, for the
// nodes a manifest is made of: mappings with string keys, sequences,
// strings, plain decimal integers, booleans and nulls. It reports false
// for anything else (floats, timestamps, other integer forms, aliases,
// merge keys, binary), which Decode leaves to yaml.v3's decoding into Go
// values: a third of the cost of reading a pod template was that detour.
func toJSON(b *bytes.Buffer, n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode:
		// Keys in json.Marshal's order, sorted: json.Unmarshal matches
		// fields without regard to case, and the last key it reads wins.
		keys := make([]int, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind != yaml.ScalarNode || k.ShortTag() != yaml.NodeTagString {
				return false
			}
			keys = append(keys, i)
		}
		slices.SortFunc(keys, func(i, j int) int { return strings.Compare(n.Content[i].Value, n.Content[j].Value) })
		b.WriteByte('{')
		for x, i := range keys {
			if x > 0 {
				b.WriteByte(',')
			}
			writeString(b, n.Content[i].Value)
			b.WriteByte(':')
			if !toJSON(b, n.Content[i+1]) {
				return false
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if !toJSON(b, c) {
				return false
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case yaml.NodeTagString:
			writeString(b, n.Value)
		case yaml.NodeTagNull:
			b.WriteString("null")
		case yaml.NodeTagBool:
			v, err := strconv.ParseBool(n.Value)
			if err != nil {
				return false
			}
			b.WriteString(strconv.FormatBool(v))
		case yaml.NodeTagInt:
			if !plainInt(n.Value) {
				return false
			}
			b.WriteString(n.Value)
		default:
			return false
		}
	default:
		return false
	}
	return true
}

// plainInt reports whether s is a decimal integer that yaml.v3 reads as
// the same number: no sign but '-', no leading zero, no '_', and within
// int64.
func plainInt(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 1 && d[0] == '0' {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// writeString writes s as a JSON string: as it is when nothing in it
// needs escaping, else as encoding/json writes it.
func writeString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			q, _ := json.Marshal(s) // a string always marshals
			b.Write(q)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
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

// Requests is what one pod of spec requests, as the scheduler's
// NodeResourcesFit counts it: init containers and pod overhead included
// (component-helpers), and a limit without a request taken as the request,
// as the API server defaults it.
func Requests(spec *corev1.PodSpec) (cpu, memory resource.Quantity) {
	pod := &corev1.Pod{Spec: *spec.DeepCopy()}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			r := &cs[i].Resources
			for name, l := range r.Limits {
				if _, ok := r.Requests[name]; !ok {
					if r.Requests == nil {
						r.Requests = corev1.ResourceList{}
					}
					r.Requests[name] = l.DeepCopy()
				}
			}
		}
	}
	reqs := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	return reqs[corev1.ResourceCPU], reqs[corev1.ResourceMemory]
}
