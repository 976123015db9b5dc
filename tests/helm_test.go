package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The Helm recipes of examples/helm, run with real helm: Helm 3 runs the
// binary as a post-renderer, Helm 4 runs the postrenderer/v1 plugin.

const (
	helm3Version = "v3.22.0"
	helm4Version = "v4.3.2"
	installHelm  = "make helm (helm " + helm3Version + " built from the Go module proxy into bin/)"
	installHelm4 = "make helm4 (helm " + helm4Version + " built from the Go module proxy into bin/helm4)"
)

// helmTool finds helm (or helm4) at the pinned version.
func helmTool(t *testing.T, name, version, install string) string {
	t.Helper()
	h := tool(t, name, install)
	out, err := exec.Command(h, "version", "--template", "{{.Version}}").Output()
	if got := strings.TrimSpace(string(out)); err != nil || got != version {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s reports %q, want %s: %s", h, got, version, install)
		}
		t.Skipf("%s reports %q, want %s: %s", h, got, version, install)
	}
	return h
}

// helmEnv keeps helm's config, data and cache in a temporary home, so that
// the user's repositories and plugins play no part.
func helmEnv(t *testing.T) []string {
	home := t.TempDir()
	return append(os.Environ(),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
	)
}

type runResult struct {
	stdout, stderr []byte
	code           int
}

func runIn(t *testing.T, dir string, env []string, name string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := exitCode(err)
	if code < 0 {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return runResult{stdout.Bytes(), stderr.Bytes(), code}
}

func (r runResult) ok(t *testing.T, what string) []byte {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\n%s", what, r.code, r.stderr)
	}
	return r.stdout
}

var helmExample = filepath.Join("..", "examples", "helm")

// The chart's install: the README's command lines, run in examples/helm.
var (
	chartArgs = []string{"template", "harvester-csi-driver", "./harvester-csi-driver", "--namespace", "kube-system", "--set", "nameOverride=harvester-csi"}
	helm3PR   = []string{"--post-renderer", "csi-placement", "--post-renderer-args=--config=placement.yaml", "--post-renderer-args=-"}
	helm4PR   = []string{"--post-renderer", "csi-placement", "--post-renderer-args=--config=placement.yaml"}
)

func cat(a ...[]string) []string {
	var out []string
	for _, s := range a {
		out = append(out, s...)
	}
	return out
}

// streamChart writes a chart whose one template is the given YAML stream,
// kept as a file: helm renders it as it is, adding only its own `# Source:`
// comment to each document. It feeds helm's output (or a real chart's
// stored render) back through helm.
func streamChart(t *testing.T, stream []byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "stream")
	must(t, os.MkdirAll(filepath.Join(dir, "templates"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: stream\nversion: 0.1.0\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "stream.yaml"), stream, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "templates", "stream.yaml"), []byte(`{{ .Files.Get "stream.yaml" }}`), 0o644))
	return dir
}

// TestHelmChart: the example chart renders exactly the manifests of the
// harvester example (examples/harvester/base), from helm's first `---`.
func TestHelmChart(t *testing.T) {
	helm := helmTool(t, "helm", helm3Version, installHelm)
	out := runIn(t, helmExample, nil, helm, chartArgs...).ok(t, "helm template")
	base := read(t, filepath.Join(repo, "examples", "harvester", "base", "harvester-csi-driver.yaml"))
	base = base[bytes.Index(base, []byte("---\n")):]
	if !bytes.Equal(out, base) {
		t.Errorf("the chart does not render examples/harvester/base/harvester-csi-driver.yaml:\n%s", diff(string(base), string(out)))
	}
	runIn(t, helmExample, nil, helm, "lint", "./harvester-csi-driver").ok(t, "helm lint")
}

