package resources

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/testutil"
)

func TestAdd(t *testing.T) {
	add := Requests{Mode: config.Add}
	limit := Requests{Mode: config.Add, MemoryLimit: true}
	for _, tc := range []struct {
		name, in, want string
		f              Requests
		msgs           []string
	}{{
		name: "known sidecars and the driver get their defaults, where the API puts resources",
		f:    add,
		in: `
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: csi-provisioner
        image: registry.k8s.io/sig-storage/csi-provisioner:v5.0.1
        args: [--v=2]
        volumeMounts: [{name: socket-dir, mountPath: /csi}]
      - name: plugin
        image: example.com/driver:v1
      - name: liveness
        image: rancher/mirrored-longhornio-livenessprobe:v2.12.0
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: csi-provisioner
        image: registry.k8s.io/sig-storage/csi-provisioner:v5.0.1
        args: [--v=2]
        resources:
          requests:
            cpu: 10m
            memory: 20Mi
        volumeMounts: [{name: socket-dir, mountPath: /csi}]
      - name: plugin
        image: example.com/driver:v1
        resources:
          requests:
            cpu: 10m
            memory: 40Mi
      - name: liveness
        image: rancher/mirrored-longhornio-livenessprobe:v2.12.0
        resources:
          requests:
            cpu: 10m
            memory: 20Mi
`,
		msgs: []string{
			`info: resources: container "csi-provisioner" requests cpu 10m, memory 20Mi (csi-provisioner defaults)`,
			`info: resources: container "plugin" requests cpu 10m, memory 40Mi (driver defaults)`,
			`info: resources: container "liveness" requests cpu 10m, memory 20Mi (livenessprobe defaults)`,
		},
	}, {
		name: "what a container has is kept; a limit without a request counts as the request",
		f:    add,
		in: `
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: csi-attacher
        resources:
          requests: {cpu: 50m}
      - name: csi-resizer
        resources:
          limits: {cpu: 100m, memory: 64Mi}
      - name: csi-snapshotter
        resources: {}
`,
		want: `
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: csi-attacher
        resources:
          requests: {cpu: 50m, memory: 20Mi}
      - name: csi-resizer
        resources:
          limits: {cpu: 100m, memory: 64Mi}
      - name: csi-snapshotter
        resources:
          requests:
            cpu: 10m
            memory: 20Mi
`,
		msgs: []string{
			`info: resources: container "csi-attacher" requests memory 20Mi (csi-attacher defaults)`,
			`info: resources: container "csi-snapshotter" requests cpu 10m, memory 20Mi (csi-snapshotter defaults)`,
		},
	}, {
		name: "with memoryLimit, a memory limit too, never below the request",
		f:    limit,
		in: `
kind: StatefulSet
spec:
  template:
    spec:
      containers:
      - name: csi-provisioner
      - name: driver
        resources:
          requests: {cpu: 100m, memory: 512Mi}
      - name: csi-resizer
        resources:
          limits: {memory: 1Gi}
`,
		want: `
kind: StatefulSet
spec:
  template:
    spec:
      containers:
      - name: csi-provisioner
        resources:
          limits:
            memory: 400Mi
          requests:
            cpu: 10m
            memory: 20Mi
      - name: driver
        resources:
          limits:
            memory: 512Mi
          requests: {cpu: 100m, memory: 512Mi}
      - name: csi-resizer
        resources:
          limits: {memory: 1Gi}
          requests:
            cpu: 10m
`,
		msgs: []string{
			`info: resources: container "csi-provisioner" requests cpu 10m, memory 20Mi, memory limit 400Mi (csi-provisioner defaults)`,
			`info: resources: container "driver" memory limit 512Mi (driver defaults)`,
			`info: resources: container "csi-resizer" requests cpu 10m (csi-resizer defaults)`,
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.Run(t, tc.f.Apply, tc.in, tc.want, tc.msgs...)
		})
	}
}

