// Package results holds what the rules find and turns it into the KRM
// functions SDK's results (the same types kpt's functions report) and
// readable lines for stderr.
package results

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"go.yaml.in/yaml/v3"

	"github.com/csi-placement/csi-placement/fn/internal/krmio"
)

// Severity is the SDK's; it and the severities are named here so that a
// rule needs one import for what it reports.
type Severity = fn.Severity

// The severities of the KRM Functions Specification.
const (
	Error   = fn.Error
	Warning = fn.Warning
	Info    = fn.Info
)

// Finding is what a rule reports about one workload: a change it made (or,
// in Audit mode, would make), a problem, or a fact.
type Finding struct {
	Rule     string
	Severity Severity // Info for a change
	// Field is the path in the workload, such as spec.replicas.
	Field string
	// Text describes the finding once, for both modes: Text(false) is what
	// Enforce mode reports, Text(true) what Audit mode does.
	Text              Description
	Current, Proposed any
	// Note marks an info finding that reports a fact rather than a change.
	Note bool
}

// Message is the finding worded for Enforce mode, or with audit for Audit
// mode.
func (f Finding) Message(audit bool) string {
	if f.Text == nil {
		return ""
	}
	return f.Text.Describe(audit)
}

// Description words a finding for the mode it is reported in.
type Description interface {
	Describe(audit bool) string
}

// Text is a problem or a fact: it reads the same in both modes.
type Text string

// Describe returns the text.
func (t Text) Describe(bool) string { return string(t) }

// Change is an edit: Enforce mode reports what was done, Audit mode the
// requirement the input breaks, which the edit would meet.
type Change struct {
	Done     string // "replicas 3 -> 1"
	Required string // "`spec.replicas` must be 1, got 3"
}

// Describe says what was done, or with audit what is required.
func (c Change) Describe(audit bool) string {
	if audit {
		return c.Required
	}
	return c.Done
}

// Encode writes results as the "results:" section of a ResourceList, as
// yaml.v3 writes fn.Results (2-space indent, compact sequences). The
// common shapes are written here, each string scalar once through yaml.v3
// and its rendering reused (a single-line scalar reads the same at any
// indent, as yaml.v3 does not wrap lines): yaml.v3's emitter keeps every
// event of a document, and thousands of results cost more than the items
// they are about. Any other shape is encoded by yaml.v3 on its own and
// joined, which reads the same.
func Encode(rs fn.Results) ([]byte, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	e := writer{scalars: map[string]string{}}
	e.out.WriteString(resultsHead)
	for _, r := range rs {
		mark := e.out.Len()
		if e.result(r) {
			continue
		}
		e.out.Truncate(mark)
		b, err := encodeOne(r)
		if err != nil {
			return nil, err
		}
		e.out.Write(b)
	}
	return e.out.Bytes(), nil
}

const resultsHead = "results:\n"

// encodeOne is yaml.v3's encoding of one result, as an entry of results.
func encodeOne(r *fn.Result) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(map[string]fn.Results{"results": {r}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return bytes.TrimPrefix(b.Bytes(), []byte(resultsHead)), nil
}

// writer writes results in yaml.v3's layout; result reports false for a
// shape it leaves to yaml.v3.
type writer struct {
	out     bytes.Buffer
	scalars map[string]string // a string -> yaml.v3's rendering, "" when multi-line
	lead    string            // "- " before a result's first key, then "  "
}

func (e *writer) result(r *fn.Result) bool {
	if len(r.Tags) > 0 {
		return false
	}
	e.lead = "- "
	ok := e.str("", "message", r.Message) && e.str("", "severity", string(r.Severity))
	if ref := r.ResourceRef; ok && ref != nil {
		ok = e.sub("resourceRef", *ref != fn.ResourceRef{}) &&
			e.str("  ", "apiVersion", ref.APIVersion) && e.str("  ", "kind", ref.Kind) &&
			e.str("  ", "name", ref.Name) && e.str("  ", "namespace", ref.Namespace)
	}
	if f := r.Field; ok && f != nil {
		ok = e.sub("field", f.Path != "" || f.CurrentValue != nil || f.ProposedValue != nil) &&
			e.str("  ", "path", f.Path) && e.value("  ", "currentValue", f.CurrentValue) && e.value("  ", "proposedValue", f.ProposedValue)
	}
	if f := r.File; ok && f != nil {
		ok = e.sub("file", *f != fn.File{}) && e.str("  ", "path", f.Path) && e.value("  ", "index", f.Index)
	}
	return ok && e.lead == "  " // a result with no key is yaml.v3's "- {}"
}

// sub starts a nested mapping; an empty one is yaml.v3's to write ("{}").
func (e *writer) sub(key string, nonEmpty bool) bool {
	if !nonEmpty {
		return false
	}
	e.key("", key)
	e.out.WriteString("\n")
	return true
}

func (e *writer) key(indent, key string) {
	e.out.WriteString(e.lead)
	e.lead = "  "
	e.out.WriteString(indent)
	e.out.WriteString(key)
	e.out.WriteString(":")
}

// str writes a string field, left out when empty (omitempty).
func (e *writer) str(indent, key, v string) bool {
	if v == "" {
		return true
	}
	s, ok := e.scalars[v]
	if !ok {
		if s, ok = krmio.ScalarText(v); !ok {
			b, err := yaml.Marshal(map[string]string{"k": v})
			s = strings.TrimSuffix(strings.TrimPrefix(string(b), "k: "), "\n")
			if err != nil || strings.Contains(s, "\n") {
				s = ""
			}
		}
		e.scalars[v] = s
	}
	if s == "" {
		return false // a block scalar follows the indent: yaml.v3's to write
	}
	e.key(indent, key)
	e.out.WriteString(" ")
	e.out.WriteString(s)
	e.out.WriteString("\n")
	return true
}

// value writes an int or string field, left out when nil or a zero int
// index (omitempty); other types are yaml.v3's.
func (e *writer) value(indent, key string, v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		if v == "" {
			return false // omitempty keeps an empty string in an interface: yaml.v3's
		}
		return e.str(indent, key, v)
	case int:
		if v == 0 && key == "index" {
			return true
		}
		e.key(indent, key)
		e.out.WriteString(" ")
		e.out.WriteString(strconv.Itoa(v))
		e.out.WriteString("\n")
		return true
	}
	return false
}

// Line is a result as one readable line, for stderr: "warning: Deployment
// ns/name (file): message". (The SDK's String puts the apiVersion and the
// field path in brackets, which reads worse on a terminal.)
func Line(r *fn.Result) string {
	var b strings.Builder
	b.WriteString(string(r.Severity))
	b.WriteString(": ")
	if ref := r.ResourceRef; ref != nil {
		b.WriteString(ref.Kind)
		b.WriteString(" ")
		if ref.Namespace != "" {
			b.WriteString(ref.Namespace + "/")
		}
		b.WriteString(ref.Name)
		if r.File != nil {
			fmt.Fprintf(&b, " (%s)", r.File.Path)
		}
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	return b.String()
}

// Count writes a number with its noun: "1 pod", "2 pods".
func Count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// A puts "a" or "an" before a word, as it is said: "an infra node".
func A(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
