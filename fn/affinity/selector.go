package affinity

import (
	"slices"

	"go.yaml.in/yaml/v3"

	yn "github.com/csi-placement/csi-placement/fn/yamlnode"
)

// selectsOwn reports whether a pod affinity term selects pods with labels
// in namespace ns. A term with no labelSelector selects no pods; an empty
// one selects all.
func selectsOwn(term *yaml.Node, labels map[string]string, ns string) bool {
	if nss := yn.Items(yn.Get(term, "namespaces")); len(nss) > 0 {
		if !slices.ContainsFunc(nss, func(n *yaml.Node) bool { return yn.String(n) == ns }) {
			return false
		}
	}
	if nsSel := yn.Get(term, "namespaceSelector"); !yn.IsNull(nsSel) && len(nsSel.Content) > 0 {
		return false // other namespaces: the selector cannot be judged here
	}
	sel := yn.Get(term, "labelSelector")
	if yn.IsNull(sel) {
		return false
	}
	return Matches(sel, labels)
}

// Matches evaluates a metav1.LabelSelector against a set of labels.
func Matches(sel *yaml.Node, labels map[string]string) bool {
	for k, v := range yn.StringMap(yn.Get(sel, "matchLabels")) {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range yn.Items(yn.Get(sel, "matchExpressions")) {
		key := yn.String(yn.Get(e, "key"))
		var values []string
		for _, v := range yn.Items(yn.Get(e, "values")) {
			values = append(values, yn.String(v))
		}
		got, has := labels[key]
		switch yn.String(yn.Get(e, "operator")) {
		case "In":
			if !has || !slices.Contains(values, got) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(values, got) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}