func TestCheck(t *testing.T) {
	in := `
kind: Deployment
metadata: {name: c}
spec:
  template:
    spec:
      containers:
      - name: csi-provisioner
      - name: csi-attacher
        resources: {requests: {cpu: 10m}}
      - name: csi-resizer
        resources: {requests: {cpu: 10m, memory: 20Mi}}
`
	for _, tc := range []struct {
		name string
		f    Requests
		sev  results.Severity
		want string
	}{
		{"Enforce: one info for the workload", Requests{Mode: config.Check}, results.Info,
			`resources: container "csi-provisioner" requests neither cpu nor memory, container "csi-attacher" requests no memory: the scheduler counts`},
		{"Audit: an error", Requests{Mode: config.Check, Audit: true}, results.Error,
			`resources: container "csi-provisioner" requests neither cpu nor memory, container "csi-attacher" requests no memory:`},
		{"memoryLimit is checked too", Requests{Mode: config.Check, MemoryLimit: true}, results.Info,
			`container "csi-attacher" requests no memory and has no memory limit, container "csi-resizer" has no memory limit:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testutil.Workload(t, in)
			before := testutil.Encode(t, w)
			fs := tc.f.Apply(w)
			if len(fs) != 1 || fs[0].Severity != tc.sev || !fs[0].Note || !strings.Contains(fs[0].Message(false), tc.want) {
				t.Fatalf("got %+v, want one %s finding with %q", fs, tc.sev, tc.want)
			}
			if after := testutil.Encode(t, w); after != before {
				t.Errorf("Check must change nothing:\n%s", after)
			}
		})
	}
	if fs := (Requests{Mode: config.Ignore}).Apply(testutil.Workload(t, in)); fs != nil {
		t.Errorf("Ignore must report nothing, got %+v", fs)
	}
}

// A request that is not a quantity cannot be compared with a limit: an
// error naming the field, and the container is left as it is.
func TestBadQuantity(t *testing.T) {
	in := `
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: csi-provisioner
        resources: {requests: {memory: lots}}
`
	w := testutil.Workload(t, in)
	fs := Requests{Mode: config.Add, MemoryLimit: true}.Apply(w)
	if len(fs) != 1 || fs[0].Severity != results.Error || fs[0].Field != "spec.template.spec.containers[0].resources.requests.memory" ||
		fs[0].Message(false) != "resources: `spec.template.spec.containers[0].resources.requests.memory` must be a quantity such as 64Mi, got \"lots\"" {
		t.Fatalf("got %+v", fs)
	}
	if got := testutil.Encode(t, w); got != strings.TrimLeft(in, "\n") {
		t.Errorf("the container must be left as it is:\n%s", got)
	}
}

func TestFor(t *testing.T) {
	for _, tc := range []struct{ name, image, want string }{
		{"csi-provisioner", "", "csi-provisioner"},
		{"provisioner", "registry.k8s.io/sig-storage/csi-provisioner:v5.0.1@sha256:abc", "csi-provisioner"},
		{"external-snapshotter", "quay.io/k8scsi/csi-snapshotter:v8", "csi-snapshotter"},
		{"snapshot-controller", "", "snapshot-controller"},
		{"harvester-csi-driver", "rancher/harvester-csi-driver:v0.1", "driver"},
	} {
		if got := For(tc.name, tc.image).Name; got != tc.want {
			t.Errorf("For(%q, %q) = %s, want %s", tc.name, tc.image, got, tc.want)
		}
	}
}

// TestDefaultsDocumented holds fn/README.md's table of defaults to the
// values the rule adds.
func TestDefaultsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append(Known, Driver) {
		row := fmt.Sprintf(" | %s | %s | %s | %s |", d.CPU, d.Memory, d.MemoryLimit, d.Source)
		found := false
		for _, line := range strings.Split(string(b), "\n") {
			found = found || strings.HasSuffix(line, row) && (d.Name == "driver" || strings.Contains(line, d.Name))
		}
		if !found {
			t.Errorf("fn/README.md's resource defaults lack a row for %s ending %q", d.Name, row)
		}
	}
}
