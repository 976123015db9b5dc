package policy

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
)

// invNode writes a Node of the inventory, annotated local-config: role
// labels (under node-role.kubernetes.io/) and taints in kubectl's form,
// key[=value]:Effect, keys without a domain being roles.
func invNode(name, labels, taints string) string {
	full := func(k string) string {
		if !strings.Contains(k, "/") {
			return "node-role.kubernetes.io/" + k
		}
		return k
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n  annotations: {config.kubernetes.io/local-config: \"true\"}\n  labels:\n    kubernetes.io/hostname: %s\n    kubernetes.io/os: linux\n", name, name)
	for _, l := range strings.Fields(labels) {
		k, v, _ := strings.Cut(l, "=")
		fmt.Fprintf(&b, "    %s: %q\n", full(k), v)
	}
	b.WriteString("spec:\n  taints:")
	if taints == "" {
		b.WriteString(" []")
	}
	b.WriteString("\n")
	for _, t := range strings.Fields(taints) {
		kv, effect, _ := strings.Cut(t, ":")
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "  - {key: %s, value: %q, effect: %s}\n", full(k), v, effect)
	}
	b.WriteString("status:\n  allocatable: {cpu: \"4\", memory: 8Gi, pods: \"110\"}\n")
	return b.String()
}

const controller = `apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-controller, namespace: kube-system}
spec:
  selector:
    matchLabels: {app: csi-controller}
  template:
    metadata:
      labels: {app: csi-controller}
    spec:
      containers:
      - name: csi-provisioner
        image: registry.k8s.io/sig-storage/csi-provisioner:v5.2.0
`

