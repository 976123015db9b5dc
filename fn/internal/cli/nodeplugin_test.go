package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNodePluginTolerations: the Harvester controller reaches its driver
// through the node plugin's socket, so by default the node plugin gets the
// control-plane tolerations with the controller; `false` leaves it alone
// and warns instead; Audit reports the missing tolerations as an error.
func TestNodePluginTolerations(t *testing.T) {
	in := readFile(t, filepath.Join("..", "..", "..", "examples", "harvester", "base", "harvester-csi-driver.yaml"))
	nodes := filepath.Join("..", "..", "..", "examples", "node-plugin", "nodes.yaml") // RKE1: controlplane=true, etcd=true taints
	dsChanged := regexp.MustCompile(`(?m)^info: DaemonSet kube-system/harvester-csi \(-\): tolerations: added node-role.kubernetes.io/control-plane:NoSchedule, .* for Deployment kube-system/harvester-csi-controllers, whose pods reach their driver through its socket /var/lib/kubelet/harvester-plugins/driver.harvesterhci.io/csi.sock$`)
	dsAudit := regexp.MustCompile("(?m)^error: DaemonSet kube-system/harvester-csi \\(-\\): `spec.template.spec.tolerations` must tolerate node-role.kubernetes.io/control-plane:NoSchedule, .* for Deployment kube-system/harvester-csi-controllers, whose pods")
	tolerates := regexp.MustCompile(`key: node-role.kubernetes.io/controlplane\n\s+operator: Exists`)
	const warning = "node plugin: the controller reaches its driver through the socket"
	dir := t.TempDir()
	policy := func(name, spec string) string {
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, []byte("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n"+spec), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, spec string
		inventory  bool
		code       int
		changed    *regexp.Regexp // nil: the DaemonSet is left as it was
		warns      bool
	}{
		{name: "unset", spec: "  mode: Enforce\n", changed: dsChanged},
		{name: "unset/inventory", spec: "  replicas: auto\n", inventory: true, changed: dsChanged},
		{name: "true", spec: "  nodePlugin: {tolerateControlPlane: true}\n", changed: dsChanged},
		{name: "false", spec: "  nodePlugin: {tolerateControlPlane: false}\n", warns: true},
		{name: "false/inventory", spec: "  replicas: auto\n  nodePlugin: {tolerateControlPlane: false}\n", inventory: true, warns: true},
		{name: "audit", spec: "  mode: Audit\n", code: 1, changed: dsAudit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--config", policy(strings.ReplaceAll(tc.name, "/", "-"), tc.spec)}
			if tc.inventory {
				args = append(args, "--nodes", nodes)
			}
			out, stderr, code := run(t, in, nil, append(args, "-")...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, stderr)
			}
			if got := strings.Contains(stderr, warning); got != tc.warns {
				t.Errorf("node-plugin warning: %v, want %v:\n%s", got, tc.warns, stderr)
			}
			ds := func(s string) string {
				for _, d := range strings.Split(s, "\n---\n") {
					if strings.Contains(d, "\nkind: DaemonSet\n") {
						return d
					}
				}
				t.Fatal("no DaemonSet in the stream")
				return ""
			}
			if tc.changed == nil || tc.code != 0 {
				if tc.code == 0 && ds(out) != ds(in) {
					t.Errorf("the DaemonSet must be left as it was:\n%s", ds(out))
				}
			} else if !tolerates.MatchString(ds(out)) {
				t.Errorf("the DaemonSet must tolerate the control plane:\n%s", ds(out))
			}
			if tc.changed != nil && !tc.changed.MatchString(stderr) {
				t.Errorf("want a result matching %s:\n%s", tc.changed, stderr)
			}
			if tc.changed == nil && strings.Contains(stderr, "DaemonSet kube-system/harvester-csi (-)") {
				t.Errorf("no result about the DaemonSet expected:\n%s", stderr)
			}
		})
	}
}

// TestNothingWrittenOnError: a refused policy writes no manifests, so a
// pipe into `kubectl apply` applies nothing; in Audit mode a violation
// writes nothing either.
func TestNothingWrittenOnError(t *testing.T) {
	in := readFile(t, filepath.Join("..", "..", "..", "examples", "harvester", "base", "harvester-csi-driver.yaml"))
	for name, args := range map[string][]string{
		"cannot be met": {"--set", "replicas=3", "--set", "rollout.strategy=Keep", "--set", "podAntiAffinity.type=Required"},
		"audit":         {"--set", "mode=Audit"},
	} {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := run(t, in, nil, append(args, "-")...)
			if code != 1 || !strings.Contains(stderr, "error: ") {
				t.Fatalf("want exit 1 with an error, got %d:\n%s", code, stderr)
			}
			if out != "" {
				t.Errorf("nothing must be written on an error, got %d bytes", len(out))
			}
		})
	}
	if out, _, code := run(t, in, nil, "-"); code != 0 || out == "" {
		t.Errorf("the default policy must write the placed stream, got exit %d and %d bytes", code, len(out))
	}
}
