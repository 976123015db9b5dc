package cli

import (
	"bytes"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the binary's logic in-process.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	return out.String(), errb.String(), code
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFunctionMode(t *testing.T) {
	in := readFile(t, "testdata/harvester-rl.yaml")
	out, stderr, code := run(t, in, nil)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"    replicas: 1\n",
		"        - effect: NoSchedule\n          key: node-role.kubernetes.io/control-plane\n          operator: Equal\n        - key: node-role.kubernetes.io/control-plane\n          operator: Exists\n          effect: NoSchedule\n",
		"results:\n- message: 'node affinity: required a control-plane node (2 terms, was 0); pod anti-affinity: added a preferred term on kubernetes.io/hostname selecting the workload''s own pods; tolerations: added node-role.kubernetes.io/control-plane:NoSchedule, node-role.kubernetes.io/controlplane:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd:NoExecute, CriticalAddonsOnly (any effect); replicas 3 -> 1'\n  severity: info\n  resourceRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: harvester-csi-driver-controllers\n    namespace: kube-system\n  file:\n    path: deployment.yaml\n    index: 1\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks\n%s\ngot:\n%s", want, out)
		}
	}
	// Items that are not targets come out byte for byte, in order.
	for _, part := range []string{
		"items:\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: harvester-csi-driver\n    namespace: kube-system\n- apiVersion: apps/v1\n",
		"- apiVersion: v1\n  kind: Node\n  metadata:\n    name: cp-1\n    labels: {node-role.kubernetes.io/control-plane: \"true\"}\n    annotations: {config.kubernetes.io/local-config: \"true\"}\n- apiVersion: v1\n  kind: Node\n",
		"    annotations:\n      config.kubernetes.io/index: '1'\n      internal.config.kubernetes.io/path: 'deployment.yaml'\n",
	} {
		if !strings.Contains(out, part) {
			t.Errorf("output lacks\n%s", part)
		}
	}

	// The KRM functions SDK reads the output, results and all.
	rl, err := fn.ParseResourceList([]byte(out))
	if err != nil {
		t.Fatalf("the SDK cannot read the output: %v", err)
	}
	if len(rl.Items) != 4 || len(rl.Results) != 3 || rl.Results[0].Severity != fn.Info || rl.Results[0].ResourceRef.Name != "harvester-csi-driver-controllers" ||
		rl.Results[0].File.Path != "deployment.yaml" || rl.Results[0].File.Index != 1 ||
		!strings.HasPrefix(rl.Results[1].Message, `resources: container "csi-provisioner" requests neither cpu nor memory`) ||
		rl.Results[2].Message != "placement: schedulable on 1 of 2 nodes: cp-1" {
		t.Errorf("the SDK reads %d items and results %+v", len(rl.Items), rl.Results)
	}

	// Idempotent: a second run changes no item, and says so.
	again, _, code := run(t, out, nil)
	if code != 0 {
		t.Fatalf("second run: exit %d", code)
	}
	before, _, _ := strings.Cut(out, "results:")
	after, results, _ := strings.Cut(again, "results:")
	if before != after {
		t.Errorf("a second run changed the items:\n%s", after)
	}
	if !strings.Contains(results, "already follows the policy; nothing changed") {
		t.Errorf("second run results: %s", results)
	}
}

