// Package testutil reads and writes single workloads for the rules' table
// tests.
package testutil

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
)

// Workload reads one resource from YAML.
func Workload(t *testing.T, in string) *workload.Workload {
	t.Helper()
	w, err := read(in)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Read reads one resource from YAML, for examples, which have no
// testing.T: it panics on bad input.
func Read(in string) *workload.Workload {
	w, err := read(in)
	if err != nil {
		panic(err)
	}
	return w
}

func read(in string) (*workload.Workload, error) {
	s, err := krmio.ParseStream([]byte(strings.TrimLeft(in, "\n")), "", 0)
	if err != nil || len(s.Items) != 1 {
		return nil, fmt.Errorf("reading input: %v (%d items)", err, len(s.Items))
	}
	obj, err := s.Items[0].Node()
	if err != nil {
		return nil, err
	}
	return workload.New(s.Items[0], obj), nil
}

// Show prints, for examples, what a rule reported (as Enforce mode words
// it, then as Audit mode does) and the workload as the function writes it.
func Show(w *workload.Workload, fs []results.Finding) {
	for _, f := range fs {
		fmt.Printf("%s: %s\n", f.Severity, f.Message(false))
		if m := f.Message(true); m != f.Message(false) {
			fmt.Printf("  audit: %s\n", m)
		}
	}
	w.Item.MarkChanged()
	b, err := w.Item.Bytes()
	if err != nil {
		panic(err)
	}
	fmt.Print(string(bytes.TrimLeft(b, "\n")))
}

// Run applies a rule to the workload in, and checks the YAML it leaves
// (compared without leading blank lines) and the messages of its findings.
// It applies the rule again to its own output, which must change nothing.
func Run(t *testing.T, apply func(*workload.Workload) []results.Finding, in, want string, messages ...string) {
	t.Helper()
	w := Workload(t, in)
	fs := apply(w)
	var got []string
	for _, f := range fs {
		got = append(got, string(f.Severity)+": "+f.Message(false))
	}
	if strings.Join(got, "\n") != strings.Join(messages, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(messages, "\n"))
	}
	out := Encode(t, w)
	if strings.TrimLeft(want, "\n") != out {
		t.Errorf("got:\n%s\nwant:\n%s", out, strings.TrimLeft(want, "\n"))
	}
	again := Workload(t, out)
	for _, f := range apply(again) {
		if f.Severity == results.Info {
			t.Errorf("a second run must change nothing, got: %s", f.Message(false))
		}
	}
	if out2 := Encode(t, again); out2 != out {
		t.Errorf("a second run changed the output:\n%s", out2)
	}
}

// Encode writes a workload as the function would.
func Encode(t *testing.T, w *workload.Workload) string {
	t.Helper()
	w.Item.MarkChanged()
	b, err := w.Item.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimLeft(b, "\n"))
}
