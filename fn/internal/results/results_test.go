package results

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

// TestEncode holds the wire format: the results: section kpt and kustomize
// read, with the SDK's types, as the goldens have it.
func TestEncode(t *testing.T) {
	rs := fn.Results{
		{Message: "replicas 3 -> 1", Severity: Info,
			ResourceRef: &fn.ResourceRef{APIVersion: "apps/v1", Kind: "Deployment", Name: "c", Namespace: "kube-system"},
			Field:       &fn.Field{Path: "spec.replicas", CurrentValue: 3, ProposedValue: 1},
			File:        &fn.File{Path: "csi.yaml", Index: 2}},
		{Message: "it's bad: `x`", Severity: Error},
	}
	got, err := Encode(rs)
	if err != nil {
		t.Fatal(err)
	}
	want := `results:
- message: replicas 3 -> 1
  severity: info
  resourceRef:
    apiVersion: apps/v1
    kind: Deployment
    name: c
    namespace: kube-system
  field:
    path: spec.replicas
    currentValue: 3
    proposedValue: 1
  file:
    path: csi.yaml
    index: 2
- message: 'it''s bad: ` + "`x`" + `'
  severity: error
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if b, _ := Encode(nil); b != nil {
		t.Errorf("no results must write nothing, got %q", b)
	}
}

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		r    fn.Result
		want string
	}{
		{fn.Result{Severity: Warning, Message: "m", ResourceRef: &fn.ResourceRef{Kind: "Deployment", Name: "c", Namespace: "ns"}, File: &fn.File{Path: "a.yaml"}},
			"warning: Deployment ns/c (a.yaml): m"},
		{fn.Result{Severity: Error, Message: "m", ResourceRef: &fn.ResourceRef{Kind: "StatefulSet", Name: "c"}}, "error: StatefulSet c: m"},
		{fn.Result{Severity: Info, Message: "m"}, "info: m"},
	} {
		if got := Line(&tc.r); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	c := Finding{Severity: Info, Text: Change{Done: "replicas 3 -> 1", Required: "`spec.replicas` must be 1, got 3"}}
	if c.Message(false) != "replicas 3 -> 1" || c.Message(true) != "`spec.replicas` must be 1, got 3" {
		t.Errorf("a change: %q, %q", c.Message(false), c.Message(true))
	}
	p := Finding{Severity: Warning, Text: Text("w")}
	if p.Message(false) != "w" || p.Message(true) != "w" {
		t.Errorf("a problem reads the same in both modes: %q, %q", p.Message(false), p.Message(true))
	}
	if (Finding{}).Message(true) != "" {
		t.Error("no text must read empty")
	}
	if Count(1, "pod") != "1 pod" || Count(2, "pod") != "2 pods" {
		t.Error(Count(1, "pod"), Count(2, "pod"))
	}
}

// TestEncodeJoined holds the joined encoding to a single document's, on
// results whose scalars yaml.v3 quotes, folds or writes as literals.
func TestEncodeJoined(t *testing.T) {
	var rs fn.Results
	for _, m := range []string{"plain", "it's", "a: b", "- dash", "#hash", "long " + strings.Repeat("word ", 40), "two\nlines", "true", "", "\ttab", "ünïcode", "\x01"} {
		rs = append(rs, &fn.Result{Message: m, Severity: Warning, Field: &fn.Field{Path: "spec", CurrentValue: m, ProposedValue: 3}})
	}
	// The shapes around the common one: omitted and zero fields, empty
	// nested mappings, tags, values of other types.
	ref := &fn.ResourceRef{APIVersion: "apps/v1", Kind: "Deployment", Name: "c"}
	rs = append(rs,
		&fn.Result{Severity: Info, ResourceRef: ref, Field: &fn.Field{Path: "spec.replicas", CurrentValue: 0, ProposedValue: ""}, File: &fn.File{Path: "a.yaml"}},
		&fn.Result{Message: "m", ResourceRef: &fn.ResourceRef{}, Field: &fn.Field{}, File: &fn.File{}},
		&fn.Result{Message: "m", Field: &fn.Field{CurrentValue: 1.5, ProposedValue: []string{"a"}}, File: &fn.File{Index: 3}},
		&fn.Result{Message: "m", Tags: map[string]string{"k": "v"}},
		&fn.Result{},
		&fn.Result{ResourceRef: ref},
		&fn.Result{Message: "m", ResourceRef: &fn.ResourceRef{Name: "n", Namespace: "ns"}, Field: &fn.Field{ProposedValue: "x"}},
	)
	got, err := Encode(rs)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(map[string]fn.Results{"results": rs}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if string(got) != b.String() {
		t.Errorf("got:\n%s\nwant:\n%s", got, b.String())
	}
}
