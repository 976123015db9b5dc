package affinity

import (
	"slices"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/api"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// selectsOwn reports whether a pod affinity term selects pods with labels
// in namespace ns. A term with no labelSelector selects no pods; an empty
// one selects all.
func selectsOwn(term *yaml.RNode, labels map[string]string, ns string) bool {
	if nss := yn.Elements(yn.Get(term, "namespaces")); len(nss) > 0 {
		if !slices.ContainsFunc(nss, func(n *yaml.RNode) bool { return yn.String(n) == ns }) {
			return false
		}
	}
	if nsSel := yn.Get(term, "namespaceSelector"); !yaml.IsMissingOrNull(nsSel) && len(nsSel.Content()) > 0 {
		return false // other namespaces: the selector cannot be judged here
	}
	return api.Selects(yn.Get(term, "labelSelector"), labels)
}
