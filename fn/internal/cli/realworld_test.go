package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"
	sigsyaml "sigs.k8s.io/yaml"
)

// controllers are the controller workloads of the upstream manifests in
// ../shared/fixtures/real, by folder (see SOURCES.md there).
var controllers = map[string]string{
	"aws-ebs-csi-driver":                     "Deployment ebs-csi-controller",
	"aws-efs-csi-driver":                     "Deployment efs-csi-controller",
	"azuredisk-csi-driver":                   "Deployment kube-system/csi-azuredisk-controller",
	"azurefile-csi-driver":                   "Deployment kube-system/csi-azurefile-controller",
	"ceph-csi-rbd":                           "Deployment default/csi-rbdplugin-provisioner",
	"cinder-csi-plugin":                      "Deployment kube-system/csi-cinder-controllerplugin",
	"csi-digitalocean":                       "StatefulSet kube-system/csi-do-controller",
	"csi-driver-host-path":                   "StatefulSet default/csi-hostpathplugin",
	"csi-driver-nfs":                         "Deployment kube-system/csi-nfs-controller",
	"csi-driver-smb":                         "Deployment kube-system/csi-smb-controller",
	"gcp-compute-persistent-disk-csi-driver": "Deployment csi-gce-pd-controller",
	"harvester-chart":                        "Deployment kube-system/harvester-csi-driver-controllers",
	"harvester-csi-driver":                   "Deployment kube-system/csi-controller",
	"hetznercloud-csi-driver":                "Deployment kube-system/hcloud-csi-controller",
	"linode-blockstorage-csi-driver":         "StatefulSet kube-system/csi-linode-controller",
	"openebs-lvm-localpv":                    "Deployment kube-system/openebs-lvm-controller",
	"vsphere-csi-driver":                     "Deployment vmware-system-csi/vsphere-csi-controller",
}

// nodePlugins are the node plugins the default policy gives the
// control-plane tolerations, reported before their controller: the
// controller reaches its driver through their socket.
var nodePlugins = map[string]string{
	"harvester-chart":      "DaemonSet kube-system/harvester-csi-driver",
	"harvester-csi-driver": "DaemonSet kube-system/harvester-csi-plugin",
}

// deniesLeases are the drivers whose RBAC gives the controller no access
// to leases: raising their replicas must fail rather than emit sidecars
// that race (or, with the flag alone, never lead).
var deniesLeases = map[string]bool{"csi-driver-host-path": true, "hetznercloud-csi-driver": true}

var resultLine = regexp.MustCompile(`^(info|warning|error): (\w+ [^ ]+) \(`)

// TestRealManifests runs the default policy, and a strict one, over every
// upstream driver: exactly its controller is changed, nothing is lost or
// reordered, and a second run changes nothing.
func TestRealManifests(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..", "shared", "fixtures", "real")
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	var drivers []string
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && !strings.HasSuffix(d, "-templates") {
			drivers = append(drivers, d)
		}
	}
	if len(drivers) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the real manifests must be at %s under CI", root)
		}
		t.Skipf("real manifests not found at %s", root)
	}
	if len(drivers) != len(controllers) {
		t.Errorf("found %d drivers, the test knows %d", len(drivers), len(controllers))
	}
	policies := map[string]string{
		"default": "",
		"strict":  "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  podAntiAffinity: {type: Required}\n  replicas: auto\n  controlPlaneNodes: 3\n",
	}
	for _, d := range drivers {
		for pname, policy := range policies {
			t.Run(filepath.Base(d)+"/"+pname, func(t *testing.T) {
				args := []string{d}
				if policy != "" {
					cfg := filepath.Join(t.TempDir(), "policy.yaml")
					if err := os.WriteFile(cfg, []byte(policy), 0o600); err != nil {
						t.Fatal(err)
					}
					args = []string{"--config", cfg, d}
				}
				out, stderr, code := run(t, "", nil, args...)
				if pname == "strict" && deniesLeases[filepath.Base(d)] {
					if code != 1 || !strings.Contains(stderr, "no access to leases") {
						t.Fatalf("raising replicas without lease RBAC must fail, got exit %d:\n%s", code, stderr)
					}
					return
				}
				if code != 0 {
					t.Fatalf("exit %d:\n%s", code, stderr)
				}
				var found []string
				for _, l := range strings.Split(stderr, "\n") {
					if m := resultLine.FindStringSubmatch(l); m != nil && !slices.Contains(found, m[2]) {
						found = append(found, m[2])
					}
				}
				want := []string{controllers[filepath.Base(d)]}
				if ds, ok := nodePlugins[filepath.Base(d)]; ok {
					want = append([]string{ds}, want...)
				}
				if !slices.Equal(found, want) {
					t.Errorf("changed %v, want %v\n%s", found, want, stderr)
				}
				var in bytes.Buffer
				files, _ := filepath.Glob(filepath.Join(d, "*.y*ml"))
				sort.Strings(files)
				for _, f := range files {
					b, _ := os.ReadFile(f)
					in.Write(b)
					in.WriteString("\n---\n")
				}
				if got, want := ids(t, out), ids(t, in.String()); !slices.Equal(got, want) {
					t.Errorf("items changed order or count:\n got %v\nwant %v", got, want)
				}
				checkPlacement(t, out, pname == "strict")
				again, _, code := run(t, out, nil, append(args[:len(args)-1], "-")...)
				if code != 0 || again != out {
					t.Errorf("a second run must change nothing")
				}
			})
		}
	}
}