func TestAuditMode(t *testing.T) {
	in := strings.Replace(readFile(t, "testdata/harvester-rl.yaml"), "    replicas: auto\n", "    replicas: auto\n    mode: Audit\n", 1)
	out, stderr, code := run(t, in, nil)
	if code != 1 {
		t.Errorf("Audit over a non-compliant controller must exit 1, got %d", code)
	}
	items, _, _ := strings.Cut(in, "functionConfig:")
	if !strings.HasPrefix(out, items) {
		t.Errorf("Audit must change nothing")
	}
	wantErrs := []string{
		"error: Deployment kube-system/harvester-csi-driver-controllers (deployment.yaml): `spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` must require a node with one of the labels node-role.kubernetes.io/control-plane, node-role.kubernetes.io/controlplane",
		"error: Deployment kube-system/harvester-csi-driver-controllers (deployment.yaml): `spec.template.spec.affinity.podAntiAffinity` must have a preferred term on kubernetes.io/hostname that selects the workload's own pods",
		"error: Deployment kube-system/harvester-csi-driver-controllers (deployment.yaml): `spec.template.spec.tolerations` must tolerate node-role.kubernetes.io/control-plane:NoSchedule, node-role.kubernetes.io/controlplane:NoSchedule, node-role.kubernetes.io/master:NoSchedule, node-role.kubernetes.io/etcd:NoExecute, CriticalAddonsOnly (any effect)",
		"error: Deployment kube-system/harvester-csi-driver-controllers (deployment.yaml): `spec.replicas` must be 1, got 3: `spec.replicas` is auto and the control plane has 1 node by the input's Node objects",
		"error: Deployment kube-system/harvester-csi-driver-controllers (deployment.yaml): resources: container \"csi-provisioner\" requests neither cpu nor memory: the scheduler counts what is not requested as nothing, on control-plane nodes the controller shares with the API server and etcd; set them, or let the policy add its documented defaults (spec.resources.mode: Add)",
	}
	if got := strings.TrimSpace(stderr); got != strings.Join(wantErrs, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, strings.Join(wantErrs, "\n"))
	}
	if n := strings.Count(out, "severity: error"); n != 5 {
		t.Errorf("want one error result per rule (5), got %d", n)
	}
	if !strings.Contains(out, "  field:\n    path: spec.replicas\n    currentValue: 3\n    proposedValue: 1\n") {
		t.Errorf("the replicas result must carry the current and proposed values:\n%s", out)
	}

	// Over the function's own output, with a policy that fixes what it
	// checks (resources are only reported by default), Audit passes.
	adding := strings.Replace(readFile(t, "testdata/harvester-rl.yaml"), "    replicas: auto\n", "    replicas: auto\n    resources: {mode: Add}\n", 1)
	fixed, _, _ := run(t, adding, nil)
	fixed = strings.Replace(fixed, "    replicas: auto\n", "    replicas: auto\n    mode: Audit\n", 1)
	out, stderr, code = run(t, fixed, nil)
	if code != 0 || stderr != "" || !strings.Contains(out, "message: follows the policy") {
		t.Errorf("Audit over compliant output: exit %d, stderr %q\n%s", code, stderr, out)
	}
}

func TestBadConfig(t *testing.T) {
	in := strings.Replace(readFile(t, "testdata/harvester-rl.yaml"), "    replicas: auto\n", "    replicas: auto\n    podAntiAffinity: {weight: 0}\n    tolerations: {controlplane: true}\n", 1)
	out, stderr, code := run(t, in, nil)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	want := "error: `spec.tolerations.controlplane` is not a known field: did you mean \"controlPlane\"? (known fields: controlPlane, fromInventory, extra)\n" +
		"error: `spec.podAntiAffinity.weight` must be between 1 and 100, got 0\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
	items, _, _ := strings.Cut(in, "functionConfig:")
	if !strings.HasPrefix(out, items) || strings.Count(out, "severity: error") != 2 || !strings.Contains(out, "    path: spec.podAntiAffinity.weight\n") {
		t.Errorf("items must pass through unchanged, with the errors as results:\n%s", out)
	}
}

func TestNoMatch(t *testing.T) {
	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n"
	_, stderr, code := run(t, in, nil)
	if code != 1 || stderr != "error: no Deployment or StatefulSet runs a CSI controller sidecar (csi-provisioner, csi-attacher, csi-resizer, csi-snapshotter) (set `spec.onNoMatch` to Warning or Ignore to allow this)\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	in += "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {on-no-match: ignore}\n"
	if _, stderr, code := run(t, in, nil); code != 0 || stderr != "" {
		t.Errorf("on-no-match=ignore: exit %d, stderr %q", code, stderr)
	}
}

