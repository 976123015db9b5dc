package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Parse reads a functionConfig (YAML or JSON; empty means all defaults). The
// error, when not nil, is an Errors listing every problem found.
func Parse(data []byte) (*Policy, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Default(), nil
	}
	// Strict, a key set twice is an error: converted to JSON, the last would
	// win unseen. That and a float JSON cannot hold (.inf, .nan), which
	// would fail the whole config unnamed, are found on yaml.v3 nodes.
	j, err := yaml.YAMLToJSONStrict(data)
	var dups field.ErrorList
	if err != nil {
		if doc, d, ok := inspect(data); ok {
			dups = d
			j, err = yaml.YAMLToJSON(doc)
		}
	}
	if err != nil {
		return nil, Errors{{Field: "functionConfig", Msg: fmt.Sprintf("functionConfig must be valid YAML: %v", err)}}
	}
	var doc any
	if err := sjson.UnmarshalCaseSensitivePreserveInts(j, &doc); err != nil {
		return nil, Errors{{Field: "functionConfig", Msg: fmt.Sprintf("functionConfig must be valid YAML: %v", err)}}
	}
	if doc == nil {
		return Default(), nil
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, Errors{{Field: "functionConfig", Msg: "functionConfig must be a mapping, got " + describe(doc)}}
	}
	if len(obj) == 0 {
		return Default(), nil
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case kind == Kind && apiVersion == APIVersion:
		return parseTyped(j, obj, dups)
	case kind == "ConfigMap" && apiVersion == "v1":
		return parseConfigMap(obj, dups)
	}
	return nil, Errors{{Field: "kind", Msg: fmt.Sprintf(
		"functionConfig must be a %s (apiVersion: %s) or a ConfigMap (apiVersion: v1), got kind %s with apiVersion %s",
		Kind, APIVersion, describe(kind), describe(apiVersion))}}
}

// parseTyped decodes a PlacementPolicy with sigs.k8s.io/json in strict
// mode, which names every unknown field with its path, then validates it.
// The decoder stops at the first value of the wrong type, gives its path
// without list indices and its value only as "number", and then reports
// no unknown fields at all; so checkTypes first reports every such value
// and stands in for it, and the decoder sees a document it can read.
func parseTyped(j []byte, obj map[string]any, dups field.ErrorList) (*Policy, error) {
	var typeErrs field.ErrorList
	checkTypes(obj, policyType, nil, &typeErrs)
	if len(typeErrs) > 0 {
		var err error
		if j, err = json.Marshal(obj); err != nil {
			return nil, Errors{{Field: "functionConfig", Msg: fmt.Sprintf("functionConfig must decode as a %s: %v", Kind, err)}}
		}
	}
	p := &Policy{}
	strict, err := sjson.UnmarshalStrict(j, p, sjson.DisallowUnknownFields)
	if err != nil {
		return nil, Errors{{Field: "functionConfig", Msg: fmt.Sprintf("functionConfig must decode as a %s: %v", Kind, err)}}
	}
	errs := append(append(dups, typeErrs...), unknownFields(strict)...)
	sort.SliceStable(errs, func(a, b int) bool { return errs[a].Field < errs[b].Field })
	errs = append(errs, withoutStandIns(p.validate(typedField), typeErrs)...)
	if len(errs) > 0 {
		return nil, render(errs)
	}
	p.setDefaults()
	return p, nil
}

var (
	policyType      = reflect.TypeFor[Policy]()
	replicasType    = reflect.TypeFor[Replicas]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
)

