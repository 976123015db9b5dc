package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// chartNodes is a kubeadm inventory, 3 control-plane nodes and 2 workers,
// marked local-config so that kustomize and kpt drop it.
var chartNodes = func() string {
	var b strings.Builder
	for _, n := range []string{"cp-1", "cp-2", "cp-3", "w-1", "w-2"} {
		role, taints := "", ""
		if strings.HasPrefix(n, "cp-") {
			role, taints = ", node-role.kubernetes.io/control-plane: \"\"", "\nspec: {taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}"
		}
		b.WriteString("---\napiVersion: v1\nkind: Node\nmetadata:\n  name: " + n + "\n  annotations: {config.kubernetes.io/local-config: \"true\"}\n" +
			"  labels: {kubernetes.io/hostname: " + n + ", kubernetes.io/os: linux" + role + "}" + taints + "\n")
	}
	return b.String()
}()

// chartFails are the renders the function refuses with replicas: auto on
// that inventory (fn/cli's TestCharts says why, per render).
var chartFails = map[string]bool{"longhorn": true, "csi-driver-nfs-run-on-both": true, "harvester-csi-driver-lvm": true, "hcloud-csi": true, "manila-csi-plugin": true}

// TestChartsThroughTools runs every real chart render with `replicas:
// auto` and the inventory through kustomize (the render as a resource)
// and `kpt fn eval`: the tools accept the output, their exit status is the
// function's, the inventory never leaks, and a second run on the output
// changes nothing.
func TestChartsThroughTools(t *testing.T) {
	kustomize := tool(t, "kustomize", installKustomize)
	kpt := tool(t, "kpt", "kpt 1.0 comes with the machine image (package google-cloud-cli-kpt)")
	renders, _ := filepath.Glob(filepath.Join(repo, "..", "shared", "fixtures", "charts", "rendered", "*.yaml"))
	if len(renders) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the chart renders in ../shared must be there under CI")
		}
		t.Skip("chart renders not found in ../shared")
	}
	for _, r := range renders {
		chart := strings.TrimSuffix(filepath.Base(r), ".yaml")
		t.Run(chart, func(t *testing.T) {
			dir := t.TempDir()
			put := func(name string, data []byte) {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			put("chart.yaml", read(t, r))
			put("nodes.yaml", []byte(chartNodes))
			put("placement.yaml", []byte("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n    config.kubernetes.io/function: |\n      exec:\n        path: "+binary+"\nspec:\n  replicas: auto\n"))
			put("kustomization.yaml", []byte("resources: [chart.yaml, nodes.yaml]\ntransformers: [placement.yaml]\n"))
			build := func(d string) ([]byte, error) {
				cmd := exec.Command(kustomize, "build", "--enable-alpha-plugins", "--enable-exec", d)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					return append(out, stderr.Bytes()...), err
				}
				return out, nil
			}
			out, err := build(dir)
			if chartFails[chart] {
				if exitCode(err) != 1 {
					t.Errorf("kustomize must fail as the function does: %v\n%s", err, out)
				}
			} else {
				if err != nil {
					t.Fatalf("kustomize: %v\n%s", err, out)
				}
				if bytes.Contains(out, []byte("kind: Node\n")) {
					t.Error("the inventory leaked into kustomize's output")
				}
				// Again on the output: the same.
				again := t.TempDir()
				for name, data := range map[string][]byte{"placed.yaml": out, "nodes.yaml": []byte(chartNodes), "placement.yaml": read(t, filepath.Join(dir, "placement.yaml")),
					"kustomization.yaml": []byte("resources: [placed.yaml, nodes.yaml]\ntransformers: [placement.yaml]\n")} {
					if err := os.WriteFile(filepath.Join(again, name), data, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				if out2, err := build(again); err != nil || !bytes.Equal(out, out2) {
					t.Errorf("a second kustomize run changed the output (%v):\n%s", err, diff(string(out), string(out2)))
				}
			}

			pkg := filepath.Join(t.TempDir(), "pkg")
			if err := os.MkdirAll(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"chart.yaml", "nodes.yaml"} {
				if err := os.WriteFile(filepath.Join(pkg, f), read(t, filepath.Join(dir, f)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			eval := func() ([]byte, error) {
				return exec.Command(kpt, "fn", "eval", pkg, "--exec", binary, "--", "replicas=auto").CombinedOutput()
			}
			kout, err := eval()
			if chartFails[chart] != (err != nil) {
				t.Fatalf("kpt fn eval: %v\n%s", err, kout)
			}
			if chartFails[chart] {
				return
			}
			first := read(t, filepath.Join(pkg, "chart.yaml"))
			if kout, err := eval(); err != nil || !bytes.Equal(first, read(t, filepath.Join(pkg, "chart.yaml"))) {
				t.Errorf("a second kpt run changed the package (%v):\n%s", err, kout)
			}
		})
	}
}
