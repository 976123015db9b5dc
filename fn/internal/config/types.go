// Package config reads the function's config: a typed PlacementPolicy or a
// flat ConfigMap, both strict, with every error naming the field, the value
// and what is allowed.
package config

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	// APIVersion and Kind identify the typed functionConfig.
	APIVersion = "fn.csi-placement.dev/v1alpha1"
	Kind       = "PlacementPolicy"
)

// Modes, enum values as written in the typed config.
const (
	Enforce = "Enforce"
	Audit   = "Audit"

	Error   = "Error"
	Warning = "Warning"
	Ignore  = "Ignore"

	Required  = "Required"
	Preferred = "Preferred"
	None      = "None"

	Merge   = "Merge"
	Replace = "Replace"

	Check = "Check"
	Add   = "Add"
	Auto  = "Auto"

	Fix  = "Fix"
	Keep = "Keep"

	ScheduleAnyway = "ScheduleAnyway"
	DoNotSchedule  = "DoNotSchedule"

	ControlPlane        = "ControlPlane"
	OpenShiftInfra      = "OpenShiftInfra"
	HarvesterManagement = "HarvesterManagement"
	Custom              = "Custom"
)

// Policy is the PlacementPolicy. After Parse every field holds its value or
// its default.
type Policy struct {
	APIVersion string         `json:"apiVersion,omitempty"`
	Kind       string         `json:"kind,omitempty"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	Spec       Spec           `json:"spec"`
}

// Spec is the placement policy.
type Spec struct {
	Mode              string          `json:"mode,omitempty"`
	Targets           []Target        `json:"targets,omitempty"`
	OnNoMatch         string          `json:"onNoMatch,omitempty"`
	NodePool          NodePool        `json:"nodePool"`
	NodeAffinity      NodeAffinity    `json:"nodeAffinity"`
	PodAntiAffinity   PodAntiAffinity `json:"podAntiAffinity"`
	Tolerations       Tolerations     `json:"tolerations"`
	Replicas          *Replicas       `json:"replicas,omitempty"`
	ControlPlaneNodes *int            `json:"controlPlaneNodes,omitempty"`
	ReplicaBounds     Bounds          `json:"replicaBounds"`

	Rollout             Rollout              `json:"rollout"`
	NodePlugin          NodePlugin           `json:"nodePlugin"`
	Sidecars            Sidecars             `json:"sidecars"`
	PodDisruptionBudget *PodDisruptionBudget `json:"podDisruptionBudget,omitempty"`
	PriorityClassName   string               `json:"priorityClassName,omitempty"`
	TopologySpread      *TopologySpread      `json:"topologySpread,omitempty"`
	// TopologySpreads are more constraints, each on its own key (zone and
	// host, say), added after TopologySpread.
	TopologySpreads []TopologySpread `json:"topologySpreads,omitempty"`

	Resources          Resources          `json:"resources"`
	ControlPlaneBudget ControlPlaneBudget `json:"controlPlaneBudget"`
}

// NodePool names the nodes the controllers are placed on: the control
// plane (default), a preset pool, or one named by its labels and the
// tolerations its taints need. The pool's labels are the node affinity's
// (nodeAffinity.controlPlaneLabels), its tolerations replace the built-in
// control-plane set, and replicas: auto, the budget and fromInventory count
// its nodes.
type NodePool struct {
	// Preset: ControlPlane (default), OpenShiftInfra, HarvesterManagement
	// or Custom.
	Preset string `json:"preset,omitempty"`
	// Labels (Custom only): a node with any of them is in the pool.
	Labels []string `json:"labels,omitempty"`
	// Tolerations (Custom only): what the pool's taints need.
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
}

// Pool is what a preset names.
type Pool struct {
	// Name words the pool in results: "a control-plane node".
	Name   string
	Labels []string
	// Tolerations replace the built-in control-plane set; ControlPlane
	// keeps it (a pool of control-plane nodes).
	Tolerations  []Toleration
	ControlPlane bool
}

// Pools are the presets. OpenShift's infra nodes carry
// node-role.kubernetes.io/infra and, to keep other workloads off, the
// taint the OpenShift documentation gives them (infra=reserved, NoSchedule
// and NoExecute); Harvester's management nodes are its RKE2 servers, told
// from its witness node by node-role.harvesterhci.io/management.
var Pools = map[string]Pool{
	OpenShiftInfra: {Name: "infra", Labels: []string{"node-role.kubernetes.io/infra"}, Tolerations: []Toleration{
		{Key: "node-role.kubernetes.io/infra", Operator: "Exists", Effect: "NoSchedule"},
		{Key: "node-role.kubernetes.io/infra", Operator: "Exists", Effect: "NoExecute"},
	}},
	HarvesterManagement: {Name: "Harvester management", Labels: []string{"node-role.harvesterhci.io/management"}, ControlPlane: true},
}

// Pool is the spec's node pool, resolved: a preset, the custom one, or the
// control plane with the node affinity's labels.
func (s *Spec) Pool() Pool {
	switch s.NodePool.Preset {
	case "", ControlPlane:
		return Pool{Name: "control-plane", Labels: s.NodeAffinity.ControlPlaneLabels, ControlPlane: true}
	case Custom:
		return Pool{Name: "pool", Labels: s.NodePool.Labels, Tolerations: Tolerations{Extra: s.NodePool.Tolerations}.ExtraTolerations()}
	}
	return Pools[s.NodePool.Preset]
}

// Resources is the policy for the resource requests of a target's
// containers.
type Resources struct {
	// Mode: Check (default) reports containers that request no cpu or no
	// memory (info; an error in Audit mode); Add fills in what is missing
	// from the documented defaults, never replacing a value; Ignore.
	Mode string `json:"mode,omitempty"`
	// MemoryLimit also checks, or adds, a memory limit; never a CPU limit,
	// which throttles a sidecar into missing its leader-election renewals.
	MemoryLimit bool `json:"memoryLimit,omitempty"`
}

// ControlPlaneBudget bounds, on a Node inventory, what the placed
// controllers and the node plugins the policy moves there request on each
// control-plane node.
type ControlPlaneBudget struct {
	// MaxShare is the share of a node's allocatable cpu or memory above
	// which a warning is reported, as a percentage ("10%"); above all of
	// it is an error.
	MaxShare string `json:"maxShare,omitempty"`
}

// DefaultMaxShare is the default ControlPlaneBudget.MaxShare: a tenth of
// a node, beside the third of a 2-CPU node (kubeadm's minimum) that the
// control plane's own static pods request.
const DefaultMaxShare = "10%"

// NodePlugin is the policy for the node plugin DaemonSet a controller
// depends on.
type NodePlugin struct {
	// TolerateControlPlane adds the control-plane tolerations to it: true
	// always, false never; unset, when the controller reaches its driver
	// through a socket that DaemonSet serves, since the controller pods the
	// policy moves onto the control plane find no driver there otherwise.
	TolerateControlPlane *bool `json:"tolerateControlPlane,omitempty"`
}

// Rollout is the policy for a strategy whose rollout cannot finish.
type Rollout struct {
	// Strategy: Fix (default) rewrites a Deployment's rolling update that
	// would stall (maxSurge 0, maxUnavailable 1), even over the input's
	// explicit values; Keep keeps it and reports an error.
	Strategy string `json:"strategy,omitempty"`
}

// Sidecars is the policy for the leader-electing containers of a
// controller.
type Sidecars struct {
	// LeaderElection: Auto (default) adds the flag where the policy raises
	// replicas above 1 and reports the input's own replicated workloads
	// that lack it; Add adds it wherever replicas > 1; Check only reports
	// (an error where the policy raised replicas); Ignore.
	LeaderElection string `json:"leaderElection,omitempty"`
}

// PodDisruptionBudget asks for a policy/v1 PodDisruptionBudget; one of
// the two is set, each an integer >= 0 or a percentage such as "50%".
type PodDisruptionBudget struct {
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	MinAvailable   *intstr.IntOrString `json:"minAvailable,omitempty"`
}

// Spreads are the topology spread constraints the spec asks for, in
// order: topologySpread, then topologySpreads.
func (s *Spec) Spreads() []*TopologySpread {
	var out []*TopologySpread
	if s.TopologySpread != nil {
		out = append(out, s.TopologySpread)
	}
	for i := range s.TopologySpreads {
		out = append(out, &s.TopologySpreads[i])
	}
	return out
}

// TopologySpread asks for a topologySpreadConstraint.
type TopologySpread struct {
	TopologyKey       string `json:"topologyKey,omitempty"`
	MaxSkew           *int   `json:"maxSkew,omitempty"`
	WhenUnsatisfiable string `json:"whenUnsatisfiable,omitempty"`
}

// Target selects workloads; every field that is set must match.
type Target struct {
	Kind      string            `json:"kind,omitempty"`
	Name      string            `json:"name,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// NodeAffinity is the control-plane node affinity rule.
type NodeAffinity struct {
	Type               string   `json:"type,omitempty"`
	ControlPlaneLabels []string `json:"controlPlaneLabels,omitempty"`
	Existing           string   `json:"existing,omitempty"`
}

// PodAntiAffinity is the rule that spreads replicas across topology domains.
type PodAntiAffinity struct {
	Type        string `json:"type,omitempty"`
	Weight      *int   `json:"weight,omitempty"`
	TopologyKey string `json:"topologyKey,omitempty"`
}

// Tolerations says which tolerations to add.
type Tolerations struct {
	ControlPlane *bool `json:"controlPlane,omitempty"`
	// FromInventory, when true, tolerates exactly the NoSchedule and
	// NoExecute taints on the inventory's control-plane nodes in place of
	// the built-in control-plane set; it needs Node objects.
	FromInventory *bool               `json:"fromInventory,omitempty"`
	Extra         []corev1.Toleration `json:"extra,omitempty"`
}

// ExtraTolerations are the extra tolerations in the form the rules compare.
func (t Tolerations) ExtraTolerations() []Toleration {
	var out []Toleration
	for _, e := range t.Extra {
		out = append(out, Toleration{Key: e.Key, Operator: string(e.Operator), Value: e.Value,
			Effect: string(e.Effect), TolerationSeconds: e.TolerationSeconds})
	}
	return out
}

// Toleration is a core/v1 Toleration with plain strings, as the rules
// compare and write them.
type Toleration struct {
	Key               string `json:"key,omitempty"`
	Operator          string `json:"operator,omitempty"`
	Value             string `json:"value,omitempty"`
	Effect            string `json:"effect,omitempty"`
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// Bounds clamp the replica count that "auto" computes.
type Bounds struct {
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
}

// MaxReplicas bounds every replica count the policy sets or assumes
// (replicas, controlPlaneNodes, replicaBounds.max), and the replicas of a
// target the proof places one by one: a CSI controller runs a handful.
const MaxReplicas = 100

// Replicas is an integer, or "auto".
type Replicas struct {
	Auto  bool
	Count int
}

func (r Replicas) String() string {
	if r.Auto {
		return "auto"
	}
	return itoa(r.Count)
}

// Defaults, from the API's documentation.
var (
	// DefaultControlPlaneLabels leave out node-role.kubernetes.io/master:
	// the API server warns on every apply of a pod spec that selects it,
	// and every distribution's control plane has one of these (a cluster
	// whose nodes carry only master is found from the inventory).
	DefaultControlPlaneLabels = []string{
		"node-role.kubernetes.io/control-plane",
		"node-role.kubernetes.io/controlplane",
	}
	// MasterLabel is the control-plane label before Kubernetes 1.24.
	MasterLabel        = "node-role.kubernetes.io/master"
	DefaultWeight      = 100
	DefaultTopologyKey = "kubernetes.io/hostname"
	// DefaultSpreadKey is a topology spread constraint's default key.
	DefaultSpreadKey   = "topology.kubernetes.io/zone"
	DefaultMinReplicas = 1
	DefaultMaxReplicas = 3
)

// Default returns the policy an empty config means.
func Default() *Policy {
	p := &Policy{APIVersion: APIVersion, Kind: Kind}
	p.setDefaults()
	return p
}

func (p *Policy) setDefaults() {
	s := &p.Spec
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&s.Mode, Enforce)
	def(&s.OnNoMatch, Error)
	def(&s.NodePool.Preset, ControlPlane)
	if s.NodePool.Preset != ControlPlane {
		// The pool's labels are the node affinity's (validation refused
		// both at once).
		s.NodeAffinity.ControlPlaneLabels = append([]string(nil), s.Pool().Labels...)
	}
	def(&s.NodeAffinity.Type, Required)
	def(&s.NodeAffinity.Existing, Merge)
	def(&s.PodAntiAffinity.Type, Preferred)
	def(&s.PodAntiAffinity.TopologyKey, DefaultTopologyKey)
	if s.NodeAffinity.ControlPlaneLabels == nil {
		s.NodeAffinity.ControlPlaneLabels = append([]string(nil), DefaultControlPlaneLabels...)
	}
	if s.PodAntiAffinity.Weight == nil {
		s.PodAntiAffinity.Weight = ptr(DefaultWeight)
	}
	if s.Tolerations.ControlPlane == nil {
		s.Tolerations.ControlPlane = ptr(true)
	}
	if s.Tolerations.FromInventory == nil {
		s.Tolerations.FromInventory = ptr(false)
	}
	def(&s.Sidecars.LeaderElection, Auto)
	def(&s.Rollout.Strategy, Fix)
	def(&s.Resources.Mode, Check)
	def(&s.ControlPlaneBudget.MaxShare, DefaultMaxShare)
	for _, ts := range s.Spreads() {
		def(&ts.TopologyKey, DefaultSpreadKey)
		def(&ts.WhenUnsatisfiable, ScheduleAnyway)
		if ts.MaxSkew == nil {
			ts.MaxSkew = ptr(1)
		}
	}
	if s.ReplicaBounds.Min == nil {
		s.ReplicaBounds.Min = ptr(DefaultMinReplicas)
	}
	if s.ReplicaBounds.Max == nil {
		s.ReplicaBounds.Max = ptr(max(DefaultMaxReplicas, *s.ReplicaBounds.Min))
	}
}

func ptr[T any](v T) *T { return &v }