// checkTypes walks a decoded config beside the Go type it must fit and
// reports every value of the wrong type, with its path and value. Each is
// replaced, in place, by a stand-in of the right type (0, "", {}): the
// decoder can then read the rest, and a field set to a bad value still
// counts as set. Unknown fields are the decoder's to report.
func checkTypes(v any, t reflect.Type, p *field.Path, errs *field.ErrorList) any {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil || t.Kind() == reflect.Interface {
		return v // null is unset; metadata holds anything
	}
	bad := func(detail string) any {
		*errs = append(*errs, field.TypeInvalid(p, v, detail))
		return standIn(t)
	}
	if s, ok := v.(string); ok && strings.HasPrefix(s, nonFinitePrefix) {
		return bad(typeDetail(t))
	}
	switch t {
	case replicasType:
		if _, err := parseReplicas(v); err != nil {
			return bad(typeDetail(t))
		}
		return v
	case intOrStringType:
		// The value itself (a percentage, >= 0) is validate's to check.
		if n, ok := v.(int64); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return v
		}
		if _, ok := v.(string); ok {
			return v
		}
		return bad(typeDetail(t))
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return bad(typeDetail(t))
		}
		for _, k := range sortedKeys(m) {
			if f, ok := jsonField(t, k); ok {
				m[k] = checkTypes(m[k], f.Type, child(p, k), errs)
			}
		}
	case reflect.Slice:
		s, ok := v.([]any)
		if !ok {
			return bad(typeDetail(t))
		}
		for i := range s {
			s[i] = checkTypes(s[i], t.Elem(), p.Index(i), errs)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return bad(typeDetail(t))
		}
		for _, k := range sortedKeys(m) {
			m[k] = checkTypes(m[k], t.Elem(), p.Key(k), errs)
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return bad(typeDetail(t))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return bad(typeDetail(t))
		}
	case reflect.Int, reflect.Int64:
		if _, ok := v.(int64); !ok {
			return bad(typeDetail(t))
		}
	}
	return v
}

// typeDetail says what a value of type t must be.
func typeDetail(t reflect.Type) string {
	switch t {
	case replicasType:
		return `must be an integer >= 0 or "auto"`
	case intOrStringType:
		return intOrPercentDetail
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "must be a mapping"
	case reflect.Slice:
		return "must be a list"
	case reflect.Bool:
		return "must be true or false"
	case reflect.Int, reflect.Int64:
		return "must be an integer"
	}
	return "must be a string"
}

// standIn is a value of type t for the decoder, in place of a bad one.
func standIn(t reflect.Type) any {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if t == replicasType || t == intOrStringType {
			return int64(0)
		}
		return map[string]any{}
	case reflect.Slice:
		return []any{}
	case reflect.Bool:
		return false
	case reflect.String:
		return ""
	}
	return int64(0)
}

// withoutStandIns drops the errors validate finds in stand-ins for values
// already reported, or in what holds them (an empty target), but keeps
// those about a field being set at all.
func withoutStandIns(errs, reported field.ErrorList) field.ErrorList {
	var out field.ErrorList
	for _, e := range errs {
		keep := true
		for _, r := range reported {
			if e.Type != field.ErrorTypeForbidden && (within(e.Field, r.Field) || within(r.Field, e.Field)) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, e)
		}
	}
	return out
}

// within reports whether the field at path is at or under the one at parent.
func within(path, parent string) bool {
	rest, ok := strings.CutPrefix(path, parent)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
}

func child(p *field.Path, name string) *field.Path {
	if p == nil {
		return field.NewPath(name)
	}
	return p.Child(name)
}

// jsonField finds a struct's field by its JSON name, as the decoder does
// (case-sensitively).
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
			names = append(names, n)
		}
	}
	return names
}

// unknownFields turns the decoder's strict errors (`unknown field
// "spec.podAntiAffinity.typo"`) into errors that say what the field may
// have meant and which fields are known there.
func unknownFields(strict []error) field.ErrorList {
	var errs field.ErrorList
	for _, err := range strict {
		fe, ok := err.(sjson.FieldError)
		if !ok {
			errs = append(errs, field.Forbidden(field.NewPath("spec"), "must decode: "+err.Error()))
			continue
		}
		path := fe.FieldPath()
		parent, name := "", path
		if i := strings.LastIndex(path, "."); i >= 0 {
			parent, name = path[:i], path[i+1:]
		}
		detail := "is not a known field"
		if t := typeAt(policyType, parent); t != nil {
			names := jsonNames(t)
			if s := closest(name, names); s != "" {
				detail += fmt.Sprintf(": did you mean %q?", s)
			}
			detail += " (known fields: " + strings.Join(names, ", ") + ")"
		}
		errs = append(errs, &field.Error{Type: field.ErrorTypeForbidden, Field: path, Detail: detail})
	}
	return errs
}

