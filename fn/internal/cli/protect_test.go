package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// withAllocatable gives every Node of an inventory written by inventory()
// the status.allocatable of a kubeadm-minimum node (2 CPUs, 2 GiB, less
// what the kubelet reserves).
func withAllocatable(inv string) string {
	return regexp.MustCompile(`(?m)^(    taints: \[.*\]\n)`).ReplaceAllString(inv, "$1  status:\n    allocatable: {cpu: 1900m, memory: 1800Mi, pods: \"110\"}\n")
}

const protectPolicy = "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  replicas: auto\n  resources: {mode: Add, memoryLimit: true}\n"

// TestChartsProtected runs every real chart render through `replicas:
// auto` with resources added (and memory limits) on a kubeadm and an RKE2
// inventory of small control-plane nodes: every container of every
// controller then requests cpu and memory and has a memory limit no lower
// than its request, what the chart set is kept, explain's per-node sums
// add up, and the budget warns exactly where a node's share is over 10%.
// It logs what each chart gets.
func TestChartsProtected(t *testing.T) {
	renders := chartRenders(t)
	dir := t.TempDir()
	policy := writeFile(t, dir, "protect.yaml", protectPolicy)
	invs := map[string]string{
		"kubeadm": writeFile(t, dir, "kubeadm.yaml", withAllocatable(kubeadm3)),
		"rke2":    writeFile(t, dir, "rke2.yaml", withAllocatable(rke2)),
	}
	for _, r := range renders {
		chart := strings.TrimSuffix(filepath.Base(r), ".yaml")
		for dist, nodes := range invs {
			t.Run(chart+"/"+dist, func(t *testing.T) {
				in, err := os.ReadFile(r)
				if err != nil {
					t.Fatal(err)
				}
				flags := []string{"--config", policy, "--nodes", nodes}
				out, stderr, code := run(t, string(in), nil, append(slices.Clone(flags), "-")...)
				if want, ok := chartErrors[chart+"/auto-"+dist]; ok {
					if code != 1 || !strings.Contains(stderr, want) {
						t.Errorf("want exit 1 with %q, got %d:\n%s", want, code, stderr)
					}
					return
				}
				if code != 0 {
					t.Fatalf("exit %d:\n%s", code, stderr)
				}
				again, _, code := run(t, out, nil, append(slices.Clone(flags), "-")...)
				if code != 0 || again != out {
					t.Errorf("a second run must change nothing")
				}
				js, _, code := run(t, out, nil, append([]string{"explain", "--output", "json"}, append(slices.Clone(flags), "-")...)...)
				var ex explainJSON
				if err := json.Unmarshal([]byte(js), &ex); err != nil || code != 0 {
					t.Fatalf("explain: exit %d, %v\n%s", code, err, js)
				}
				before, after := containers(t, string(in)), containers(t, out)
				added := 0
				for _, c := range ex.Controllers {
					id := c.Kind + "/" + c.Namespace + "/" + c.Name
					for name, res := range after[id] {
						req, lim := res.Requests, res.Limits
						if req["cpu"] == "" || req["memory"] == "" || lim["memory"] == "" {
							t.Errorf("%s container %s: resources %+v, want cpu and memory requests and a memory limit", id, name, res)
							continue
						}
						if l := resource.MustParse(lim["memory"]); l.Cmp(resource.MustParse(req["memory"])) < 0 {
							t.Errorf("%s container %s: memory limit %s below the request %s", id, name, lim["memory"], req["memory"])
						}
						old := before[id][name]
						for k, v := range old.Requests {
							if req[k] != v {
								t.Errorf("%s container %s: the chart's request %s %s became %s", id, name, k, v, req[k])
							}
						}
						for k, v := range old.Limits {
							if lim[k] != v {
								t.Errorf("%s container %s: the chart's limit %s %s became %s", id, name, k, v, lim[k])
							}
						}
						if len(old.Requests) < 2 || old.Limits["memory"] == "" {
							added++
						}
					}
				}
				var summary []string
				for _, n := range ex.Budget {
					var cpu, mem resource.Quantity
					for _, p := range n.Pods {
						cpu.Add(resource.MustParse(p.CPU))
						mem.Add(resource.MustParse(p.Memory))
					}
					if cpu.Cmp(resource.MustParse(n.CPU.Requested)) != 0 || mem.Cmp(resource.MustParse(n.Memory.Requested)) != 0 {
						t.Errorf("node %s: the pods' requests add up to cpu %s, memory %s; explain says %+v", n.Node, cpu.String(), mem.String(), n)
					}
					if n.CPU.Percent == nil || n.Memory.Percent == nil {
						t.Fatalf("node %s has allocatable values: want shares, got %+v", n.Node, n)
					}
					over := *n.CPU.Percent > 10 || *n.Memory.Percent > 10
					warned := strings.Contains(stderr, "warning: Node "+n.Node+": control-plane budget:")
					if over != warned {
						t.Errorf("node %s at cpu %d%%, memory %d%%: warned %v, want %v\n%s", n.Node, *n.CPU.Percent, *n.Memory.Percent, warned, over, stderr)
					}
					summary = append(summary, fmt.Sprintf("%s cpu %s (%d%%) memory %s (%d%%)", n.Node, n.CPU.Requested, *n.CPU.Percent, n.Memory.Requested, *n.Memory.Percent))
				}
				t.Logf("%s on %s: %d containers given defaults; %s", chart, dist, added, strings.Join(summary, "; "))
			})
		}
	}
}

type containerResources struct {
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
}

// containers reads each workload's containers' resources from a stream,
// by kind/namespace/name and container name.
func containers(t *testing.T, stream string) map[string]map[string]containerResources {
	t.Helper()
	out := map[string]map[string]containerResources{}
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(stream, -1) {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name, Namespace string
			} `json:"metadata"`
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Name      string             `json:"name"`
							Resources containerResources `json:"resources"`
						} `json:"containers"`
					} `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj.Kind == "" {
			continue
		}
		m := map[string]containerResources{}
		for _, c := range obj.Spec.Template.Spec.Containers {
			m[c.Name] = c.Resources
		}
		out[obj.Kind+"/"+obj.Metadata.Namespace+"/"+obj.Metadata.Name] = m
	}
	return out
}
