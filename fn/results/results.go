// Package results holds what the rules find and turns it into KRM function
// results and readable lines for stderr.
package results

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Severity of a result, as the KRM Functions Specification spells it.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Finding is what a rule reports about one workload: a change it made (or,
// in Audit mode, would make), or a warning.
type Finding struct {
	Rule     string
	Severity Severity // Info for a change
	// Field is the path in the workload, such as spec.replicas.
	Field string
	// Message says what changed, or what is wrong.
	Message string
	// Violation words a change as the rule it enforces, for Audit mode.
	Violation         string
	Current, Proposed any
	// Note marks an info finding that reports a fact rather than a change.
	Note bool
}

// Result is a KRM function result.
type Result struct {
	Message     string       `yaml:"message"`
	Severity    Severity     `yaml:"severity"`
	ResourceRef *ResourceRef `yaml:"resourceRef,omitempty"`
	Field       *Field       `yaml:"field,omitempty"`
	File        *File        `yaml:"file,omitempty"`
}

// ResourceRef names the resource a result is about.
type ResourceRef struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
	Namespace  string `yaml:"namespace,omitempty"`
}

// Field is the field a result is about.
type Field struct {
	Path          string `yaml:"path"`
	CurrentValue  any    `yaml:"currentValue,omitempty"`
	ProposedValue any    `yaml:"proposedValue,omitempty"`
}

// File is the file a resource came from.
type File struct {
	Path  string `yaml:"path"`
	Index int    `yaml:"index,omitempty"`
}

// Encode writes results as the "results:" section of a ResourceList.
func Encode(rs []Result) ([]byte, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(map[string][]Result{"results": rs}); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// String is the result as one readable line, for stderr.
func (r Result) String() string {
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

// HasErrors reports whether any result is an error.
func HasErrors(rs []Result) bool {
	for _, r := range rs {
		if r.Severity == Error {
			return true
		}
	}
	return false
}

// Count writes a number with its noun: "1 pod", "2 pods".
func Count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
