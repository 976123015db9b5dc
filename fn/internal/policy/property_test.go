package policy

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
)

// genWorkload writes a random controller-like workload from pieces that
// real charts use, right or wrong.
func genWorkload(r *rand.Rand, i int) string {
	pick := func(opts ...string) string { return opts[r.IntN(len(opts))] }
	kind := pick("Deployment", "StatefulSet")
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: apps/v1\nkind: %s\nmetadata:\n  name: c%d\n  namespace: %s\nspec:\n", kind, i, pick("kube-system", "storage"))
	b.WriteString(pick("", "  replicas: 3\n", "  replicas: 1 # one\n"))
	b.WriteString("  selector:\n    matchLabels: {app: c}\n")
	if kind == "Deployment" {
		b.WriteString(pick("", "  strategy: {type: Recreate}\n", "  strategy:\n    rollingUpdate: {maxSurge: 1}\n", "  strategy:\n    rollingUpdate:\n      maxUnavailable: 0\n"))
	}
	b.WriteString("  template:\n    metadata:\n      labels: {app: c}\n    spec:\n")
	b.WriteString("      containers:\n      - name: " + pick("csi-provisioner", "csi-attacher", "csi-resizer") + "\n")
	b.WriteString(pick("", "      nodeSelector: {kubernetes.io/os: linux}\n"))
	var aff []string
	aff = append(aff, pick("",
		"        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: node-role.kubernetes.io/control-plane, operator: Exists}\n",
		"        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: topology.kubernetes.io/zone, operator: In, values: [a]}\n            - matchExpressions:\n              - {key: node-role.kubernetes.io/master, operator: In, values: [\"true\"]}\n",
		"        nodeAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n          - weight: 1\n            preference:\n              matchExpressions:\n              - {key: node-role.kubernetes.io/control-plane, operator: Exists}\n"))
	aff = append(aff, pick("",
		"        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n          - weight: 5\n            podAffinityTerm:\n              labelSelector: {matchLabels: {app: c}}\n              topologyKey: kubernetes.io/hostname\n",
		"        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n          - weight: 100\n            podAffinityTerm:\n              labelSelector: {matchLabels: {app: renamed}}\n              topologyKey: kubernetes.io/hostname\n"))
	if s := strings.Join(aff, ""); s != "" {
		b.WriteString("      affinity:\n" + s)
	}
	b.WriteString(pick("",
		"      tolerations:\n      - {key: node-role.kubernetes.io/control-plane, operator: Equal, effect: NoSchedule}\n",
		"      tolerations:\n      - operator: Exists\n",
		"      tolerations:\n      - {key: CriticalAddonsOnly, operator: Exists}\n      - {key: node-role.kubernetes.io/etcd, operator: Exists, effect: NoExecute, tolerationSeconds: 60}\n"))
	return b.String()
}

func genPolicy(r *rand.Rand) *config.Policy {
	pick := func(opts ...string) string { return opts[r.IntN(len(opts))] }
	y := fmt.Sprintf("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  nodeAffinity: {type: %s, existing: %s}\n  podAntiAffinity: {type: %s, weight: %d}\n  replicas: %s\n  controlPlaneNodes: %d\n",
		pick("Required", "Preferred", "None"), pick("Merge", "Replace"), pick("Preferred", "Required", "None"), 1+r.IntN(100),
		pick("auto", "2", "0"), r.IntN(5))
	p, err := config.Parse([]byte(y))
	if err != nil {
		panic(err)
	}
	return p
}

