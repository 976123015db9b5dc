package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// node is one Node of a test inventory.
type node struct {
	name   string
	labels map[string]string
	taints []string // key[=value]:Effect
}

// distributions are the labels and taints each distribution gives its
// nodes (../shared/reference/distributions.md). Nodes named cp-* are the
// control plane; every other node must be rejected.
var distributions = map[string][]node{
	"kubeadm": {
		cp("cp-1", "control-plane=", "control-plane:NoSchedule"), cp("cp-2", "control-plane=", "control-plane:NoSchedule"),
		cp("cp-3", "control-plane=", "control-plane:NoSchedule"), worker("worker-1"), worker("worker-2"),
	},
	"k3s-rke2": {
		cp("cp-1", "control-plane=true etcd=true master=true"), cp("cp-2", "control-plane=true etcd=true master=true"),
		cp("cp-3", "control-plane=true etcd=true"), cp("etcd-1", "etcd=true"), worker("worker-1"),
	},
	"rancher-provisioned": {
		cp("cp-1", "control-plane=true etcd=true master=true", "etcd:NoExecute control-plane:NoSchedule"),
		cp("cp-2", "control-plane=true etcd=true master=true", "etcd:NoExecute control-plane:NoSchedule"),
		cp("cp-3", "control-plane=true master=true worker=true"), cp("etcd-1", "etcd=true", "etcd:NoExecute"), worker("worker-1"),
	},
	"rke1": {
		cp("cp-1", "controlplane=true etcd=true", "controlplane=true:NoSchedule etcd=true:NoExecute"),
		cp("cp-2", "controlplane=true", "controlplane=true:NoSchedule"),
		cp("etcd-1", "etcd=true", "etcd=true:NoExecute"), cp("worker-1", "worker=true"),
	},
	"harvester": {
		cp("cp-1", "control-plane=true etcd=true master=true harvesterhci.io/management=true"),
		cp("cp-2", "control-plane=true etcd=true master=true harvesterhci.io/management=true"),
		cp("cp-3", "control-plane=true etcd=true master=true harvesterhci.io/management=true"),
		cp("witness-1", "etcd=true harvesterhci.io/witness=true", "etcd=true:NoExecute"),
		cp("worker-1", "harvesterhci.io/worker=true"),
	},
	"openshift": {
		cp("cp-1", "master= control-plane=", "master:NoSchedule"), cp("cp-2", "master= control-plane=", "master:NoSchedule control-plane:NoSchedule"),
		cp("cp-3", "master= control-plane=", "master:NoSchedule"), cp("worker-1", "worker="), cp("worker-2", "worker="),
	},
	"talos": {
		cp("cp-1", "control-plane=", "control-plane:NoSchedule"), worker("worker-1"), worker("worker-2"),
	},
}

// cp builds a node from role labels and taints written briefly: keys
// without a domain are node-role.kubernetes.io/ roles.
func cp(name, labels string, taints ...string) node {
	n := node{name: name, labels: map[string]string{"kubernetes.io/os": "linux", "kubernetes.io/hostname": name}}
	full := func(k string) string {
		if !strings.Contains(k, "/") {
			return "node-role.kubernetes.io/" + k
		}
		if strings.HasPrefix(k, "harvesterhci.io/") {
			return "node-role." + k
		}
		return k
	}
	for _, l := range strings.Fields(labels) {
		k, v, _ := strings.Cut(l, "=")
		n.labels[full(k)] = v
	}
	for _, t := range strings.Fields(strings.Join(taints, " ")) {
		kv, effect, _ := strings.Cut(t, ":")
		k, v, _ := strings.Cut(kv, "=")
		n.taints = append(n.taints, fmt.Sprintf("{key: %s, value: %q, effect: %s}", full(k), v, effect))
	}
	return n
}

func worker(name string) node { return cp(name, "") }

// inventory writes nodes as `kubectl get nodes -o yaml` does: a v1 List.
func inventory(nodes []node) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for _, n := range nodes {
		fmt.Fprintf(&b, "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: %s\n    labels:\n", n.name)
		keys := make([]string, 0, len(n.labels))
		for k := range n.labels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "      %s: %q\n", k, n.labels[k])
		}
		fmt.Fprintf(&b, "  spec:\n    taints: [%s]\n", strings.Join(n.taints, ", "))
	}
	return b.String()
}

// TestDistributions: after the default policy, every controller of the
// upstream manifests is schedulable on exactly the control-plane nodes of
// each distribution, as the scheduler's predicates prove, and explain says
// so row by row.
func TestDistributions(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..", "shared", "fixtures", "real")
	drivers, _ := filepath.Glob(filepath.Join(root, "*"))
	drivers = slices.DeleteFunc(drivers, func(d string) bool {
		fi, err := os.Stat(d)
		return err != nil || !fi.IsDir() || strings.HasSuffix(d, "-templates")
	})
	if len(drivers) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the real manifests must be at %s under CI", root)
		}
		t.Skipf("real manifests not found at %s", root)
	}
	for dist, nodes := range distributions {
		file := filepath.Join(t.TempDir(), "nodes.yaml")
		if err := os.WriteFile(file, []byte(inventory(nodes)), 0o600); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, n := range nodes {
			if strings.HasPrefix(n.name, "cp-") {
				want = append(want, n.name)
			}
		}
		for _, d := range drivers {
			t.Run(dist+"/"+filepath.Base(d), func(t *testing.T) {
				out, stderr, code := run(t, "", nil, "explain", "--nodes", file, d)
				if code != 0 {
					t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
				}
				// Each node has a row: its name, then yes or no: and the reason.
				var got []string
				for _, n := range nodes {
					verdict := ""
					for _, l := range strings.Split(out, "\n") {
						f := strings.Fields(l)
						if i := slices.Index(f, n.name); i >= 0 && i+1 < len(f) && (f[i+1] == "yes" || f[i+1] == "no:") {
							verdict = f[i+1]
						}
					}
					switch verdict {
					case "yes":
						got = append(got, n.name)
					case "":
						t.Fatalf("explain has no row for %s:\n%s", n.name, out)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("schedulable on %v, want exactly the control plane %v\n%s", got, want, out)
				}
				if strings.Contains(stderr, "error:") {
					t.Errorf("stderr: %s", stderr)
				}
				// The results say the same as the table.
				_, stderr, _ = run(t, "", nil, "--nodes", file, d)
				if !strings.Contains(stderr, fmt.Sprintf("placement: schedulable on %d of %d nodes: %s\n", len(want), len(nodes), strings.Join(want, ", "))) {
					t.Errorf("the results disagree with explain:\n%s", stderr)
				}
			})
		}
	}
}
