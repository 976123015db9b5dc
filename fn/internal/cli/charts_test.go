package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// rke2 is three RKE2 servers (no taints) and two agents.
var rke2 = inventory([]node{
	cp("cp-1", "control-plane=true etcd=true"), cp("cp-2", "control-plane=true etcd=true"),
	cp("cp-3", "control-plane=true etcd=true"), worker("w-1"), worker("w-2"),
})

// chartErrors are the renders the function must refuse, by case and
// policy, with the reason: what it claims must be what the cluster would
// do, and these cannot work as asked.
var chartErrors = map[string]string{
	"longhorn/default":                        "Longhorn's manager creates its CSI controllers at run time",
	"longhorn/auto-kubeadm":                   "Longhorn's manager creates its CSI controllers at run time",
	"longhorn/auto-rke2":                      "Longhorn's manager creates its CSI controllers at run time",
	"csi-driver-nfs-run-on-both/auto-kubeadm": "matches no control-plane node of kubeadm",
	"csi-driver-nfs-run-on-both/auto-rke2":    "matches no control-plane node of kubeadm",
	"harvester-csi-driver-lvm/auto-kubeadm":   "no access to leases", // its pod affinity to the node plugin holds: the plugin tolerates the control plane
	"harvester-csi-driver-lvm/auto-rke2":      "no access to leases",
	"hcloud-csi/auto-kubeadm":                 "no access to leases",
	"hcloud-csi/auto-rke2":                    "no access to leases",
	"manila-csi-plugin/auto-kubeadm":          "no access to leases",
	"manila-csi-plugin/auto-rke2":             "no access to leases",
}

// pluginFixed are the renders whose controller needs its node plugin's
// socket, and whose node plugin the policy makes tolerate the control
// plane; no render is left with a node-plugin warning.
var pluginFixed = []string{"harvester-csi-driver", "harvester-csi-driver-renamed", "harvester-csi-driver-lvm"}

// TestCharts runs every real chart render through the default policy and
// through `replicas: auto` with a kubeadm and an RKE2 inventory: every
// controller is eligible on exactly the control-plane nodes, every replica
// is placed, every rollout can finish, no false node-plugin warning, no
// leader-electing container left racing by the policy, idempotent, and
// nothing but the controllers changed.
func TestCharts(t *testing.T) {
	renders := chartRenders(t)
	dir := t.TempDir()
	auto := writeFile(t, dir, "auto.yaml", autoPolicy)
	policies := map[string][]string{
		"default":      nil,
		"auto-kubeadm": {"--config", auto, "--nodes", writeFile(t, dir, "kubeadm.yaml", kubeadm3)},
		"auto-rke2":    {"--config", auto, "--nodes", writeFile(t, dir, "rke2.yaml", rke2)},
	}
	for _, r := range renders {
		chart := strings.TrimSuffix(filepath.Base(r), ".yaml")
		for pname, flags := range policies {
			t.Run(chart+"/"+pname, func(t *testing.T) {
				in, err := os.ReadFile(r)
				if err != nil {
					t.Fatal(err)
				}
				out, stderr, code := run(t, string(in), nil, append(slices.Clone(flags), "-")...)
				if want, ok := chartErrors[chart+"/"+pname]; ok {
					if code != 1 || !strings.Contains(stderr, want) {
						t.Errorf("want exit 1 with %q, got %d:\n%s", want, code, stderr)
					}
					return
				}
				if code != 0 {
					t.Fatalf("exit %d:\n%s", code, stderr)
				}
				if fixed := regexp.MustCompile(`(?m)^info: DaemonSet \S+ \(-\): tolerations: added node-role.kubernetes.io/control-plane:NoSchedule`).MatchString(stderr); fixed != slices.Contains(pluginFixed, chart) {
					t.Errorf("node plugin given the control-plane tolerations: %v, want %v\n%s", fixed, !fixed, stderr)
				}
				for _, l := range strings.Split(stderr, "\n") {
					switch {
					case strings.Contains(l, "node plugin:"):
						t.Errorf("a node-plugin warning left: %s", l)
					case strings.HasPrefix(l, "error") && strings.Contains(l, "leader election:"),
						strings.HasPrefix(l, "warning") && strings.Contains(l, "leader election:") && !strings.Contains(l, "beside other replicas"):
						t.Errorf("the policy leaves a racing container: %s", l)
					case strings.Contains(l, "rollout:") && !strings.HasPrefix(l, "info"):
						t.Errorf("a rollout that cannot finish: %s", l)
					}
				}
				if got, want := ids(t, out), ids(t, string(in)); !slices.Equal(got, want) {
					t.Errorf("items changed order or count:\n got %v\nwant %v", got, want)
				}
				again, _, code := run(t, out, nil, append(slices.Clone(flags), "-")...)
				if code != 0 || again != out {
					t.Errorf("a second run must change nothing")
				}
				if flags == nil {
					return
				}
				js, stderr, code := run(t, out, nil, append([]string{"explain", "--output", "json"}, append(slices.Clone(flags), "-")...)...)
				var ex explainJSON
				if err := json.Unmarshal([]byte(js), &ex); err != nil || code != 0 || len(ex.Controllers) == 0 {
					t.Fatalf("explain: exit %d, %v\n%s%s", code, err, js, stderr)
				}
				for _, c := range ex.Controllers {
					var eligible []string
					for _, n := range c.Nodes {
						if n.Schedulable {
							eligible = append(eligible, n.Name)
						}
					}
					if strings.Join(eligible, " ") != "cp-1 cp-2 cp-3" {
						t.Errorf("%s %s: eligible on %v, want exactly the control plane", c.Kind, c.Name, eligible)
					}
					if c.Placement.Pending != 0 || len(c.Placement.Nodes) != c.Replicas || !c.Rollout.CanFinish {
						t.Errorf("%s %s: placement %+v, rollout %+v", c.Kind, c.Name, c.Placement, c.Rollout)
					}
				}
			})
		}
	}
}

// chartRenders are the real chart renders in ../shared; a test skips
// without them, and fails under CI.
func chartRenders(t *testing.T) []string {
	t.Helper()
	root := filepath.Join("..", "..", "..", "..", "shared", "fixtures", "charts", "rendered")
	renders, _ := filepath.Glob(filepath.Join(root, "*.yaml"))
	if len(renders) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the chart renders must be at %s under CI", root)
		}
		t.Skipf("chart renders not found at %s", root)
	}
	return renders
}
