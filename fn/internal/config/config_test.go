package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDefaults(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         "",
		"null":          "null",
		"empty mapping": "{}",
		"no spec":       "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nmetadata: {name: x}\n",
		"empty data":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\n",
	} {
		p, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(p.Spec, Default().Spec) {
			t.Errorf("%s: got %+v, want the defaults", name, p.Spec)
		}
	}
	s := Default().Spec
	if s.Mode != Enforce || s.OnNoMatch != Error || s.NodeAffinity.Type != Required || s.NodeAffinity.Existing != Merge ||
		s.PodAntiAffinity.Type != Preferred || *s.PodAntiAffinity.Weight != 100 || s.PodAntiAffinity.TopologyKey != "kubernetes.io/hostname" ||
		!*s.Tolerations.ControlPlane || s.Replicas != nil || s.ControlPlaneNodes != nil || *s.ReplicaBounds.Min != 1 || *s.ReplicaBounds.Max != 3 ||
		len(s.NodeAffinity.ControlPlaneLabels) != 2 {
		t.Errorf("defaults differ from the documented ones: %+v", s)
	}
}

func TestParseTyped(t *testing.T) {
	p, err := Parse([]byte(`apiVersion: fn.csi-placement.dev/v1alpha1
kind: PlacementPolicy
metadata:
  name: x
  annotations: {config.kubernetes.io/local-config: "true"}
spec:
  mode: Audit
  targets:
  - kind: Deployment
    name: harvester-*
    labels: {component: csi-controllers}
  nodeAffinity: {type: Preferred, controlPlaneLabels: [node-role.kubernetes.io/master]}
  podAntiAffinity: {type: Required, weight: 50}
  tolerations:
    controlPlane: false
    extra: [{key: dedicated, operator: Equal, value: storage, effect: NoSchedule}]
  replicas: auto
  controlPlaneNodes: 5
  replicaBounds: {min: 2}
`))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Spec
	if s.Mode != Audit || s.Targets[0].Name != "harvester-*" || s.NodeAffinity.Type != Preferred || s.NodeAffinity.Existing != Merge ||
		s.PodAntiAffinity.Type != Required || *s.PodAntiAffinity.Weight != 50 || *s.Tolerations.ControlPlane ||
		s.Tolerations.Extra[0].Value != "storage" || !s.Replicas.Auto || *s.ControlPlaneNodes != 5 ||
		*s.ReplicaBounds.Min != 2 || *s.ReplicaBounds.Max != 3 {
		t.Errorf("got %+v", s)
	}
}

func TestParseHAFields(t *testing.T) {
	p, err := Parse([]byte(`apiVersion: fn.csi-placement.dev/v1alpha1
kind: PlacementPolicy
spec:
  nodePlugin: {tolerateControlPlane: true}
  sidecars: {leaderElection: Add}
  podDisruptionBudget: {minAvailable: 50%}
  priorityClassName: system-cluster-critical
  topologySpread: {maxSkew: 2}
`))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Spec
	if !*s.NodePlugin.TolerateControlPlane || s.Sidecars.LeaderElection != Add || s.PodDisruptionBudget.MinAvailable.String() != "50%" ||
		s.PodDisruptionBudget.MaxUnavailable != nil || s.PriorityClassName != "system-cluster-critical" ||
		s.TopologySpread.TopologyKey != "topology.kubernetes.io/zone" || *s.TopologySpread.MaxSkew != 2 || s.TopologySpread.WhenUnsatisfiable != ScheduleAnyway {
		t.Errorf("got %+v", s)
	}
	d := Default().Spec
	if d.NodePlugin.TolerateControlPlane != nil || d.Sidecars.LeaderElection != Auto || d.Rollout.Strategy != Fix || d.PodDisruptionBudget != nil || d.PriorityClassName != "" || d.TopologySpread != nil {
		t.Errorf("the HA fields must be off by default: %+v", d)
	}

	p, err = Parse([]byte(`apiVersion: v1
kind: ConfigMap
data:
  node-plugin-tolerations: "TRUE"
  sidecar-leader-election: add
  pdb-max-unavailable: "1"
  priority-class-name: system-node-critical
  topology-spread-key: kubernetes.io/hostname
  topology-spread-when-unsatisfiable: donotschedule
`))
	if err != nil {
		t.Fatal(err)
	}
	s = p.Spec
	if !*s.NodePlugin.TolerateControlPlane || s.Sidecars.LeaderElection != Add || s.PodDisruptionBudget.MaxUnavailable.String() != "1" ||
		s.PriorityClassName != "system-node-critical" || s.TopologySpread.TopologyKey != "kubernetes.io/hostname" ||
		*s.TopologySpread.MaxSkew != 1 || s.TopologySpread.WhenUnsatisfiable != DoNotSchedule {
		t.Errorf("got %+v", s)
	}
}