// TestRunTwiceEqualsOnce: for generated workloads and policies, running on
// the output changes nothing, and items keep their count and order.
func TestRunTwiceEqualsOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		var in strings.Builder
		count := 1 + r.IntN(4)
		for i := 0; i < count; i++ {
			if i > 0 {
				in.WriteString("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: between}\n---\n")
			}
			in.WriteString(genWorkload(r, i))
		}
		p := genPolicy(r)
		once := runStream(t, in.String(), p)
		twice := runStream(t, once, p)
		if once != twice {
			t.Fatalf("case %d: a second run changed the output.\npolicy: %+v\ninput:\n%s\nonce:\n%s\ntwice:\n%s", n, p.Spec, in.String(), once, twice)
		}
		if got, want := strings.Count(once, "\n---\n"), strings.Count(in.String(), "\n---\n"); got != want {
			t.Fatalf("case %d: %d documents, want %d", n, got, want)
		}
	}
}

func runStream(t *testing.T, in string, p *config.Policy) string {
	t.Helper()
	s, err := krmio.ParseStream([]byte(in), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(s.Items, p, nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestManyTargetsAsOneByOne: with enough targets that the rules and the
// proofs run on every core, the output and the results are what running
// the policy on each target alone gives, in input order (go test -race
// checks that the targets share nothing).
func TestManyTargetsAsOneByOne(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	p, err := config.Parse([]byte("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  replicas: auto\n  controlPlaneNodes: 3\n  podDisruptionBudget: {maxUnavailable: 1}\n  sidecars: {leaderElection: Add}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for i := range 3 * parallelAbove {
		docs = append(docs, genWorkload(r, i))
	}
	var want, wantResults strings.Builder
	for i, d := range docs {
		out, rs := runStreamResults(t, d, p)
		if i > 0 {
			want.WriteString("---\n")
		}
		want.WriteString(out)
		wantResults.WriteString(rs)
	}
	got, gotResults := runStreamResults(t, strings.Join(docs, "---\n"), p)
	if got != want.String() {
		t.Errorf("all at once, the output differs from one by one:\n%s", diffLines(want.String(), got))
	}
	if gotResults != wantResults.String() {
		t.Errorf("all at once, the results differ from one by one:\n%s", diffLines(wantResults.String(), gotResults))
	}
}

// runStreamResults runs the policy on a stream: the output, and the
// results a line each (runInventory's, which name the resource).
func runStreamResults(t *testing.T, in string, p *config.Policy) (string, string) {
	t.Helper()
	out, rs, _ := runInventory(t, in, p)
	return out, strings.Join(rs, "\n") + "\n"
}

// diffLines shows the first line where two texts differ, with context.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		if i >= len(w) || i >= len(g) || w[i] != g[i] {
			lo := max(0, i-3)
			return fmt.Sprintf("line %d:\nwant: %q\ngot:  %q", i+1, strings.Join(w[lo:min(len(w), i+3)], "\n"), strings.Join(g[lo:min(len(g), i+3)], "\n"))
		}
	}
	return ""
}

// TestSeveralSpreads: zone and host at once, each a constraint of its own
// in the order the policy lists them, and a second run adds nothing.
func TestSeveralSpreads(t *testing.T) {
	p, err := config.Parse([]byte("apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  resources: {mode: Ignore}\n  topologySpread: {}\n  topologySpreads:\n  - {topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: c, namespace: kube-system}\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: c}\n  template:\n    metadata:\n      labels: {app: c}\n    spec:\n      containers:\n      - name: csi-provisioner\n        args: [--leader-election]\n"
	once := runStream(t, in, p)
	want := "      topologySpreadConstraints:\n      - maxSkew: 1\n        topologyKey: topology.kubernetes.io/zone\n        whenUnsatisfiable: ScheduleAnyway\n        labelSelector:\n          matchLabels: {app: c}\n      - maxSkew: 1\n        topologyKey: kubernetes.io/hostname\n        whenUnsatisfiable: DoNotSchedule\n        labelSelector:\n          matchLabels: {app: c}\n"
	if !strings.Contains(once, want) {
		t.Errorf("want both constraints, zone then host:\n%s", once)
	}
	if twice := runStream(t, once, p); twice != once {
		t.Errorf("a second run changed the output:\n%s", twice)
	}
}
