package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The Argo CD recipes of examples/argocd: what the repo-server runs, run
// here (there is no cluster to run Argo CD in).

var argoExample = filepath.Join("..", "examples", "argocd")

// TestArgoCDKustomize runs the command line Argo CD's repo-server runs for a
// kustomization, `kustomize build <path> <kustomize.buildOptions>`, with the
// build options of argocd-cm.yaml, on the example's Application path. Its
// output is the harvester example's.
func TestArgoCDKustomize(t *testing.T) {
	kustomize := tool(t, "kustomize", installKustomize)
	var cm struct {
		Data map[string]string `json:"data"`
	}
	must(t, yaml.Unmarshal(read(t, filepath.Join(argoExample, "argocd-cm.yaml")), &cm))
	opts := strings.Fields(cm.Data["kustomize.buildOptions"])
	if len(opts) == 0 {
		t.Fatal("argocd-cm.yaml sets no kustomize.buildOptions")
	}
	app := filepath.Join(argoExample, "kustomize")
	r := runIn(t, "", nil, kustomize, append([]string{"build", app}, opts...)...)
	out := r.ok(t, "kustomize build "+app+" "+strings.Join(opts, " "))
	golden(t, filepath.Join(app, "expected.yaml"), out)
	compare(t, filepath.Join(repo, "examples", "harvester", "expected.yaml"), out)

	// Without the build options the build fails; with only
	// --enable-alpha-plugins kustomize skips the function silently.
	if r := runIn(t, "", nil, kustomize, "build", app); r.code == 0 || !bytes.Contains(r.stderr, []byte("external plugins disabled")) {
		t.Errorf("kustomize build without options must fail with \"external plugins disabled\": exit %d\n%s", r.code, r.stderr)
	}
	if plain := runIn(t, "", nil, kustomize, "build", app, "--enable-alpha-plugins").ok(t, "kustomize build --enable-alpha-plugins"); bytes.Equal(plain, out) {
		t.Error("kustomize build without --enable-exec must not place anything")
	}
}

// cmpPlugin is the ConfigManagementPlugin in cmp-plugin.yaml's ConfigMap.
type cmpPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version  string `json:"version"`
		Generate struct {
			Command []string `json:"command"`
			Args    []string `json:"args"`
		} `json:"generate"`
		Discover struct {
			FileName string `json:"fileName"`
		} `json:"discover"`
	} `json:"spec"`
}

// TestArgoCDCMP runs the plugin's generate command in the Application's
// path, as argocd-cmp-server does (no shell: the image has none), with the
// binary for the image's /csi-placement.
func TestArgoCDCMP(t *testing.T) {
	var cm struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	must(t, yaml.Unmarshal(read(t, filepath.Join(argoExample, "cmp-plugin.yaml")), &cm))
	var p cmpPlugin
	must(t, yaml.UnmarshalStrict([]byte(cm.Data["plugin.yaml"]), &p))
	argv := append(append([]string{}, p.Spec.Generate.Command...), p.Spec.Generate.Args...)
	if len(argv) == 0 || argv[0] != "/csi-placement" {
		t.Fatalf("generate must run the image's /csi-placement, got %q", argv)
	}
	app := filepath.Join(argoExample, "cmp")
	if _, err := os.Stat(filepath.Join(app, strings.TrimPrefix(p.Spec.Discover.FileName, "./"))); err != nil {
		t.Errorf("discover.fileName %q matches nothing in %s", p.Spec.Discover.FileName, app)
	}

	// The sidecar mounts this ConfigMap as plugin.yaml, and the
	// Application names the plugin <name>-<version>.
	patch := string(read(t, filepath.Join(argoExample, "repo-server-cmp-patch.yaml")))
	for _, want := range []string{"name: " + cm.Metadata.Name + "\n", "mountPath: /home/argocd/cmp-server/config/plugin.yaml\n          subPath: plugin.yaml\n", "command: [/var/run/argocd/argocd-cmp-server]\n"} {
		if !strings.Contains(patch, want) {
			t.Errorf("repo-server-cmp-patch.yaml lacks %q", want)
		}
	}
	if apps := string(read(t, filepath.Join(argoExample, "applications.yaml"))); !strings.Contains(apps, "name: "+p.Metadata.Name+"-"+p.Spec.Version+" ") {
		t.Errorf("applications.yaml does not name the plugin %s-%s", p.Metadata.Name, p.Spec.Version)
	}

	env := append(os.Environ(), "ARGOCD_APP_NAME=harvester-csi-driver-cmp", "ARGOCD_APP_NAMESPACE=kube-system")
	r := runIn(t, app, env, binary, argv[1:]...)
	out := r.ok(t, strings.Join(argv, " "))
	golden(t, filepath.Join(app, "expected.yaml"), out)
	if len(r.stderr) != 0 && bytes.Contains(r.stderr, []byte("error: ")) {
		t.Errorf("generate printed errors:\n%s", r.stderr)
	}

	// The committed manifests are the harvester example's, and the plugin
	// places them as the Helm post-renderer does with the same policy.
	manifests := read(t, filepath.Join(app, "manifests", "harvester-csi-driver.yaml"))
	base := read(t, filepath.Join(repo, "examples", "harvester", "base", "harvester-csi-driver.yaml"))
	if !bytes.HasSuffix(manifests, base[bytes.Index(base, []byte("---\n")):]) {
		t.Error("cmp/manifests/harvester-csi-driver.yaml must hold the manifests of examples/harvester/base")
	}
	if helm := read(t, filepath.Join(helmExample, "expected.yaml")); !bytes.HasSuffix(out, helm) {
		t.Error("the plugin's output must be the Helm example's, after its first comment")
	}

	// A second run over its own output changes nothing.
	again := filepath.Join(t.TempDir(), "manifests")
	must(t, os.MkdirAll(again, 0o755))
	must(t, os.WriteFile(filepath.Join(again, "placed.yaml"), out, 0o644))
	if out2 := runIn(t, app, env, binary, "--quiet", "--config", "csi-placement.yaml", again).ok(t, "second run"); !bytes.Equal(out, out2) {
		t.Errorf("a second run changed the output:\n%s", diff(string(out), string(out2)))
	}

	// A bad policy fails generate (Argo CD shows the command's stderr).
	bad := runIn(t, app, env, binary, "--quiet", "--config", "../../bad-config/placement.yaml", "manifests")
	if bad.code != 1 || !bytes.Contains(bad.stderr, []byte("error: `spec.replica` is not a known field")) {
		t.Errorf("a bad config must exit 1 naming the field, got exit %d\n%s", bad.code, bad.stderr)
	}
}