// TestFromInventory runs the policy with spec.tolerations.fromInventory on
// inventories of real distributions (../shared/reference/distributions.md):
// the target tolerates exactly the control-plane nodes' NoSchedule and
// NoExecute taints, never a worker's or a PreferNoSchedule one, and
// `extra` still applies. A second run on the output changes nothing.
func TestFromInventory(t *testing.T) {
	const typed = "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  resources: {mode: Ignore} # not what this test is about\n"
	kubeadm := invNode("cp-1", "control-plane=", "control-plane:NoSchedule") + "---\n" +
		invNode("cp-2", "control-plane=", "control-plane:NoSchedule") + "---\n" +
		invNode("worker-1", "", "example.com/gpu=true:NoSchedule")
	rke2 := invNode("cp-1", "control-plane=true etcd=true master=true", "etcd=true:NoExecute control-plane=true:NoSchedule") + "---\n" +
		invNode("cp-2", "control-plane=true etcd=true master=true", "control-plane=true:NoSchedule etcd=true:NoExecute example.com/busy=true:PreferNoSchedule") + "---\n" +
		invNode("worker-1", "worker=true", "example.com/storage=ssd:NoExecute")
	const placement = "info: Deployment kube-system/csi-controller (-): placement: schedulable on 2 of 3 nodes: cp-1, cp-2"
	for _, tc := range []struct {
		name, policy, nodes, tolerations string
		existing                         string // the target's tolerations in the input
		results                          []string
	}{{
		name:   "kubeadm: control-plane without a value, not the worker's gpu taint",
		policy: typed + "  tolerations: {fromInventory: true}\n",
		nodes:  kubeadm,
		tolerations: `- effect: NoSchedule
  key: node-role.kubernetes.io/control-plane
  operator: Equal
`,
		results: []string{"info: Deployment kube-system/csi-controller (-): node affinity: required a control-plane node (2 terms, was 0); pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods; tolerations: added node-role.kubernetes.io/control-plane=:NoSchedule", placement},
	}, {
		name:   "RKE2 (ConfigMap form): etcd and control-plane with their values, in node order; no PreferNoSchedule, no worker taint; extra still added",
		policy: "apiVersion: v1\nkind: ConfigMap\ndata:\n  tolerations-from-inventory: \"true\"\n  resources: ignore\n",
		nodes:  rke2,
		tolerations: `- effect: NoExecute
  key: node-role.kubernetes.io/etcd
  operator: Equal
  value: "true"
- effect: NoSchedule
  key: node-role.kubernetes.io/control-plane
  operator: Equal
  value: "true"
`,
		results: []string{"info: Deployment kube-system/csi-controller (-): node affinity: required a control-plane node (2 terms, was 0); pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods; tolerations: added node-role.kubernetes.io/etcd=true:NoExecute, node-role.kubernetes.io/control-plane=true:NoSchedule", placement},
	}, {
		name:   "extra tolerations still apply",
		policy: typed + "  tolerations:\n    fromInventory: true\n    extra: [{key: example.com/dedicated, operator: Equal, value: storage, effect: NoSchedule}]\n",
		nodes:  kubeadm,
		tolerations: `- effect: NoSchedule
  key: node-role.kubernetes.io/control-plane
  operator: Equal
- effect: NoSchedule
  key: example.com/dedicated
  operator: Equal
  value: storage
`,
		results: []string{"info: Deployment kube-system/csi-controller (-): node affinity: required a control-plane node (2 terms, was 0); pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods; tolerations: added node-role.kubernetes.io/control-plane=:NoSchedule, example.com/dedicated=storage:NoSchedule", placement},
	}, {
		name:     "an existing toleration that tolerates a taint is kept, not duplicated",
		policy:   typed + "  tolerations: {fromInventory: true}\n",
		nodes:    rke2,
		existing: "      tolerations:\n      - {key: node-role.kubernetes.io/etcd, operator: Exists, effect: NoExecute}\n",
		tolerations: `- effect: NoExecute
  key: node-role.kubernetes.io/etcd
  operator: Exists
- effect: NoSchedule
  key: node-role.kubernetes.io/control-plane
  operator: Equal
  value: "true"
`,
		results: []string{"info: Deployment kube-system/csi-controller (-): node affinity: required a control-plane node (2 terms, was 0); pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload's own pods; tolerations: added node-role.kubernetes.io/control-plane=true:NoSchedule", placement},
	}, {
		name:     "Audit: the missing tolerations are an error, nothing changes",
		policy:   typed + "  mode: Audit\n  tolerations: {fromInventory: true}\n",
		nodes:    rke2,
		existing: "      tolerations:\n      - {key: node-role.kubernetes.io/etcd, operator: Exists, effect: NoExecute}\n",
		tolerations: `- effect: NoExecute
  key: node-role.kubernetes.io/etcd
  operator: Exists
`,
		results: []string{
			"error: Deployment kube-system/csi-controller (-): `spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` must require a node with one of the labels node-role.kubernetes.io/control-plane, node-role.kubernetes.io/controlplane",
			"error: Deployment kube-system/csi-controller (-): `spec.template.spec.affinity.podAntiAffinity` must have a preferred term on kubernetes.io/hostname that selects the workload's own pods",
			"error: Deployment kube-system/csi-controller (-): `spec.template.spec.tolerations` must tolerate node-role.kubernetes.io/control-plane=true:NoSchedule",
			placement,
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := config.Parse([]byte(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			in := strings.Replace(controller, "      containers:\n", tc.existing+"      containers:\n", 1) + "---\n" + tc.nodes
			once, rs, code := runInventory(t, in, p)
			if code != 0 && p.Spec.Mode != config.Audit {
				t.Fatalf("exit %d:\n%s", code, strings.Join(rs, "\n"))
			}
			if got := targetTolerations(t, once); got != tc.tolerations {
				t.Errorf("tolerations:\n%s\nwant:\n%s", got, tc.tolerations)
			}
			if got := strings.Join(targetResults(rs), "\n"); got != strings.Join(tc.results, "\n") {
				t.Errorf("results:\n%s\nwant:\n%s", got, strings.Join(tc.results, "\n"))
			}
			twice, rs2, _ := runInventory(t, once, p)
			if twice != once {
				t.Errorf("a second run changed the output:\n%s", diffLines(once, twice))
			}
			if p.Spec.Mode != config.Audit && !strings.Contains(strings.Join(rs2, "\n"), "already follows the policy; nothing changed") {
				t.Errorf("a second run must find nothing to change:\n%s", strings.Join(rs2, "\n"))
			}
		})
	}
}

// TestFromInventoryWithoutNodes: fromInventory needs Node objects; without
// them the run is an error naming the field and how to add them; an
// inventory without a control-plane node is refused by the required
// affinity's check, and with a preferred one tolerates nothing, with a
// warning.
func TestFromInventoryWithoutNodes(t *testing.T) {
	for _, tc := range []struct {
		name, policy, nodes string
		code                int
		want                string
	}{{
		name:   "no Node objects",
		policy: "apiVersion: v1\nkind: ConfigMap\ndata: {tolerations-from-inventory: \"true\"}\n",
		code:   1,
		want:   "error: `spec.tolerations.fromInventory` is true, so the input must have Node objects to read the control-plane taints from, and it has none: add the cluster's Node objects annotated config.kubernetes.io/local-config: \"true\" (`kubectl get nodes -o yaml | kubectl annotate --local -f - config.kubernetes.io/local-config=true -o yaml > nodes.yaml`), or pass them with `--nodes FILE`; or leave `spec.tolerations.fromInventory` out (ConfigMap: tolerations-from-inventory) for the built-in control-plane tolerations",
	}, {
		name:   "no control-plane node, required affinity",
		policy: "apiVersion: v1\nkind: ConfigMap\ndata: {tolerations-from-inventory: \"true\"}\n",
		nodes:  invNode("worker-1", "", "example.com/gpu=true:NoSchedule"),
		code:   1,
		want:   "error: none of the 1 Node objects in the input has a control-plane label (node-role.kubernetes.io/control-plane, node-role.kubernetes.io/controlplane), so a required node affinity would leave the controller Pending forever: set `spec.nodeAffinity.type` to Preferred (ConfigMap: node-affinity=preferred) on clusters without control-plane nodes",
	}, {
		name:   "no control-plane node, preferred affinity",
		policy: "apiVersion: v1\nkind: ConfigMap\ndata: {tolerations-from-inventory: \"true\", node-affinity: preferred}\n",
		nodes:  invNode("worker-1", "", ""),
		want:   "warning: `spec.tolerations.fromInventory` is true, but no Node object in the input (1) has a control-plane label (node-role.kubernetes.io/control-plane, node-role.kubernetes.io/controlplane), so no taint is tolerated",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := config.Parse([]byte(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			in := controller
			if tc.nodes != "" {
				in += "---\n" + tc.nodes
			}
			out, rs, code := runInventory(t, in, p)
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, strings.Join(rs, "\n"))
			}
			if len(rs) == 0 || rs[0] != tc.want {
				t.Errorf("first result:\n%s\nwant:\n%s", strings.Join(rs, "\n"), tc.want)
			}
			if strings.Contains(out, "tolerations:") {
				t.Errorf("no toleration must be added:\n%s", out)
			}
		})
	}
}

// runInventory runs the policy on a stream and returns the output, each
// result as "severity: [resource: ]message", and the exit code.
func runInventory(t *testing.T, in string, p *config.Policy) (string, []string, int) {
	t.Helper()
	s, err := krmio.ParseStream([]byte(in), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(s.Items, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	var rs []string
	for _, r := range rep.Results {
		m := string(r.Severity) + ": "
		if r.ResourceRef != nil {
			m += fmt.Sprintf("%s %s/%s (-): ", r.ResourceRef.Kind, r.ResourceRef.Namespace, r.ResourceRef.Name)
		}
		rs = append(rs, m+r.Message)
	}
	return out, rs, rep.Results.ExitCode()
}

// targetResults are the results about the target.
func targetResults(rs []string) []string {
	var out []string
	for _, r := range rs {
		if strings.Contains(r, "Deployment kube-system/csi-controller") {
			out = append(out, r)
		}
	}
	return out
}

// targetTolerations are the target's tolerations in the output, as YAML.
func targetTolerations(t *testing.T, out string) string {
	t.Helper()
	doc, _, _ := strings.Cut(out, "\n---\n")
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Tolerations []any `json:"tolerations"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Spec.Template.Spec.Tolerations) == 0 {
		return ""
	}
	b, err := yaml.Marshal(d.Spec.Template.Spec.Tolerations)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
