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

	"sigs.k8s.io/yaml"
)

// FieldError is one thing wrong with the config.
type FieldError struct {
	// Field is the path of the field in the config as the user wrote it:
	// `spec.podAntiAffinity.weight`, or `data.anti-affinity-weight`.
	Field string
	// Msg says what is wrong; it starts with the field.
	Msg string
}

func (e *FieldError) Error() string { return e.Msg }

// Errors is every problem found in a config.
type Errors []*FieldError

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Msg
	}
	return strings.Join(msgs, "\n")
}

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf("`%s` %s", field, fmt.Sprintf(format, args...))}
}

// Parse reads a functionConfig (YAML or JSON; empty means all defaults). The
// error, when not nil, is an Errors listing every problem found.
func Parse(data []byte) (*Policy, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Default(), nil
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, Errors{{Field: "functionConfig", Msg: fmt.Sprintf("functionConfig must be valid YAML: %v", err)}}
	}
	var obj map[string]any
	if err := json.Unmarshal(j, &obj); err != nil {
		if string(bytes.TrimSpace(j)) == "null" {
			return Default(), nil
		}
		return nil, Errors{{Field: "functionConfig", Msg: "functionConfig must be a mapping"}}
	}
	if len(obj) == 0 {
		return Default(), nil
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case kind == Kind && apiVersion == APIVersion:
		return parseTyped(j, obj)
	case kind == "ConfigMap" && apiVersion == "v1":
		return parseConfigMap(obj)
	}
	return nil, Errors{{Field: "kind", Msg: fmt.Sprintf(
		"functionConfig must be a %s (apiVersion: %s) or a ConfigMap (apiVersion: v1), got kind %q with apiVersion %q",
		Kind, APIVersion, kind, apiVersion)}}
}

func parseTyped(j []byte, obj map[string]any) (*Policy, error) {
	var errs Errors
	checkFields(obj, reflect.TypeOf(Policy{}), "", &errs)
	p := &Policy{}
	// With errs set, fields of the wrong type are skipped here, so the
	// others can still be validated and every problem reported at once.
	if err := json.Unmarshal(j, p); err != nil && len(errs) == 0 {
		return nil, Errors{{Field: "spec", Msg: fmt.Sprintf("decoding the config: %v", err)}}
	}
	errs = append(errs, p.validate(typedField)...)
	if len(errs) > 0 {
		return nil, errs
	}
	p.setDefaults()
	return p, nil
}

func typedField(specPath string) string { return specPath }

// checkFields walks a decoded JSON value beside the Go type it must fit and
// reports every unknown field and every value of the wrong type, with its
// path. encoding/json reports only the first type error and no path for
// unknown fields.
func checkFields(v any, t reflect.Type, path string, errs *Errors) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return // null means unset
	}
	switch t {
	case reflect.TypeOf(Replicas{}):
		if _, err := parseReplicas(v); err != nil {
			*errs = append(*errs, fieldErr(path, "%s", err))
		}
		return
	case reflect.TypeOf(IntOrPercent{}):
		if _, err := parseIntOrPercent(v); err != nil {
			*errs = append(*errs, fieldErr(path, "%s", err))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			*errs = append(*errs, fieldErr(path, "must be a mapping, got %s", describe(v)))
			return
		}
		fields := map[string]reflect.StructField{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			fields[name] = f
			names = append(names, name)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := fields[k]
			p := join(path, k)
			if !ok {
				msg := "is not a known field"
				if s := closest(k, names); s != "" {
					msg += fmt.Sprintf(": did you mean %q?", s)
				}
				*errs = append(*errs, fieldErr(p, "%s (known fields: %s)", msg, strings.Join(names, ", ")))
				continue
			}
			if k == "metadata" {
				continue // kustomize and kpt add annotations there
			}
			checkFields(m[k], f.Type, p, errs)
		}
	case reflect.Slice:
		s, ok := v.([]any)
		if !ok {
			*errs = append(*errs, fieldErr(path, "must be a list, got %s", describe(v)))
			return
		}
		for i, e := range s {
			checkFields(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			*errs = append(*errs, fieldErr(path, "must be a mapping, got %s", describe(v)))
			return
		}
		for k, e := range m {
			checkFields(e, t.Elem(), join(path, k), errs)
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			*errs = append(*errs, fieldErr(path, "must be a string, got %s", describe(v)))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			*errs = append(*errs, fieldErr(path, "must be true or false, got %s", describe(v)))
		}
	case reflect.Int, reflect.Int64:
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			*errs = append(*errs, fieldErr(path, "must be an integer, got %s", describe(v)))
		}
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// describe shows a user's value in an error.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func parseReplicas(v any) (Replicas, error) {
	switch v := v.(type) {
	case string:
		if v == "auto" {
			return Replicas{Auto: true}, nil
		}
	case float64:
		if v == math.Trunc(v) && v >= 0 && v <= math.MaxInt32 {
			return Replicas{Count: int(v)}, nil
		}
	}
	return Replicas{}, fmt.Errorf("must be an integer >= 0 or \"auto\", got %s", describe(v))
}

func parseIntOrPercent(v any) (IntOrPercent, error) {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && v >= 0 && v <= math.MaxInt32 {
			return IntOrPercent{Value: int(v)}, nil
		}
	case string:
		if n, ok := strings.CutSuffix(v, "%"); ok {
			if p, err := strconv.Atoi(n); err == nil && p >= 0 && p <= 100 {
				return IntOrPercent{Value: p, Percent: true}, nil
			}
		}
	}
	return IntOrPercent{}, fmt.Errorf("must be an integer >= 0 or a percentage such as \"50%%\", got %s", describe(v))
}

// UnmarshalJSON reads an integer or a percentage; a bad value is left for
// checkFields to report, as with Replicas.
func (v *IntOrPercent) UnmarshalJSON(b []byte) error {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*v, _ = parseIntOrPercent(x)
	return nil
}

// UnmarshalJSON reads an integer or "auto". A bad value is left unset
// rather than failing: checkFields reports it, and failing here would stop
// encoding/json from reading the fields after it.
func (r *Replicas) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r, _ = parseReplicas(v)
	return nil
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