// TestHelm3PostRenderer: `helm template --post-renderer csi-placement` over
// the example chart gives expected.yaml; the --set shorthand gives the same;
// post-rendering the output again changes nothing; a bad config fails helm
// with exit 1 and the function's messages.
func TestHelm3PostRenderer(t *testing.T) {
	helm := helmTool(t, "helm", helm3Version, installHelm)
	env := helmEnv(t)
	out := runIn(t, helmExample, env, helm, cat(chartArgs, helm3PR)...).ok(t, "helm template --post-renderer")
	golden(t, filepath.Join(helmExample, "expected.yaml"), out)

	t.Run("--set", func(t *testing.T) {
		out := runIn(t, helmExample, env, helm, cat(chartArgs, []string{"--post-renderer", "csi-placement",
			"--post-renderer-args=--set=replicas=auto", "--post-renderer-args=--set=controlPlaneNodes=1", "--post-renderer-args=--set=resources.mode=Add", "--post-renderer-args=-"})...).ok(t, "helm template")
		compare(t, filepath.Join(helmExample, "expected.yaml"), out)
	})

	t.Run("idempotent", func(t *testing.T) {
		chart := streamChart(t, read(t, filepath.Join(helmExample, "expected.yaml")))
		plain := runIn(t, helmExample, env, helm, "template", "x", chart).ok(t, "helm template")
		again := runIn(t, helmExample, env, helm, cat([]string{"template", "x", chart}, helm3PR)...).ok(t, "helm template --post-renderer")
		if !bytes.Equal(plain, again) {
			t.Errorf("post-rendering the output again changed it:\n%s", diff(string(plain), string(again)))
		}
	})

	t.Run("bad config", func(t *testing.T) {
		r := runIn(t, helmExample, env, helm, cat(chartArgs, []string{"--post-renderer", "csi-placement", "--post-renderer-args=--config=../bad-config/placement.yaml", "--post-renderer-args=-"})...)
		if r.code != 1 || len(r.stdout) != 0 {
			t.Fatalf("helm must fail with exit 1 and print nothing, got exit %d\n%s", r.code, r.stdout)
		}
		golden(t, filepath.Join(helmExample, "bad-config.helm3.stderr"), bytes.ReplaceAll(r.stderr, []byte(binDir), []byte("$BIN")))
		for _, line := range strings.Split(strings.TrimSpace(string(read(t, filepath.Join(repo, "examples", "bad-config", "expected.stderr")))), "\n") {
			if strings.HasPrefix(line, "error: `") && !bytes.Contains(r.stderr, []byte(line+"\n")) {
				t.Errorf("helm's stderr lacks the function's message %q", line)
			}
		}
	})

	// A manifest the function cannot place fails the release too.
	t.Run("no target", func(t *testing.T) {
		r := runIn(t, helmExample, env, helm, cat([]string{"template", "x", streamChart(t, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"))}, helm3PR)...)
		if r.code != 1 || !bytes.Contains(r.stderr, []byte("error: no ")) {
			t.Fatalf("want exit 1 and the function's no-target error, got exit %d\n%s", r.code, r.stderr)
		}
	})
}

// TestHelm4PostRendererPlugin installs examples/helm/helm4-plugin with
// `helm plugin install` and runs the chart through it.
func TestHelm4PostRendererPlugin(t *testing.T) {
	helm := helmTool(t, "helm4", helm4Version, installHelm4)
	env := helmEnv(t)
	r := runIn(t, helmExample, env, helm, "plugin", "install", "./helm4-plugin")
	r.ok(t, "helm plugin install")
	if list := runIn(t, helmExample, env, helm, "plugin", "list").ok(t, "helm plugin list"); !bytes.Contains(list, []byte("csi-placement\t0.1.0  \tpostrenderer/v1")) {
		t.Fatalf("helm plugin list:\n%s", list)
	}
	out := runIn(t, helmExample, env, helm, cat(chartArgs, helm4PR)...).ok(t, "helm template --post-renderer")
	golden(t, filepath.Join(helmExample, "expected.helm4.yaml"), out)

	// Helm 4 writes the post-renderer's output again itself, so the result
	// differs from Helm 3's in layout only: the same objects.
	if a, b := normalize(t, out), normalize(t, read(t, filepath.Join(helmExample, "expected.yaml"))); a != b {
		t.Errorf("Helm 4's output holds other objects than Helm 3's:\n%s", diff(b, a))
	}

	// helm install runs the same post-renderer: with --dry-run=client
	// Helm 4 needs no cluster, and prints the manifest it would apply.
	t.Run("install --dry-run=client", func(t *testing.T) {
		args := cat([]string{"install"}, chartArgs[1:], []string{"--dry-run=client"}, helm4PR)
		out := runIn(t, helmExample, append(env, "KUBECONFIG="+filepath.Join(t.TempDir(), "none")), helm, args...).ok(t, "helm install --dry-run=client")
		i := bytes.Index(out, []byte("\nMANIFEST:\n"))
		if i < 0 {
			t.Fatalf("no MANIFEST in\n%s", out)
		}
		compare(t, filepath.Join(helmExample, "expected.helm4.yaml"), append(bytes.TrimRight(out[i+len("\nMANIFEST:\n"):], "\n"), '\n'))
	})

	// Helm 4 writes every document again after any post-renderer, so the
	// second run is compared with a post-renderer that changes nothing
	// (cat).
	t.Run("idempotent", func(t *testing.T) {
		noop := filepath.Join(t.TempDir(), "noop")
		must(t, os.MkdirAll(noop, 0o755))
		must(t, os.WriteFile(filepath.Join(noop, "plugin.yaml"), []byte("apiVersion: v1\ntype: postrenderer/v1\nname: noop\nversion: 0.1.0\nruntime: subprocess\nruntimeConfig:\n  platformCommand:\n  - command: cat\n"), 0o644))
		runIn(t, helmExample, env, helm, "plugin", "install", noop).ok(t, "helm plugin install")
		chart := streamChart(t, out)
		plain := runIn(t, helmExample, env, helm, "template", "x", chart, "--post-renderer", "noop").ok(t, "helm template --post-renderer noop")
		again := runIn(t, helmExample, env, helm, cat([]string{"template", "x", chart}, helm4PR)...).ok(t, "helm template --post-renderer")
		if !bytes.Equal(plain, again) {
			t.Errorf("post-rendering the output again changed it:\n%s", diff(string(plain), string(again)))
		}
	})

	// Helm 4.3 captures a post-renderer plugin's stderr and drops it: helm
	// says only that the plugin failed. The plugin's CSI_PLACEMENT_STDERR
	// keeps the function's messages in a file.
	t.Run("bad config", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "csi-placement.log")
		r := runIn(t, helmExample, append(env, "CSI_PLACEMENT_STDERR="+log), helm, cat(chartArgs, []string{"--post-renderer", "csi-placement", "--post-renderer-args=--config=../bad-config/placement.yaml"})...)
		if r.code != 1 || len(r.stdout) != 0 {
			t.Fatalf("helm must fail with exit 1 and print nothing, got exit %d\n%s", r.code, r.stdout)
		}
		golden(t, filepath.Join(helmExample, "bad-config.helm4.stderr"), r.stderr)
		// The function's lines of the bad-config example's stderr, without
		// kustomize's own last line.
		want := read(t, filepath.Join(repo, "examples", "bad-config", "expected.stderr"))
		want = want[:bytes.Index(want, []byte("Error: "))]
		if got := read(t, log); !bytes.Equal(got, want) {
			t.Errorf("CSI_PLACEMENT_STDERR holds\n%s\nwant\n%s", got, want)
		}
	})
}

// normalize decodes a YAML stream into its objects, without comments and
// Helm 4's layout, one JSON-like line each.
func normalize(t *testing.T, stream []byte) string {
	t.Helper()
	var docs []string
	for _, d := range splitDocs(stream) {
		docs = append(docs, fmt.Sprint(decode(t, d)))
	}
	return strings.Join(docs, "\n")
}

// TestHelmRealCharts runs the post-renderer, through Helm 3, over every
// stored render of a real chart (../shared/fixtures/charts/rendered), fed
// through a chart that holds it as a file: helm's output must be what
// csi-placement gives on the stream helm hands it, the placed output must
// pass an audit with the same policy, and post-rendering it again must
// change nothing. examples/helm/real-charts.txt lists, per chart, the
// objects the post-renderer changed.
func TestHelmRealCharts(t *testing.T) {
	root := filepath.Join(repo, "..", "shared", "fixtures", "charts", "rendered")
	renders, _ := filepath.Glob(filepath.Join(root, "*.yaml"))
	if len(renders) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the chart renders must be at %s under CI", root)
		}
		t.Skipf("chart renders not found at %s", root)
	}
	helm := helmTool(t, "helm", helm3Version, installHelm)
	env := helmEnv(t)
	// The example's policy; a chart without a CSI controller (longhorn
	// deploys its own at run time) is not an error.
	pr := cat(helm3PR[:3], []string{"--post-renderer-args=--set=onNoMatch=Warning", "--post-renderer-args=-"})
	var summary bytes.Buffer
	for _, render := range renders {
		name := strings.TrimSuffix(filepath.Base(render), ".yaml")
		t.Run(name, func(t *testing.T) {
			chart := streamChart(t, read(t, render))
			plain := runIn(t, helmExample, env, helm, "template", name, chart).ok(t, "helm template")
			placed := runIn(t, helmExample, env, helm, cat([]string{"template", name, chart}, pr)...).ok(t, "helm template --post-renderer")

			// helm prints the post-renderer's stdout as it is: the same as
			// the binary gives on helm's stream (helm passes its hooks to no
			// post-renderer; none of these has a hook the function changes).
			cmd := exec.Command(binary, "--config", "placement.yaml", "--set", "onNoMatch=Warning", "-")
			cmd.Dir, cmd.Stdin = helmExample, bytes.NewReader(plain)
			direct, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(direct, placed) {
				t.Errorf("helm's output differs from the function's on helm's stream:\n%s", diff(string(direct), string(placed)))
			}

			audit := exec.Command(binary, "--config", "placement.yaml", "--set", "onNoMatch=Ignore", "--set", "mode=Audit", "--quiet", "-")
			audit.Dir, audit.Stdin = helmExample, bytes.NewReader(placed)
			if out, err := audit.CombinedOutput(); err != nil && bytes.Contains(out, []byte("error: ")) {
				t.Errorf("the placed output fails the audit: %v\n%s", err, out)
			}

			again := runIn(t, helmExample, env, helm, cat([]string{"template", name, streamChart(t, placed)}, pr)...).ok(t, "helm template --post-renderer")
			if want := runIn(t, helmExample, env, helm, "template", name, streamChart(t, placed)).ok(t, "helm template"); !bytes.Equal(want, again) {
				t.Errorf("post-rendering the output again changed it:\n%s", diff(string(want), string(again)))
			}

			before, after := splitDocs(plain), splitDocs(placed)
			var changed []string
			for i := range after {
				if i >= len(before) || before[i] != after[i] {
					changed = append(changed, objectName(t, after[i]))
				}
			}
			sort.Strings(changed)
			if len(changed) == 0 {
				changed = []string{"nothing"}
			}
			fmt.Fprintf(&summary, "%s: %d documents; changed: %s\n", name, len(after), strings.Join(changed, ", "))
		})
	}
	if !t.Failed() {
		golden(t, filepath.Join(helmExample, "real-charts.txt"), summary.Bytes())
	}
}

// splitDocs splits a YAML stream on its `---` lines, dropping empty
// documents.
func splitDocs(stream []byte) []string {
	var out []string
	for _, d := range strings.Split("\n"+string(stream), "\n---") {
		if strings.TrimSpace(d) != "" {
			out = append(out, d)
		}
	}
	return out
}

func decode(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return m
}

func objectName(t *testing.T, doc string) string {
	t.Helper()
	m := decode(t, doc)
	meta, _ := m["metadata"].(map[string]any)
	name := fmt.Sprintf("%v %v", m["kind"], meta["name"])
	if ns, ok := meta["namespace"]; ok {
		name = fmt.Sprintf("%v %v/%v", m["kind"], ns, meta["name"])
	}
	return name
}
