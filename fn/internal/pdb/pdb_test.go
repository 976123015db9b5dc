package pdb

import (
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/intstr"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
)

const controller = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ctrl
  namespace: kube-system
  annotations: {internal.config.kubernetes.io/path: csi.yaml, config.kubernetes.io/index: '3'}
spec:
  replicas: 3
  selector: {matchLabels: {app: ctrl}}
  template:
    metadata: {labels: {app: ctrl}}
`

func pct(v int) *intstr.IntOrString { p := intstr.FromString(strconv.Itoa(v) + "%"); return &p }
func n(v int) *intstr.IntOrString   { p := intstr.FromInt32(int32(v)); return &p }

func TestBudget(t *testing.T) {
	var added []string
	add := func(w *workload.Workload, obj *kyaml.RNode) error {
		b, err := yaml.Marshal(obj.YNode())
		added = append(added, string(b))
		return err
	}
	w := testutil.Workload(t, controller)
	fs := Budget{Spec: config.PodDisruptionBudget{MaxUnavailable: n(1)}, Add: add}.Apply(w)
	if len(fs) != 1 || fs[0].Message(false) != "pod disruption budget: added PodDisruptionBudget ctrl (maxUnavailable 1)" {
		t.Errorf("got %+v", fs)
	}
	want := `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
    name: ctrl
    namespace: kube-system
    annotations:
        internal.config.kubernetes.io/path: csi.yaml
spec:
    selector:
        matchLabels: {app: ctrl}
    maxUnavailable: 1
`
	if len(added) != 1 || added[0] != want {
		t.Errorf("added:\n%s\nwant:\n%s", strings.Join(added, "---\n"), want)
	}

	// One in the namespace that selects the pods already does the job.
	existing := testutil.Workload(t, "kind: PodDisruptionBudget\nmetadata: {name: other, namespace: kube-system}\nspec:\n  selector: {matchExpressions: [{key: app, operator: In, values: [ctrl]}]}\n").RNode
	elsewhere := testutil.Workload(t, "kind: PodDisruptionBudget\nmetadata: {name: other, namespace: default}\nspec:\n  selector: {matchLabels: {app: ctrl}}\n").RNode
	added = nil
	if fs := (Budget{Spec: config.PodDisruptionBudget{MinAvailable: n(2)}, Existing: []*kyaml.RNode{elsewhere, existing}, Add: add}).Apply(w); len(fs) != 0 || len(added) != 0 {
		t.Errorf("an existing budget must be left alone, got %+v", fs)
	}
}

func TestBudgetBlockingDrains(t *testing.T) {
	w := testutil.Workload(t, controller) // 3 replicas
	for _, tc := range []struct {
		spec  config.PodDisruptionBudget
		block bool
	}{
		{config.PodDisruptionBudget{MinAvailable: n(3)}, true},
		{config.PodDisruptionBudget{MinAvailable: n(2)}, false},
		{config.PodDisruptionBudget{MinAvailable: pct(70)}, true}, // ceil(2.1) = 3
		{config.PodDisruptionBudget{MinAvailable: pct(60)}, false},
		{config.PodDisruptionBudget{MaxUnavailable: n(0)}, true},
		{config.PodDisruptionBudget{MaxUnavailable: pct(10)}, false}, // ceil(0.3) = 1
		{config.PodDisruptionBudget{MaxUnavailable: pct(0)}, true},
	} {
		fs := Budget{Spec: tc.spec}.Apply(w)
		blocked := len(fs) == 1 && fs[0].Severity == "error" && strings.Contains(fs[0].Message(false), "would block every node drain")
		if blocked != tc.block {
			t.Errorf("%s: blocks drains = %v, want %v (%+v)", describe(tc.spec), blocked, tc.block, fs)
		}
	}
}
