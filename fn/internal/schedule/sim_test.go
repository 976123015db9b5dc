package schedule

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// testNodes makes nodes from "name key=value,key=value taint=k=v:Effect".
func testNodes(specs ...string) []*corev1.Node {
	var out []*corev1.Node
	for _, s := range specs {
		f := strings.Fields(s)
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: f[0], Labels: map[string]string{}}}
		for _, part := range f[1:] {
			if a, ok := strings.CutPrefix(part, "alloc="); ok {
				cpu, mem, _ := strings.Cut(a, "/")
				n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
				continue
			}
			if t, ok := strings.CutPrefix(part, "taint="); ok {
				kv, effect, _ := strings.Cut(t, ":")
				k, v, _ := strings.Cut(kv, "=")
				n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: k, Value: v, Effect: corev1.TaintEffect(effect)})
				continue
			}
			for _, l := range strings.Split(part, ",") {
				k, v, _ := strings.Cut(l, "=")
				n.Labels[k] = v
			}
		}
		out = append(out, n)
	}
	return out
}

// template reads a pod template from YAML.
func template(t *testing.T, y string) *corev1.PodTemplateSpec {
	t.Helper()
	var tmpl corev1.PodTemplateSpec
	if err := yaml.UnmarshalStrict([]byte(y), &tmpl); err != nil {
		t.Fatal(err)
	}
	return &tmpl
}

const (
	antiSelf = `metadata: {labels: {app: c}}
spec:
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: c}}
        topologyKey: kubernetes.io/hostname
`
	plain   = "metadata: {labels: {app: c}}\nspec: {}\n"
	hostNet = `metadata: {labels: {app: c}}
spec:
  hostNetwork: true
  containers: [{name: c, ports: [{containerPort: 9808}]}]
`
)

// requests is a pod template of one container with these requests.
func requests(cpu, memory string) string {
	var r []string
	if cpu != "" {
		r = append(r, "cpu: "+cpu)
	}
	if memory != "" {
		r = append(r, "memory: "+memory)
	}
	return "metadata: {}\nspec: {containers: [{name: c, resources: {requests: {" + strings.Join(r, ", ") + "}}}]}\n"
}

