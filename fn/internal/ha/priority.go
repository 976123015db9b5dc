// Package ha holds the pod-spec rules of the rest of the HA policy: the
// priority class and the topology spread constraint.
package ha

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const priorityPath = "spec.template.spec.priorityClassName"

// Priority sets the pod's priority class where none is set, so that the
// controller is not the first pod evicted under pressure.
type Priority struct {
	Name string
}

// Apply sets spec.template.spec.priorityClassName.
func (f Priority) Apply(w *workload.Workload) []results.Finding {
	cur := yn.String(w.PodField("priorityClassName"))
	switch cur {
	case f.Name:
		return nil
	case "":
		yn.SetScalar(w.PodSpec(), "priorityClassName", yaml.NewStringRNode(f.Name), yn.PodSpecOrder)
		return []results.Finding{{Rule: "priority", Severity: results.Info, Field: priorityPath,
			Text: results.Change{Done: "priorityClassName: set " + f.Name,
				Required: fmt.Sprintf("`%s` must be set to %s", priorityPath, f.Name)}, Proposed: f.Name}}
	}
	return []results.Finding{{Rule: "priority", Severity: results.Warning, Field: priorityPath,
		Text: results.Text(fmt.Sprintf("priorityClassName: the workload asks for %q, not %q; left as it is", cur, f.Name))}}
}
