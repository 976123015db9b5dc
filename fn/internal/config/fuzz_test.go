package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse holds Parse to its promise over any input: no panic, and
// either a policy or errors that each start with the field they name.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec: &s {mode: Audit, targets: [*s]}\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\ndata: {<<: {mode: audit}, replicas: .inf}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err == nil {
			if p == nil || p.Spec.PodAntiAffinity.Weight == nil || p.Spec.ReplicaBounds.Max == nil {
				t.Fatalf("a policy without its defaults: %+v", p)
			}
			return
		}
		errs, ok := err.(Errors)
		if !ok || len(errs) == 0 {
			t.Fatalf("want Errors, got %#v", err)
		}
		for _, e := range errs {
			if e.Field != "functionConfig" && e.Field != "kind" && !strings.HasPrefix(e.Msg, "`"+e.Field+"` ") {
				t.Fatalf("error %q must start with its field %q", e.Msg, e.Field)
			}
		}
	})
}