// TestFilters: each of the scheduler's filters, for one pod on one node
// beside pods already placed.
func TestFilters(t *testing.T) {
	for _, tc := range []struct {
		name     string
		nodes    []string
		existing []string // "node-index owner namespace template"
		pod      string
		ns       string
		want     []string // per node: "" (fits) or the start of the reason
	}{{
		name:     "own required anti-affinity keeps replicas apart",
		nodes:    []string{"a", "b"},
		existing: []string{"0 c kube-system " + antiSelf},
		pod:      antiSelf, ns: "kube-system",
		want: []string{"didn't match pod anti-affinity rules (c on a)", ""},
	}, {
		name:     "an existing pod's anti-affinity rejects a pod it selects",
		nodes:    []string{"a", "b"},
		existing: []string{"1 other kube-system " + strings.Replace(antiSelf, "labels: {app: c}}", "labels: {app: other}}", 1)},
		pod:      plain, ns: "kube-system",
		want: []string{"", "didn't satisfy existing pods anti-affinity rules (of other on b)"},
	}, {
		name:     "anti-affinity terms see only their namespace by default",
		nodes:    []string{"a"},
		existing: []string{"0 c other-ns " + antiSelf},
		pod:      antiSelf, ns: "kube-system",
		want: []string{""},
	}, {
		name:     "an empty namespaceSelector sees every namespace",
		nodes:    []string{"a"},
		existing: []string{"0 c other-ns " + plain},
		pod:      strings.Replace(antiSelf, "topologyKey:", "namespaceSelector: {}\n        topologyKey:", 1), ns: "kube-system",
		want: []string{"didn't match pod anti-affinity rules"},
	}, {
		name:     "required pod affinity to a node plugin's pods: only where they run",
		nodes:    []string{"cp taint=node-role.kubernetes.io/control-plane=:NoSchedule", "w"},
		existing: []string{"1 plugin kube-system metadata: {labels: {app: plugin}}\nspec: {}\n"},
		pod: `metadata: {labels: {app: c}}
spec:
  tolerations: [{operator: Exists}]
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: plugin}}
        topologyKey: kubernetes.io/hostname
`, ns: "kube-system",
		want: []string{"didn't match pod affinity rules (no matching pod on this node's kubernetes.io/hostname)", ""},
	}, {
		name:  "a pod with affinity to its own group may start it",
		nodes: []string{"a"},
		pod: `metadata: {labels: {app: c}}
spec:
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: c}}
        topologyKey: kubernetes.io/hostname
`, ns: "default",
		want: []string{""},
	}, {
		name:     "hostNetwork ports are host ports",
		nodes:    []string{"a", "b"},
		existing: []string{"0 c default " + hostNet, "1 udp default metadata: {}\nspec: {containers: [{name: u, ports: [{containerPort: 1, hostPort: 9808, protocol: UDP}]}]}\n"},
		pod:      hostNet, ns: "default",
		want: []string{"didn't have free ports for the requested pod ports (TCP/9808, used by c)", ""},
	}, {
		name:     "a host port on one address collides with the wildcard",
		nodes:    []string{"a"},
		existing: []string{"0 c default metadata: {}\nspec: {containers: [{name: c, ports: [{containerPort: 80, hostPort: 80, hostIP: 10.0.0.1}]}]}\n"},
		pod:      "metadata: {}\nspec: {containers: [{name: c, ports: [{containerPort: 80, hostPort: 80}]}]}\n", ns: "default",
		want: []string{"didn't have free ports"},
	}, {
		name:     "topology spread DoNotSchedule over zones",
		nodes:    []string{"a1 topology.kubernetes.io/zone=a", "b1 topology.kubernetes.io/zone=b", "nozone"},
		existing: []string{"0 c default " + plain},
		pod: `metadata: {labels: {app: c}}
spec:
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: c}}}
`, ns: "default",
		want: []string{"didn't match pod topology spread constraints (topology.kubernetes.io/zone: skew 2 > maxSkew 1)", "", "didn't match pod topology spread constraints (missing required label)"},
	}, {
		name:  "a NoExecute taint tolerated for a while does not keep the pod",
		nodes: []string{"etcd taint=node-role.kubernetes.io/etcd=true:NoExecute"},
		pod:   "metadata: {}\nspec:\n  tolerations: [{operator: Exists, effect: NoExecute, tolerationSeconds: 300}]\n", ns: "default",
		want: []string{"taint node-role.kubernetes.io/etcd=true:NoExecute is tolerated only for 300s"},
	}, {
		name:     "requests within what the node can allocate, beside the pods already there",
		nodes:    []string{"small alloc=500m/256Mi", "big alloc=4/8Gi", "unknown", "tight alloc=4/100Mi"},
		existing: []string{"0 c default " + requests("300m", "128Mi"), "3 c default " + requests("", "64Mi")},
		pod:      requests("300m", "64Mi"), ns: "default",
		want: []string{"Insufficient cpu", "", "", "Insufficient memory"},
	}, {
		name:  "a limit without a request counts as the request",
		nodes: []string{"small alloc=500m/256Mi"},
		pod:   "metadata: {}\nspec: {containers: [{name: c, resources: {limits: {memory: 512Mi}}}]}\n", ns: "default",
		want: []string{"Insufficient memory"},
	}, {
		name:  "an unschedulable node",
		nodes: []string{"cordoned"},
		pod:   plain, ns: "default",
		want: []string{"cordoned (spec.unschedulable)"},
	}} {
		for run := range 2 { // the filters change nothing: twice gives the same
			c := NewCluster(testNodes(tc.nodes...))
			if tc.name == "an unschedulable node" {
				c.Nodes[0].Spec.Unschedulable = true
			}
			for _, e := range tc.existing {
				f := strings.SplitN(e, " ", 4)
				i := int(f[0][0] - '0')
				tmpl := template(t, f[3])
				c.Bind(NewPod(f[1], f[2], tmpl.Labels, &tmpl.Spec), i)
			}
			tmpl := template(t, tc.pod)
			p := NewPod("c", tc.ns, tmpl.Labels, &tmpl.Spec)
			for i := range c.Nodes {
				ok, why := c.Fits(p, i)
				if ok != (tc.want[i] == "") || !strings.HasPrefix(why, tc.want[i]) {
					t.Errorf("%s (run %d), node %s: got %v %q, want %q", tc.name, run, c.Nodes[i].Name, ok, why, tc.want[i])
				}
			}
		}
	}
}