// controlPlaneTaints are the taints control-plane nodes carry across
// distributions (see distributions.md in ../shared/reference).
var controlPlaneTaints = []corev1.Taint{
	{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/control-plane", Value: "true", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/controlplane", Value: "true", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/master", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/etcd", Value: "true", Effect: corev1.TaintEffectNoExecute},
	{Key: "CriticalAddonsOnly", Value: "true", Effect: corev1.TaintEffectNoExecute},
}

// checkPlacement decodes every Deployment and StatefulSet of the output
// strictly into the Kubernetes API types (so a misplaced field fails), and
// checks the controller's placement with the API's own helpers.
func checkPlacement(t *testing.T, out string, requiredAnti bool) {
	t.Helper()
	for _, doc := range strings.Split(out, "\n---") {
		var meta struct{ Kind string }
		if err := sigsyaml.Unmarshal([]byte(doc), &meta); err != nil || meta.Kind != "Deployment" && meta.Kind != "StatefulSet" {
			continue
		}
		var spec *corev1.PodTemplateSpec
		var selector *metav1.LabelSelector
		if meta.Kind == "Deployment" {
			var d appsv1.Deployment
			if err := sigsyaml.UnmarshalStrict([]byte(doc), &d); err != nil {
				t.Fatalf("not a valid Deployment: %v", err)
			}
			spec, selector = &d.Spec.Template, d.Spec.Selector
		} else {
			var s appsv1.StatefulSet
			if err := sigsyaml.UnmarshalStrict([]byte(doc), &s); err != nil {
				t.Fatalf("not a valid StatefulSet: %v", err)
			}
			spec, selector = &s.Spec.Template, s.Spec.Selector
		}
		if !slices.ContainsFunc(spec.Spec.Containers, func(c corev1.Container) bool {
			return strings.HasSuffix(c.Name, "csi-provisioner") || strings.HasSuffix(c.Image, "csi-provisioner")
		}) &&
			!strings.Contains(doc, "csi-attacher") {
			continue // not the controller
		}
		aff := spec.Spec.Affinity
		if aff == nil || aff.NodeAffinity == nil || aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
			t.Fatalf("the controller has no required node affinity")
		}
		for i, term := range aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			if !slices.ContainsFunc(term.MatchExpressions, func(e corev1.NodeSelectorRequirement) bool {
				return strings.HasPrefix(e.Key, "node-role.kubernetes.io/") && (e.Operator == corev1.NodeSelectorOpExists || e.Operator == corev1.NodeSelectorOpIn)
			}) {
				t.Errorf("node selector term %d does not require a control-plane label: %+v", i, term)
			}
		}
		for _, taint := range controlPlaneTaints {
			if !slices.ContainsFunc(spec.Spec.Tolerations, func(tol corev1.Toleration) bool { return tol.ToleratesTaint(klog.Background(), &taint, false) }) {
				t.Errorf("the controller does not tolerate %s", taint.ToString())
			}
		}
		sel, err := metav1.LabelSelectorAsSelector(selector)
		if err != nil {
			t.Fatal(err)
		}
		anti := aff.PodAntiAffinity
		spreads := false
		if anti != nil {
			for _, term := range anti.RequiredDuringSchedulingIgnoredDuringExecution {
				s, _ := metav1.LabelSelectorAsSelector(term.LabelSelector)
				spreads = spreads || term.TopologyKey == "kubernetes.io/hostname" && term.LabelSelector != nil && s.Matches(labels.Set(spec.Labels))
			}
			for _, w := range anti.PreferredDuringSchedulingIgnoredDuringExecution {
				s, _ := metav1.LabelSelectorAsSelector(w.PodAffinityTerm.LabelSelector)
				spreads = spreads || !requiredAnti && w.PodAffinityTerm.TopologyKey == "kubernetes.io/hostname" && w.PodAffinityTerm.LabelSelector != nil && s.Matches(labels.Set(spec.Labels))
			}
		}
		if !spreads || !sel.Matches(labels.Set(spec.Labels)) {
			t.Errorf("the controller's pods are not spread by an anti-affinity that selects them")
		}
	}
}

// ids lists "kind namespace/name" of each document, in order.
func ids(t *testing.T, stream string) []string {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(stream))
	var out []string
	for {
		var obj struct {
			Kind     string
			Metadata struct{ Name, Namespace string }
		}
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if obj.Kind != "" {
			out = append(out, obj.Kind+" "+obj.Metadata.Namespace+"/"+obj.Metadata.Name)
		}
	}
}
