package policy

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/csi-placement/csi-placement/fn/internal/api"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// The fields the rules may edit, and the kind each must have: a field of
// another kind is the user's content in a shape the policy cannot edit
// without losing it, so it is an error, never replaced. "[]" stands for
// each element of a list.
var (
	podShapes = []shape{
		{"tolerations", yaml.SequenceNode}, {"tolerations[]", yaml.MappingNode},
		{"affinity", yaml.MappingNode},
		{"affinity.nodeAffinity", yaml.MappingNode},
		{"affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", yaml.MappingNode},
		{"affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms", yaml.SequenceNode},
		{"affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[]", yaml.MappingNode},
		{"affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[].matchExpressions", yaml.SequenceNode},
		{"affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution", yaml.SequenceNode},
		{"affinity.podAntiAffinity", yaml.MappingNode},
		{"affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution", yaml.SequenceNode},
		{"affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution", yaml.SequenceNode},
		{"containers", yaml.SequenceNode}, {"containers[]", yaml.MappingNode},
		{"containers[].args", yaml.SequenceNode}, {"containers[].command", yaml.SequenceNode}, {"containers[].env", yaml.SequenceNode},
		{"containers[].resources", yaml.MappingNode},
		{"containers[].resources.requests", yaml.MappingNode}, {"containers[].resources.limits", yaml.MappingNode},
		{"topologySpreadConstraints", yaml.SequenceNode},
		{"nodeSelector", yaml.MappingNode},
	}
	workloadShapes = append([]shape{
		{"spec", yaml.MappingNode},
		{"spec.strategy", yaml.MappingNode}, {"spec.strategy.rollingUpdate", yaml.MappingNode},
		{"spec.updateStrategy", yaml.MappingNode}, {"spec.updateStrategy.rollingUpdate", yaml.MappingNode},
		{"spec.selector", yaml.MappingNode},
		{"spec.template", yaml.MappingNode}, {"spec.template.metadata", yaml.MappingNode},
		{"spec.template.metadata.labels", yaml.MappingNode},
		{"spec.template.spec", yaml.MappingNode},
	}, under("spec.template.spec.", podShapes)...)
	// A node plugin gets tolerations only.
	nodePluginShapes = []shape{
		{"spec", yaml.MappingNode}, {"spec.template", yaml.MappingNode}, {"spec.template.spec", yaml.MappingNode},
		{"spec.template.spec.tolerations", yaml.SequenceNode}, {"spec.template.spec.tolerations[]", yaml.MappingNode},
	}
)

type shape struct {
	path string
	kind yaml.Kind
}

func under(prefix string, ss []shape) []shape {
	out := make([]shape, len(ss))
	for i, s := range ss {
		out[i] = shape{prefix + s.path, s.kind}
	}
	return out
}

// prepare makes a workload's node safe to edit (its aliases expanded, its
// anchors dropped: yn.Detach) and checks the fields the rules may edit;
// each field of the wrong kind is an error finding naming its path.
func prepare(obj *yaml.Node, shapes []shape) []results.Finding {
	if _, err := yn.Detach(obj); err != nil {
		return []results.Finding{{Rule: "input", Severity: results.Error, Field: "metadata",
			Text: results.Text(fmt.Sprintf("the policy cannot edit this item: %v", err))}}
	}
	var out []results.Finding
	trail := make([]step, 0, 8)
	for _, s := range shapes {
		walk(obj, s.path, trail, func(trail []step, n *yaml.Node) {
			if n.Kind == s.kind || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
				return
			}
			path := render(trail)
			out = append(out, results.Finding{Rule: "input", Severity: results.Error, Field: path,
				Text: results.Text(fmt.Sprintf("`%s` must be %s, got %s: the policy edits it, and replacing it would lose what it holds", path, kindName(s.kind), describe(n)))})
		})
	}
	return out
}

// ownPods is an error when a workload's selector does not select its pod
// template's labels: the API server rejects such a workload, and the
// rules, which spread and budget the pods by that selector, would add a
// term on every run that no pod matches.
func ownPods(w *workload.Workload) []results.Finding {
	if sel := w.Selector(); sel == nil || api.Selects(sel, w.TemplateLabels()) {
		return nil
	}
	return []results.Finding{{Rule: "input", Severity: results.Error, Field: "spec.selector",
		Text: results.Text("`spec.selector` must select the pod template's labels (`spec.template.metadata.labels`), as the API server requires; the policy spreads and budgets the workload's pods by it")}}
}

// walk calls f with each node at path (segments ending in "[]" go into
// every element of a list) and the steps that led to it; a step that is
// absent or of another kind stops there (its own shape reports it). The
// steps become a path string only for a node of the wrong kind: every
// target walks every shape.
func walk(n *yaml.Node, path string, trail []step, f func([]step, *yaml.Node)) {
	if path == "" {
		f(trail, n)
		return
	}
	seg, rest, _ := strings.Cut(path, ".")
	key, each := strings.CutSuffix(seg, "[]")
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			continue
		}
		v := n.Content[i+1]
		if !each {
			walk(v, rest, append(trail, step{key, -1}), f)
			continue
		}
		if v.Kind != yaml.SequenceNode {
			continue
		}
		for j, e := range v.Content {
			walk(e, rest, append(trail, step{key, j}), f)
		}
	}
}

// step is one key of a path, and the index into its list or -1.
type step struct {
	key   string
	index int
}

// render writes steps as a field path: `a.b[2].c`.
func render(trail []step) string {
	var b strings.Builder
	for i, s := range trail {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
		if s.index >= 0 {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		}
	}
	return b.String()
}

func kindName(k yaml.Kind) string {
	if k == yaml.SequenceNode {
		return "a list"
	}
	return "a mapping"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return strconv.Quote(v)
}