// typeAt is the struct type at a decoder's path (`spec.targets[0]`), or
// nil. Unknown fields are reported only in structs, reached through struct
// fields and list items.
func typeAt(t reflect.Type, path string) reflect.Type {
	if path != "" {
		for _, seg := range strings.Split(path, ".") {
			name, idx, _ := strings.Cut(seg, "[")
			f, ok := jsonField(t, name)
			if !ok {
				return nil
			}
			t = f.Type
			for ; idx != ""; _, idx, _ = strings.Cut(idx, "[") {
				if t.Kind() != reflect.Slice {
					return nil
				}
				t = t.Elem()
			}
			if t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
		}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// inspect reads a config as yaml.v3 nodes, for what sigs.k8s.io/yaml
// cannot say where. It rewrites each float JSON cannot hold (.inf, -.inf,
// .nan) as a string of nonFinitePrefix and the user's text, which describe
// shows and checkTypes reports, and reports each key a mapping sets twice,
// with both values. ok is false when the config is no YAML.
func inspect(data []byte) (doc []byte, dups field.ErrorList, ok bool) {
	var root yaml3.Node
	if yaml3.Unmarshal(data, &root) != nil {
		return nil, nil, false
	}
	marked := false
	var walk func(n *yaml3.Node, p *field.Path)
	walk = func(n *yaml3.Node, p *field.Path) {
		switch n.Kind {
		case yaml3.DocumentNode:
			for _, c := range n.Content {
				walk(c, p)
			}
		case yaml3.SequenceNode:
			for i, c := range n.Content {
				walk(c, p.Index(i))
			}
		case yaml3.MappingNode:
			seen := map[string]*yaml3.Node{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				at := child(p, k.Value)
				if first, ok := seen[k.Value]; ok && k.Value != "<<" {
					dups = append(dups, field.Forbidden(at, fmt.Sprintf("must be set once, got %s and %s", nodeValue(first), nodeValue(v))))
				}
				seen[k.Value] = v
				walk(v, at)
			}
		case yaml3.ScalarNode:
			var f float64
			if n.ShortTag() == "!!float" && n.Decode(&f) == nil && (math.IsInf(f, 0) || math.IsNaN(f)) {
				n.Tag, n.Style, n.Value = "!!str", yaml3.DoubleQuotedStyle, nonFinitePrefix+n.Value
				marked = true
			}
		}
	}
	walk(&root, nil)
	if !marked {
		return data, dups, true
	}
	out, err := yaml3.Marshal(&root)
	return out, dups, err == nil
}

// nodeValue shows a YAML value in an error, as describe does.
func nodeValue(n *yaml3.Node) string {
	switch {
	case n.Kind == yaml3.MappingNode:
		return "a mapping"
	case n.Kind == yaml3.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!str" && !strings.HasPrefix(n.Value, nonFinitePrefix):
		return strconv.Quote(n.Value)
	}
	return strings.TrimPrefix(n.Value, nonFinitePrefix)
}

func parseReplicas(v any) (Replicas, error) {
	switch v := v.(type) {
	case string:
		if v == "auto" {
			return Replicas{Auto: true}, nil
		}
	case int64:
		if v >= 0 && v <= math.MaxInt32 {
			return Replicas{Count: int(v)}, nil
		}
	}
	return Replicas{}, fmt.Errorf(`must be an integer >= 0 or "auto", got %s`, describe(v))
}

// UnmarshalJSON reads an integer or "auto".
func (r *Replicas) UnmarshalJSON(b []byte) error {
	var v any
	if err := sjson.UnmarshalCaseSensitivePreserveInts(b, &v); err != nil {
		return err
	}
	var err error
	*r, err = parseReplicas(v)
	return err
}

// MarshalJSON writes an integer or "auto".
func (r Replicas) MarshalJSON() ([]byte, error) {
	if r.Auto {
		return []byte(`"auto"`), nil
	}
	return []byte(itoa(r.Count)), nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// closest returns the known name nearest to a misspelt one, or "".
func closest(s string, names []string) string {
	best, bestD := "", 3 // farther than 2 edits is no suggestion
	for _, n := range names {
		if d := distance(strings.ToLower(s), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
