package api

import (
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
