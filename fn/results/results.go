// Package results holds what the rules find and turns it into the KRM
// functions SDK's results (the same types kpt's functions report) and
// readable lines for stderr.
package results

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"go.yaml.in/yaml/v3"
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

// Encode writes results as the "results:" section of a ResourceList. Each
// result is encoded on its own and the entries joined, which reads the
// same: yaml.v3's emitter keeps every event of a document until the end,
// and one document of thousands of results cost more than the items.
func Encode(rs fn.Results) ([]byte, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	const head = "results:\n"
	var out bytes.Buffer
	out.WriteString(head)
	var b bytes.Buffer
	for _, r := range rs {
		b.Reset()
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		enc.CompactSeqIndent()
		if err := enc.Encode(map[string]fn.Results{"results": {r}}); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		out.Write(bytes.TrimPrefix(b.Bytes(), []byte(head)))
	}
	return out.Bytes(), nil
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
