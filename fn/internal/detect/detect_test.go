package detect

import (
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
)

const input = `apiVersion: apps/v1
kind: Deployment
metadata: {name: by-name, namespace: kube-system, labels: {component: csi-controllers}}
spec:
  template:
    spec:
      containers: [{name: my-csi-provisioner, image: example.com/provisioner:v1}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: by-image, namespace: storage}
spec:
  template:
    spec:
      initContainers: [{name: init, image: "registry:5000/sig-storage/csi-attacher:v4.6.1@sha256:0123"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-plugin, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: csi-provisioner}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: local
  annotations: {config.kubernetes.io/local-config: "true"}
spec:
  template:
    spec:
      containers: [{name: csi-resizer}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: web, image: "nginx:csi-snapshotter"}, {name: sidecar, image: "csi-snapshotter-tools/thing:v1"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: mentions-csi-provisioner}
`

func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		name    string
		targets []config.Target
		want    []string
	}{
		{name: "auto-detect: sidecar by container name or image; never DaemonSets or local config", want: []string{"by-name", "by-image"}},
		{name: "by kind", targets: []config.Target{{Kind: "StatefulSet"}}, want: []string{"by-image"}},
		{name: "by glob and namespace", targets: []config.Target{{Name: "*-name", Namespace: "kube-system"}}, want: []string{"by-name"}},
		{name: "by labels", targets: []config.Target{{Labels: map[string]string{"component": "csi-controllers"}}}, want: []string{"by-name"}},
		{name: "explicit targets need no sidecar", targets: []config.Target{{Name: "web"}, {Name: "node-plugin"}}, want: []string{"web"}},
		{name: "no match", targets: []config.Target{{Namespace: "nowhere"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := krmio.ParseStream([]byte(input), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			ws, err := Select(s.Items, tc.targets)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range ws {
				got = append(got, w.Name)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestSelectDecodesOnlyCandidates(t *testing.T) {
	s, err := krmio.ParseStream([]byte(input), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Select(s.Items, nil); err != nil {
		t.Fatal(err)
	}
	// The DaemonSet, the nginx Deployment... are decoded only if they could
	// be targets; the ConfigMap never is, though its text names a sidecar.
	cm := s.Items[5]
	cm.MarkChanged()
	if cm.Changed() {
		t.Error("the ConfigMap must not have been decoded")
	}
}

func TestImageName(t *testing.T) {
	for in, want := range map[string]string{
		"registry.k8s.io/sig-storage/csi-provisioner:v5.0.1":    "csi-provisioner",
		"registry:5000/csi-attacher@sha256:abc":                 "csi-attacher",
		"registry:5000/sig-storage/csi-resizer:v1.0@sha256:abc": "csi-resizer",
		"csi-snapshotter": "csi-snapshotter",
		"rancher/mirrored-longhornio-csi-snapshotter:v8.5.0-20260428": "mirrored-longhornio-csi-snapshotter",
	} {
		if got := ImageName(in); got != want {
			t.Errorf("ImageName(%q) = %q, want %q", in, got, want)
		}
	}
}
