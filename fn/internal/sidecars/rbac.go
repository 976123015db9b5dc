package sidecars

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/api"
)

// Leases reads the input's RBAC (Roles, ClusterRoles and their bindings)
// and says whether a ServiceAccount may get, create and update leases:
// Unknown when the input binds nothing to it, as when RBAC comes from
// elsewhere. namespace "" stands for any.
func Leases(objs []*yaml.RNode) (func(namespace, serviceAccount string) Access, error) {
	var roles, clusterRoles = map[string][]rbacv1.PolicyRule{}, map[string][]rbacv1.PolicyRule{}
	type binding struct {
		ns   string // "" for a ClusterRoleBinding
		b    rbacv1.RoleBinding
		kind string
	}
	var bindings []binding
	for _, o := range objs {
		kind := o.GetKind()
		switch kind {
		case "Role", "ClusterRole":
			var r rbacv1.Role
			if err := api.Decode(o, &r); err != nil {
				return nil, err
			}
			if kind == "Role" {
				roles[r.Namespace+"/"+r.Name] = r.Rules
			} else {
				clusterRoles[r.Name] = r.Rules
			}
		case "RoleBinding", "ClusterRoleBinding":
			var b rbacv1.RoleBinding
			if err := api.Decode(o, &b); err != nil {
				return nil, err
			}
			ns := b.Namespace
			if kind == "ClusterRoleBinding" {
				ns = ""
			}
			bindings = append(bindings, binding{ns: ns, b: b, kind: kind})
		}
	}
	return func(namespace, sa string) Access {
		bound := false
		for _, bd := range bindings {
			// A workload without a namespace goes where it is applied: any
			// namespace may be its own.
			if bd.kind == "RoleBinding" && namespace != "" && bd.ns != namespace && bd.ns != "" {
				continue
			}
			if !slices.ContainsFunc(bd.b.Subjects, func(s rbacv1.Subject) bool {
				return s.Kind == "ServiceAccount" && s.Name == sa && (namespace == "" || s.Namespace == namespace || s.Namespace == "" && bd.ns == namespace)
			}) {
				continue
			}
			bound = true
			rules := clusterRoles[bd.b.RoleRef.Name]
			if bd.b.RoleRef.Kind == "Role" {
				rules = roles[bd.ns+"/"+bd.b.RoleRef.Name]
			}
			if grantsLeases(rules) {
				return Granted
			}
		}
		if bound {
			return Denied
		}
		return Unknown
	}, nil
}

func grantsLeases(rules []rbacv1.PolicyRule) bool {
	want := []string{"get", "create", "update"}
	has := map[string]bool{}
	for _, r := range rules {
		if !anyOf(r.APIGroups, "coordination.k8s.io") || !anyOf(r.Resources, "leases") {
			continue
		}
		for _, v := range r.Verbs {
			has[v] = true
		}
	}
	for _, v := range want {
		if !has[v] && !has["*"] {
			return false
		}
	}
	return true
}

func anyOf(list []string, v string) bool {
	return slices.Contains(list, v) || slices.Contains(list, "*")
}