func TestNotAResourceList(t *testing.T) {
	_, stderr, code := run(t, "apiVersion: v1\nkind: ConfigMap\n", nil)
	if code != 1 || !strings.Contains(stderr, "stdin must hold a ResourceList (kind: ResourceList), got kind \"ConfigMap\"") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// pluginInput is what kustomize feeds a transformer plugin.
const pluginInput = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: csi-controller
  namespace: kube-system
  annotations:
    kustomize.config.k8s.io/id: |
      group: apps
      kind: Deployment
      name: csi-controller
      namespace: kube-system
      version: v1
spec:
  replicas: 2
  selector:
    matchLabels: {app: csi-controller}
  template:
    metadata:
      labels: {app: csi-controller}
    spec:
      containers:
      - name: csi-attacher
---
apiVersion: v1
kind: Service
metadata:
  name: other
  annotations:
    kustomize.config.k8s.io/id: |
      kind: Service
      name: other
      version: v1
`

func TestPluginMode(t *testing.T) {
	cfg := "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nmetadata: {name: p}\nspec:\n  replicas: 1\n"
	f := filepath.Join(t.TempDir(), "cfg")
	if err := os.WriteFile(f, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{PluginEnv: cfg}
	out, stderr, code := run(t, pluginInput, env, f)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(out, "  annotations:\n    kustomize.config.k8s.io/id: |\n      group: apps\n") || !strings.Contains(out, "  replicas: 1\n") {
		t.Errorf("the id annotation must be kept and replicas set:\n%s", out)
	}
	if _, svc, _ := strings.Cut(pluginInput, "---\n"); !strings.HasSuffix(out, "---\n"+svc) {
		t.Errorf("untargeted items must pass through:\n%s", out)
	}
	// Without the file, the environment's text is the config.
	if out2, _, _ := run(t, pluginInput, env); out2 != out {
		t.Errorf("config from %s differs", PluginEnv)
	}
	// A bad config fails with the errors on stderr, which kustomize shows.
	env[PluginEnv] = strings.Replace(cfg, "replicas: 1", "replicas: -1", 1)
	_, stderr, code = run(t, pluginInput, env)
	if code != 1 || stderr != "error: `spec.replicas` must be an integer >= 0 or \"auto\", got -1\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestStandalone(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("# first file\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"), 0o600))
	_, dep, _ := strings.Cut(pluginInput, "annotations:")
	dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: csi-controller\n  namespace: kube-system\nspec:" + strings.SplitN(dep, "spec:", 2)[1]
	dep, _, _ = strings.Cut(dep, "---")
	must(os.WriteFile(filepath.Join(dir, "sub", "b.yml"), []byte(dep), 0o600))
	must(os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not yaml"), 0o600))
	cfg := filepath.Join(t.TempDir(), "policy.yaml")
	must(os.WriteFile(cfg, []byte("apiVersion: v1\nkind: ConfigMap\ndata: {replicas: '1'}\n"), 0o600))

	out, stderr, code := run(t, "", nil, "--config", cfg, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(out, "# first file\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: Deployment\n") ||
		!strings.Contains(out, "  replicas: 1\n") {
		t.Errorf("got:\n%s", out)
	}
	if !strings.HasPrefix(stderr, "info: Deployment kube-system/csi-controller ("+filepath.Join(dir, "sub", "b.yml")+"): ") {
		t.Errorf("stderr: %s", stderr)
	}
	if _, stderr, _ := run(t, "", nil, "--quiet", dir); strings.Contains(stderr, "info:") || !strings.HasPrefix(stderr, "warning: ") {
		t.Errorf("--quiet must print only warnings and errors (here: the attacher lacks leader election), got %q", stderr)
	}

	// stdin as "-", idempotent.
	again, _, code := run(t, out, nil, "--quiet", "--config", cfg, "-")
	if code != 0 || again != out {
		t.Errorf("a second run must change nothing (exit %d):\n%s", code, again)
	}
}

func TestUsage(t *testing.T) {
	if out, _, code := run(t, "", nil, "--version"); code != 0 || out != "csi-placement dev\n" {
		t.Errorf("--version: %d %q", code, out)
	}
	if _, stderr, code := run(t, "", nil, "--help"); code != 0 || !strings.Contains(stderr, "Usage:") {
		t.Errorf("--help: %d %q", code, stderr)
	}
	if _, _, code := run(t, "", nil, "--bogus"); code != ExitUsage {
		t.Errorf("unknown flag: exit %d, want %d", code, ExitUsage)
	}
	if _, stderr, code := run(t, "", nil, "no/such/file.yaml"); code != 1 || !strings.Contains(stderr, "no/such/file.yaml") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}
