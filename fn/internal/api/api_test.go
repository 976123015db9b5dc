package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestSelects(t *testing.T) {
	labels := map[string]string{"app": "csi", "tier": "controller"}
	for _, tc := range []struct {
		sel  string
		want bool
	}{
		{"{matchLabels: {app: csi}}", true},
		{"{matchLabels: {app: other}}", false},
		{"{}", true}, // empty: everything
		{"{matchExpressions: [{key: app, operator: In, values: [csi, x]}]}", true},
		{"{matchExpressions: [{key: app, operator: NotIn, values: [csi]}]}", false},
		{"{matchExpressions: [{key: zone, operator: DoesNotExist}], matchLabels: {tier: controller}}", true},
		{"{matchExpressions: [{key: zone, operator: Exists}]}", false},
		{"{matchExpressions: [{key: app, operator: In}]}", false},                  // the API rejects In without values
		{"{matchExpressions: [{key: app, operator: Near, values: [csi]}]}", false}, // and unknown operators
		{"null", false},
	} {
		if got := Selects(yaml.MustParse(tc.sel), labels); got != tc.want {
			t.Errorf("%s: got %v", tc.sel, got)
		}
	}
	if Selects(nil, labels) {
		t.Error("no selector selects nothing")
	}
}

func TestCovers(t *testing.T) {
	secs := func(s int64) *int64 { return &s }
	cp := corev1.Toleration{Key: "cp", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}
	for _, tc := range []struct {
		name string
		h    corev1.Toleration
		want corev1.Toleration
		ok   bool
	}{
		{"the same", cp, cp, true},
		{"Exists with no effect covers one effect", corev1.Toleration{Key: "cp", Operator: corev1.TolerationOpExists}, cp, true},
		{"one effect does not cover all", cp, corev1.Toleration{Key: "cp", Operator: corev1.TolerationOpExists}, false},
		{"Exists without a key covers everything", corev1.Toleration{Operator: corev1.TolerationOpExists}, cp, true},
		{"Equal without a value does not cover Exists", corev1.Toleration{Key: "cp", Operator: corev1.TolerationOpEqual, Effect: corev1.TaintEffectNoSchedule}, cp, false},
		{"Equal covers the same value", corev1.Toleration{Key: "cp", Value: "true", Effect: corev1.TaintEffectNoSchedule}, corev1.Toleration{Key: "cp", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule}, true},
		{"another key", corev1.Toleration{Key: "other", Operator: corev1.TolerationOpExists}, cp, false},
		{"Gt is never relied on", corev1.Toleration{Key: "cp", Operator: corev1.TolerationOpGt, Value: "1"}, corev1.Toleration{Key: "cp", Value: "2"}, false},
		{"limited by tolerationSeconds", corev1.Toleration{Key: "e", Operator: corev1.TolerationOpExists, TolerationSeconds: secs(30)}, corev1.Toleration{Key: "e", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}, false},
		{"limited at least as long", corev1.Toleration{Key: "e", Operator: corev1.TolerationOpExists, TolerationSeconds: secs(30)}, corev1.Toleration{Key: "e", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(20)}, true},
	} {
		if got := Covers(tc.h, tc.want); got != tc.ok {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}

func TestTolerates(t *testing.T) {
	tols := []corev1.Toleration{{Key: "cp", Operator: corev1.TolerationOpEqual, Effect: corev1.TaintEffectNoSchedule}}
	if !Tolerates(tols, corev1.Taint{Key: "cp", Effect: corev1.TaintEffectNoSchedule}) {
		t.Error("Equal without a value tolerates a taint without one")
	}
	if Tolerates(tols, corev1.Taint{Key: "cp", Value: "true", Effect: corev1.TaintEffectNoSchedule}) {
		t.Error("Equal without a value must not tolerate cp=true")
	}
}

func TestDecode(t *testing.T) {
	var tol corev1.Toleration
	if err := Decode(yaml.MustParse("{key: k, operator: Exists, tolerationSeconds: 5}"), &tol); err != nil || tol.Key != "k" || *tol.TolerationSeconds != 5 {
		t.Errorf("got %+v, %v", tol, err)
	}
	if err := Decode(nil, &tol); err != nil || tol.Key != "k" {
		t.Error("an absent node leaves the value as it is")
	}
	if err := Decode(yaml.MustParse("{tolerationSeconds: soon}"), &tol); err == nil {
		t.Error("a wrong type must be an error")
	}
}

// slowDecode is Decode through yaml.v3's decoding into Go values, what the
// fast path must agree with.
func slowDecode(n *yaml.RNode, out any) error {
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

// TestDecodeAsYAMLv3 holds the JSON fast path to yaml.v3's reading: the
// same values and the same errors, into an API type and into any.
func TestDecodeAsYAMLv3(t *testing.T) {
	docs := []string{
		`{metadata: {labels: {app: a, "n": "1"}}, spec: {containers: [{name: c, args: [--x=1, "2"], ports: [{containerPort: 80, hostPort: 0}]}], hostNetwork: true, tolerations: [{key: k, operator: Exists, tolerationSeconds: 30}]}}`,
		"spec:\n  containers:\n  - name: \"q\\\"uote\\\\\"\n    image: ünï/code:1\n    env: [{name: A, value: \"<&>\"}]\n  nodeSelector: {a: ~, b: null}\n",
		"spec: {replicas: 012, x: 0x1F, y: 1_000, z: +5, f: 1.5, t: 2001-12-14, big: 99999999999999999999}",
		"spec: {hostNetwork: True, enableServiceLinks: FALSE, shareProcessNamespace: yes}",
		"spec: {containers: [{name: 3}]}",
		"spec: {priority: \"12\"}",
		"metadata: {name: a, Name: b}\nspec: {}\n",
		"spec: {terminationGracePeriodSeconds: -30, activeDeadlineSeconds: 0}",
		"a: &x {k: v}\nb: *x\nspec: {}\n",
		"spec:\n  <<: {hostNetwork: true}\n",
		"spec: {1: x}",
		"spec: {containers: [{name: c, args: [!!binary aGVsbG8=]}]}",
		"spec: {containers: [{name: \"\\x01\\t\"}]}",
	}
	for i, d := range docs {
		n := yaml.MustParse(d)
		if b := new(bytes.Buffer); i < 2 && !toJSON(b, n.YNode()) {
			t.Errorf("%s: a manifest's usual nodes must take the fast path", d)
		}
		var fast, slow corev1.PodTemplateSpec
		fe, se := Decode(n, &fast), slowDecode(n, &slow)
		if fmt.Sprint(fe) != fmt.Sprint(se) || !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s:\nfast: %+v, %v\nslow: %+v, %v", d, fast, fe, slow, se)
		}
		var fa, sa any
		fe, se = Decode(n, &fa), slowDecode(n, &sa)
		if fmt.Sprint(fe) != fmt.Sprint(se) || !reflect.DeepEqual(fa, sa) {
			t.Errorf("%s into any:\nfast: %v, %v\nslow: %v, %v", d, fa, fe, sa, se)
		}
	}
}