// TestRollouts: replicas placed one by one, then a template change rolled
// out as the controllers would.
func TestRollouts(t *testing.T) {
	three := []string{"cp-1", "cp-2", "cp-3"}
	for _, tc := range []struct {
		name     string
		nodes    []string
		kind     string
		strategy string // YAML of the strategy
		tmpl     string
		replicas int
		placed   int
		finish   bool
		reason   string
	}{{
		name:  "N replicas kept apart on N nodes: the default surge pod has nowhere to go",
		nodes: three, kind: "Deployment", tmpl: antiSelf, replicas: 3, placed: 3,
		reason: "stalls with 1 new pod(s) Pending and 3 old pod(s) left: 0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules",
	}, {
		name:  "the same with maxSurge 0, maxUnavailable 1 finishes",
		nodes: three, kind: "Deployment", strategy: "rollingUpdate: {maxSurge: 0, maxUnavailable: 1}", tmpl: antiSelf, replicas: 3, placed: 3, finish: true,
	}, {
		name:  "an explicit maxSurge 1 with maxUnavailable 1 finishes: an old pod goes first",
		nodes: three, kind: "Deployment", strategy: "rollingUpdate: {maxSurge: 1, maxUnavailable: 1}", tmpl: antiSelf, replicas: 3, placed: 3, finish: true,
	}, {
		name:  "four replicas: 25% lets one pod go",
		nodes: []string{"a", "b", "c", "d"}, kind: "Deployment", tmpl: antiSelf, replicas: 4, placed: 4, finish: true,
	}, {
		name:  "a spare node takes the surge pod",
		nodes: []string{"a", "b", "c", "d"}, kind: "Deployment", tmpl: antiSelf, replicas: 3, placed: 3, finish: true,
	}, {
		name:  "host ports keep replicas apart as anti-affinity does",
		nodes: []string{"a", "b"}, kind: "Deployment", tmpl: hostNet, replicas: 2, placed: 2,
		reason: "stalls with 1 new pod(s) Pending and 2 old pod(s) left: 0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports",
	}, {
		name:  "anti-affinity per revision (matchLabelKeys pod-template-hash) lets the surge pod in",
		nodes: three, kind: "Deployment",
		tmpl:     strings.Replace(antiSelf, "topologyKey:", "matchLabelKeys: [pod-template-hash]\n        topologyKey:", 1),
		replicas: 3, placed: 3, finish: true,
	}, {
		name:  "Recreate replaces every pod at once",
		nodes: three, kind: "Deployment", strategy: "type: Recreate", tmpl: antiSelf, replicas: 3, placed: 3, finish: true,
	}, {
		name:  "more replicas than nodes: the rollout waits on the placement",
		nodes: []string{"a", "b"}, kind: "Deployment", tmpl: antiSelf, replicas: 3, placed: 2,
		reason: "only 2 of 3 replicas can run at all: 0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules",
	}, {
		name:  "a StatefulSet replaces pods one by one, each in the place the old one left",
		nodes: three, kind: "StatefulSet", tmpl: antiSelf, replicas: 3, placed: 3, finish: true,
	}, {
		name:  "StatefulSet OnDelete never rolls by itself",
		nodes: three, kind: "StatefulSet", strategy: "type: OnDelete", tmpl: antiSelf, replicas: 3, placed: 3,
		reason: "updateStrategy OnDelete: a pod is updated only when it is deleted",
	}} {
		for run := range 2 {
			c := NewCluster(testNodes(tc.nodes...))
			tg := Target{Owner: "c", Kind: tc.kind, Namespace: "default", Template: *template(t, tc.tmpl), Replicas: tc.replicas}
			tg.Strategy = strategy(t, tc.kind, tc.strategy)
			pl, ro := Simulate(c, tg)
			if len(pl.Nodes) != tc.placed || ro.CanFinish != tc.finish || tc.reason != "" && !strings.HasPrefix(ro.Reason, tc.reason) {
				t.Errorf("%s (run %d): placed %v, rollout %+v", tc.name, run, pl.Nodes, ro)
			}
		}
	}
}

func strategy(t *testing.T, kind, y string) Strategy {
	t.Helper()
	if kind == "StatefulSet" {
		var s appsv1.StatefulSetUpdateStrategy
		if err := yaml.UnmarshalStrict([]byte(y), &s); err != nil {
			t.Fatal(err)
		}
		return StatefulSetStrategy(s)
	}
	var s appsv1.DeploymentStrategy
	if err := yaml.UnmarshalStrict([]byte(y), &s); err != nil {
		t.Fatal(err)
	}
	return DeploymentStrategy(s)
}