func TestParseConfigMap(t *testing.T) {
	p, err := Parse([]byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: function-input}
data:
  mode: audit
  target-kind: statefulset
  target-name: csi-*
  pod-anti-affinity: REQUIRED
  control-plane-labels: "a.io/cp, b.io/cp"
  control-plane-tolerations: "False"
  replicas: "2"
  max-replicas: "5"
`))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Spec
	if s.Mode != Audit || s.Targets[0].Kind != "StatefulSet" || s.Targets[0].Name != "csi-*" || s.PodAntiAffinity.Type != Required ||
		!reflect.DeepEqual(s.NodeAffinity.ControlPlaneLabels, []string{"a.io/cp", "b.io/cp"}) || *s.Tolerations.ControlPlane ||
		s.Replicas.Count != 2 || s.Replicas.Auto || *s.ReplicaBounds.Max != 5 {
		t.Errorf("got %+v", s)
	}
}

func TestParseErrors(t *testing.T) {
	const typed = "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\n"
	for _, tc := range []struct {
		name, in string
		want     []string // every error, in order
	}{{
		name: "typo and out of range",
		in:   typed + "spec:\n  podAntiAffinity:\n    weight: 0\n  nodeAfinity: {type: Required}\n",
		want: []string{
			"`spec.nodeAfinity` is not a known field: did you mean \"nodeAffinity\"? (known fields: mode, targets, onNoMatch, nodePool, nodeAffinity, podAntiAffinity, tolerations, replicas, controlPlaneNodes, replicaBounds, rollout, nodePlugin, sidecars, podDisruptionBudget, priorityClassName, topologySpread, topologySpreads, resources, controlPlaneBudget)",
			"`spec.podAntiAffinity.weight` must be between 1 and 100, got 0",
		},
	}, {
		name: "out of range",
		in:   typed + "spec:\n  podAntiAffinity:\n    weight: 0\n",
		want: []string{"`spec.podAntiAffinity.weight` must be between 1 and 100, got 0"},
	}, {
		name: "wrong types everywhere",
		in:   typed + "spec:\n  mode: 1\n  replicas: three\n  tolerations: {controlPlane: yes please}\n  targets: {kind: Deployment}\n  controlPlaneNodes: 1.5\n",
		want: []string{
			"`spec.controlPlaneNodes` must be an integer, got 1.5",
			"`spec.mode` must be a string, got 1",
			"`spec.replicas` must be an integer >= 0 or \"auto\", got \"three\"",
			"`spec.targets` must be a list, got a mapping",
			"`spec.tolerations.controlPlane` must be true or false, got \"yes please\"",
		},
	}, {
		name: "enums are exact in the typed form",
		in:   typed + "spec:\n  mode: enforce\n  nodeAffinity: {type: required, existing: Keep}\n  onNoMatch: Fail\n",
		want: []string{
			"`spec.mode` must be one of Enforce, Audit, got \"enforce\"",
			"`spec.onNoMatch` must be one of Error, Warning, Ignore, got \"Fail\"",
			"`spec.nodeAffinity.type` must be one of Required, Preferred, None, got \"required\"",
			"`spec.nodeAffinity.existing` must be one of Merge, Replace, got \"Keep\"",
		},
	}, {
		name: "bad labels, bounds, replicas and tolerations",
		in: typed + `spec:
  replicas: -1
  targets: [{}]
  nodeAffinity: {controlPlaneLabels: ["node-role.kubernetes.io/master", "bad key!", "node-role.kubernetes.io/master"]}
  tolerations: {extra: [{operator: Equal, value: x}, {key: a, operator: Exists, value: b, effect: NoSchedule, tolerationSeconds: 5}]}
  replicaBounds: {min: 3, max: 2}
`,
		want: []string{
			"`spec.replicas` must be an integer >= 0 or \"auto\", got -1",
			"`spec.targets[0]` must set at least one of kind, name, namespace, labels: an empty target would select every Deployment and StatefulSet",
			"`spec.nodeAffinity.controlPlaneLabels[1]` must be a label key such as node-role.kubernetes.io/control-plane, got \"bad key!\"",
			"`spec.nodeAffinity.controlPlaneLabels[2]` must not repeat \"node-role.kubernetes.io/master\"",
			"`spec.tolerations.extra[0].operator` must be Exists when key is empty, got \"Equal\"",
			"`spec.tolerations.extra[1].value` must be empty when operator is Exists, got \"b\"",
			"`spec.tolerations.extra[1].tolerationSeconds` must be set only with effect NoExecute, got effect \"NoSchedule\"",
			"`spec.replicaBounds.max` must be >= `spec.replicaBounds.min` (3), got 2",
		},
	}, {
		name: "HA fields",
		in: typed + `spec:
  sidecars: {leaderElection: add}
  podDisruptionBudget: {maxUnavailable: 1, minAvailable: "150%"}
  topologySpread: {maxSkew: 0, whenUnsatisfiable: Never, topologyKey: "a b"}
  priorityClassName: System_Critical
`,
		want: []string{
			"`spec.sidecars.leaderElection` must be one of Auto, Add, Check, Ignore, got \"add\"",
			"`spec.podDisruptionBudget.minAvailable` must not be set with `spec.podDisruptionBudget.maxUnavailable`: a PodDisruptionBudget takes exactly one",
			"`spec.podDisruptionBudget.minAvailable` must be an integer >= 0 or a percentage such as \"50%\", got \"150%\"",
			"`spec.topologySpread.topologyKey` must be a label key such as topology.kubernetes.io/zone, got \"a b\"",
			"`spec.topologySpread.maxSkew` must be >= 1, got 0",
			"`spec.topologySpread.whenUnsatisfiable` must be one of ScheduleAnyway, DoNotSchedule, got \"Never\"",
			"`spec.priorityClassName` must be a PriorityClass name such as system-cluster-critical, got \"System_Critical\"",
		},
	}, {
		name: "a PDB needs one of its two fields",
		in:   typed + "spec:\n  podDisruptionBudget: {}\n",
		want: []string{"`spec.podDisruptionBudget` must set exactly one of maxUnavailable and minAvailable"},
	}, {
		name: "empty label list",
		in:   typed + "spec:\n  nodeAffinity: {controlPlaneLabels: []}\n",
		want: []string{"`spec.nodeAffinity.controlPlaneLabels` must not be empty: leave it out for the defaults (node-role.kubernetes.io/control-plane, node-role.kubernetes.io/controlplane)"},
	}, {
		name: "another kind",
		in:   "apiVersion: v1\nkind: Secret\n",
		want: []string{"functionConfig must be a PlacementPolicy (apiVersion: fn.csi-placement.dev/v1alpha1) or a ConfigMap (apiVersion: v1), got kind \"Secret\" with apiVersion \"v1\""},
	}, {
		name: "old apiVersion",
		in:   "apiVersion: fn.csi-placement.dev/v1\nkind: PlacementPolicy\n",
		want: []string{"functionConfig must be a PlacementPolicy (apiVersion: fn.csi-placement.dev/v1alpha1) or a ConfigMap (apiVersion: v1), got kind \"PlacementPolicy\" with apiVersion \"fn.csi-placement.dev/v1\""},
	}, {
		name: "configmap keys and values",
		in:   "apiVersion: v1\nkind: ConfigMap\ndata:\n  replica: \"2\"\n  anti-affinity-weight: \"101\"\n  pod-anti-affinity: sometimes\n  min-replicas: one\n",
		want: []string{
			"`data.min-replicas` must be an integer >= 1, got \"one\"",
			"`data.pod-anti-affinity` must be one of preferred, required, none (any case), got \"sometimes\"",
			"`data.replica` is not a known key: did you mean \"replicas\"? (known keys: mode, target-kind, target-name, target-namespace, on-no-match, node-pool, node-affinity, control-plane-labels, existing-affinity, pod-anti-affinity, anti-affinity-weight, topology-key, control-plane-tolerations, tolerations-from-inventory, replicas, control-plane-nodes, min-replicas, max-replicas, node-plugin-tolerations, sidecar-leader-election, rollout-strategy, resources, resources-memory-limit, control-plane-budget, pdb-max-unavailable, pdb-min-available, priority-class-name, topology-spread-key, topology-spread-max-skew, topology-spread-when-unsatisfiable)",
		},
	}, {
		name: "configmap range errors name the key",
		in:   "apiVersion: v1\nkind: ConfigMap\ndata:\n  anti-affinity-weight: \"101\"\n  control-plane-labels: \"node-role.kubernetes.io/master,bad key\"\n",
		want: []string{
			"`data.control-plane-labels` must be a label key such as node-role.kubernetes.io/control-plane, got \"bad key\"",
			"`data.anti-affinity-weight` must be between 1 and 100, got 101",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatal("want an error")
			}
			got := strings.Split(err.Error(), "\n")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for _, e := range err.(Errors) {
				if e.Field == "" || !strings.Contains(e.Msg, e.Field) && e.Field != "kind" {
					t.Errorf("error %q must name its field %q", e.Msg, e.Field)
				}
			}
		})
	}
}

// TestParseFromInventory: spec.tolerations.fromInventory is off by default
// and set by either form; the ConfigMap key takes any case, as the other
// booleans do.
func TestParseFromInventory(t *testing.T) {
	if *Default().Spec.Tolerations.FromInventory {
		t.Error("fromInventory must be false by default")
	}
	for name, in := range map[string]string{
		"typed":     "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  tolerations: {fromInventory: true, extra: [{key: dedicated, operator: Exists}]}\n",
		"configmap": "apiVersion: v1\nkind: ConfigMap\ndata:\n  tolerations-from-inventory: \"True\"\n",
	} {
		p, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tl := p.Spec.Tolerations; !*tl.FromInventory || !*tl.ControlPlane {
			t.Errorf("%s: got fromInventory %v, controlPlane %v; want both true", name, *tl.FromInventory, *tl.ControlPlane)
		}
	}
	p, err := Parse([]byte("apiVersion: v1\nkind: ConfigMap\ndata:\n  tolerations-from-inventory: \"false\"\n  control-plane-tolerations: \"false\"\n"))
	if err != nil || *p.Spec.Tolerations.FromInventory {
		t.Errorf("false with controlPlane false must be accepted and off: %v", err)
	}
}
