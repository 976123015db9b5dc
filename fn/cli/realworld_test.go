package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// controllers are the controller workloads of the upstream manifests in
// ../shared/fixtures/real, by folder (see SOURCES.md there).
var controllers = map[string]string{
	"aws-ebs-csi-driver":                     "Deployment ebs-csi-controller",
	"aws-efs-csi-driver":                     "Deployment efs-csi-controller",
	"azuredisk-csi-driver":                   "Deployment kube-system/csi-azuredisk-controller",
	"azurefile-csi-driver":                   "Deployment kube-system/csi-azurefile-controller",
	"ceph-csi-rbd":                           "Deployment default/csi-rbdplugin-provisioner",
	"cinder-csi-plugin":                      "Deployment kube-system/csi-cinder-controllerplugin",
	"csi-digitalocean":                       "StatefulSet kube-system/csi-do-controller",
	"csi-driver-host-path":                   "StatefulSet default/csi-hostpathplugin",
	"csi-driver-nfs":                         "Deployment kube-system/csi-nfs-controller",
	"csi-driver-smb":                         "Deployment kube-system/csi-smb-controller",
	"gcp-compute-persistent-disk-csi-driver": "Deployment csi-gce-pd-controller",
	"harvester-chart":                        "Deployment kube-system/harvester-csi-driver-controllers",
	"harvester-csi-driver":                   "Deployment kube-system/csi-controller",
	"hetznercloud-csi-driver":                "Deployment kube-system/hcloud-csi-controller",
	"linode-blockstorage-csi-driver":         "StatefulSet kube-system/csi-linode-controller",
	"openebs-lvm-localpv":                    "Deployment kube-system/openebs-lvm-controller",
	"vsphere-csi-driver":                     "Deployment vmware-system-csi/vsphere-csi-controller",
}

var resultLine = regexp.MustCompile(`^(info|warning|error): (\w+ [^ ]+) \(`)

// TestRealManifests runs the default policy, and a strict one, over every
// upstream driver: exactly its controller is changed, nothing is lost or
// reordered, and a second run changes nothing.
func TestRealManifests(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "fixtures", "real")
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	var drivers []string
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && !strings.HasSuffix(d, "-templates") {
			drivers = append(drivers, d)
		}
	}
	if len(drivers) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the real manifests must be at %s under CI", root)
		}
		t.Skipf("real manifests not found at %s", root)
	}
	if len(drivers) != len(controllers) {
		t.Errorf("found %d drivers, the test knows %d", len(drivers), len(controllers))
	}
	policies := map[string]string{
		"default": "",
		"strict":  "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  podAntiAffinity: {type: Required}\n  replicas: auto\n  controlPlaneNodes: 3\n",
	}
	for _, d := range drivers {
		for pname, policy := range policies {
			t.Run(filepath.Base(d)+"/"+pname, func(t *testing.T) {
				args := []string{d}
				if policy != "" {
					cfg := filepath.Join(t.TempDir(), "policy.yaml")
					if err := os.WriteFile(cfg, []byte(policy), 0o600); err != nil {
						t.Fatal(err)
					}
					args = []string{"--config", cfg, d}
				}
				out, stderr, code := run(t, "", nil, args...)
				if code != 0 {
					t.Fatalf("exit %d:\n%s", code, stderr)
				}
				var found []string
				for _, l := range strings.Split(stderr, "\n") {
					if m := resultLine.FindStringSubmatch(l); m != nil && !slices.Contains(found, m[2]) {
						found = append(found, m[2])
					}
				}
				if want := controllers[filepath.Base(d)]; !slices.Equal(found, []string{want}) {
					t.Errorf("detected %v, want [%s]\n%s", found, want, stderr)
				}
				var in bytes.Buffer
				files, _ := filepath.Glob(filepath.Join(d, "*.y*ml"))
				sort.Strings(files)
				for _, f := range files {
					b, _ := os.ReadFile(f)
					in.Write(b)
					in.WriteString("\n---\n")
				}
				if got, want := ids(t, out), ids(t, in.String()); !slices.Equal(got, want) {
					t.Errorf("items changed order or count:\n got %v\nwant %v", got, want)
				}
				again, _, code := run(t, out, nil, append(args[:len(args)-1], "-")...)
				if code != 0 || again != out {
					t.Errorf("a second run must change nothing")
				}
			})
		}
	}
}

// ids lists "kind namespace/name" of each document, in order.
func ids(t *testing.T, stream string) []string {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(stream))
	var out []string
	for {
		var obj struct {
			Kind     string
			Metadata struct{ Name, Namespace string }
		}
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if obj.Kind != "" {
			out = append(out, obj.Kind+" "+obj.Metadata.Namespace+"/"+obj.Metadata.Name)
		}
	}
}
