package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestFluxRender runs examples/flux/render.sh, the CI step of the Flux
// recipe, into a temporary folder: its output must be the committed
// rendered/ (which is the Helm example's output), and what Flux's
// kustomize-controller builds there, with no plugins, holds the same
// objects.
func TestFluxRender(t *testing.T) {
	helmTool(t, "helm", helm3Version, installHelm)
	kustomize := tool(t, "kustomize", installKustomize)
	flux := filepath.Join("..", "examples", "flux")
	out := t.TempDir()
	runIn(t, "", nil, "sh", filepath.Join(flux, "render.sh"), out).ok(t, "render.sh")
	placed := read(t, filepath.Join(out, "harvester-csi-driver.yaml"))
	golden(t, filepath.Join(flux, "rendered", "harvester-csi-driver.yaml"), placed)
	compare(t, filepath.Join(helmExample, "expected.yaml"), placed)

	// A bad policy: exit 1, and the output folder is left as it was.
	bad := filepath.Join(t.TempDir(), "flux")
	copyPackage(t, flux, bad)
	must(t, os.WriteFile(filepath.Join(bad, "placement.yaml"), read(t, filepath.Join(repo, "examples", "bad-config", "placement.yaml")), 0o644))
	must(t, os.Symlink(filepath.Join(repo, "examples", "helm"), filepath.Join(filepath.Dir(bad), "helm")))
	if r := runIn(t, "", nil, "sh", filepath.Join(bad, "render.sh")); r.code != 1 || !bytes.Contains(r.stderr, []byte("error: `spec.replica` is not a known field")) {
		t.Errorf("render.sh with a bad policy must exit 1 with the function's message, got exit %d\n%s", r.code, r.stderr)
	}
	compare(t, filepath.Join(flux, "rendered", "harvester-csi-driver.yaml"), read(t, filepath.Join(bad, "rendered", "harvester-csi-driver.yaml")))

	built := runIn(t, "", nil, kustomize, "build", filepath.Join(flux, "rendered")).ok(t, "kustomize build rendered")
	// kustomize sorts the objects: compare them in any order.
	a, b := strings.Split(normalize(t, built), "\n"), strings.Split(normalize(t, placed), "\n")
	sort.Strings(a)
	sort.Strings(b)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("kustomize build of rendered/ holds other objects than render.sh wrote")
	}
}
