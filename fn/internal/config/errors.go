package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
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

// render writes a field.ErrorList in kpt's style: the field in backquotes,
// what it must be, and the value the user wrote. field.Error's own Error()
// reads `spec.x: Invalid value: 0: must be ...`, which says the same less
// plainly. Every Detail here is phrased to follow the field ("must ...").
func render(list field.ErrorList) Errors {
	out := make(Errors, len(list))
	for i, e := range list {
		msg := "`" + e.Field + "` "
		switch e.Type {
		case field.ErrorTypeDuplicate:
			msg += "must not repeat " + describe(e.BadValue)
		case field.ErrorTypeRequired, field.ErrorTypeForbidden:
			msg += e.Detail
		default: // Invalid, NotSupported, TypeInvalid
			msg += e.Detail + ", got " + describe(e.BadValue)
		}
		out[i] = &FieldError{Field: e.Field, Msg: msg}
	}
	return out
}

// nonFinitePrefix marks, in a decoded config, a number JSON cannot hold
// (`.inf`, `-.inf`, `.nan`): inspect turns each into a string with
// this prefix and the user's text, so that decoding goes on and the check
// of its field names it.
const nonFinitePrefix = "\x00non-finite:"

// describe shows a user's value in an error: strings quoted, numbers as
// written, a mapping or a list by its kind.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		if text, ok := strings.CutPrefix(v, nonFinitePrefix); ok {
			return text
		}
		return strconv.Quote(v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return fmt.Sprint(v)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// invalid is a field.Invalid whose detail says what the field must be.
func invalid(p *field.Path, v any, format string, args ...any) *field.Error {
	return field.Invalid(p, v, fmt.Sprintf(format, args...))
}

// oneOf is a field.NotSupported in our words: the allowed values as they
// are written, unquoted, so that the message reads as a sentence.
func oneOf(p *field.Path, v string, allowed ...string) *field.Error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return &field.Error{Type: field.ErrorTypeNotSupported, Field: p.String(), BadValue: v,
		Detail: "must be one of " + strings.Join(allowed, ", ")}
}
