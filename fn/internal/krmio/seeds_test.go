package krmio

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// shapes are the layouts of the real manifests (Helm output, kubectl and
// kustomize output, CRDs), written small, for the fuzz seeds.
var shapes = map[string]string{
	"helm output": `---
# Source: csi-driver/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: csi-controller
  namespace: kube-system
  labels:
    app.kubernetes.io/name: "csi"
    helm.sh/chart: csi-1.2.3
---
# Source: csi-driver/templates/controller.yaml
kind: Deployment
apiVersion: apps/v1
metadata:
  name: csi-controller
spec:
  replicas: 3
  selector:
    matchLabels: {app: csi-controller}
  template:
    spec:
      tolerations:
        - key: "node-role.kubernetes.io/control-plane"
          operator: "Equal"
          effect: "NoSchedule"
      containers:
      - name: csi-provisioner
        image: "registry.k8s.io/sig-storage/csi-provisioner:v5.0.1"
        args:
          - "--csi-address=$(ADDRESS)"
          - --leader-election
        env:
          - name: ADDRESS
            value: /csi/csi.sock
        resources: {}
`,
	"crd with block scalars": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.14.0
  name: volumesnapshots.snapshot.storage.k8s.io
spec:
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        description: |-
          VolumeSnapshot is a user's request for either creating a point-in-time
          snapshot of a persistent volume: kind: Fake

          - not: an item
        properties:
          apiVersion:
            description: 'APIVersion defines the versioned schema: it''s here'
            type: string
    served: true
`,
	"kubectl list": `apiVersion: v1
items:
- apiVersion: v1
  kind: Node
  metadata:
    labels:
      node-role.kubernetes.io/control-plane: ""
    name: cp-1
  spec:
    taints:
    - effect: NoSchedule
      key: node-role.kubernetes.io/control-plane
kind: List
metadata:
  resourceVersion: ""
`,
	"kpt resource list": `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: c
    annotations:
      config.kubernetes.io/index: '0'
      config.kubernetes.io/path: 'c.yaml'
      internal.config.kubernetes.io/path: 'c.yaml'
  data:
    script: |
      #!/bin/sh
      echo "---"
- apiVersion: apps/v1
  kind: DaemonSet
  metadata:
    name: csi-node
  spec:
    template:
      spec:
        volumes:
        - hostPath:
            path: /var/lib/kubelet/plugins/csi.example.com
            type: DirectoryOrCreate
          name: socket-dir
functionConfig:
  apiVersion: fn.csi-placement.dev/v1alpha1
  kind: PlacementPolicy
  metadata:
    name: p
  spec:
    replicas: auto
`,
	"kustomize wide sequences and comments": `kind: ResourceList
items:
  # the controller
  - apiVersion: apps/v1
    kind: StatefulSet # trailing
    metadata:
      name: ctrl
      annotations:
        kustomize.config.k8s.io/id: |
          group: apps
          kind: StatefulSet
    spec:
      template:
        spec:
          containers:
            - name: csi-attacher
              command: ["/csi-attacher", "--v=5", "--timeout=120s"]
# between
  - apiVersion: storage.k8s.io/v1
    kind: CSIDriver
    metadata: {name: csi.example.com}
    spec: {attachRequired: true, podInfoOnMount: false}
results:
  - message: old
    severity: info
`,
	"value on the line after its key": "kind: ResourceList\nitems:\n- apiVersion:\n    v1\n  kind:\n   0\n- kind:\n    # a comment\n    Secret\n",
	"anchors and merge keys":          "kind: ResourceList\nitems:\n- kind: ConfigMap\n  metadata: &m\n    name: a\n    labels: &l {app: a}\n  data:\n    <<: *l\n    x: *m\n- kind: Secret\n  metadata: {labels: *l}\n",
}

// TestWriteSeeds writes the committed fuzz seeds from the battery, the
// tricky layouts and the shapes: KRMIO_WRITE_SEEDS=1 go test -run TestWriteSeeds.
func TestWriteSeeds(t *testing.T) {
	if os.Getenv("KRMIO_WRITE_SEEDS") == "" {
		t.Skip("KRMIO_WRITE_SEEDS is not set")
	}
	seeds := map[string]string{}
	for _, c := range battery {
		seeds[c.name] = c.in
	}
	for n, in := range tricky {
		seeds["tricky "+n] = in
	}
	for n, in := range shapes {
		seeds["shape "+n] = in
		seeds["shape "+n+" crlf"] = strings.ReplaceAll(in, "\n", "\r\n")
	}
	bad := regexp.MustCompile(`[^a-z0-9]+`)
	for _, target := range []string{"FuzzSplitResourceList", "FuzzSplitStream"} {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, in := range seeds {
			name := "seed-" + strings.Trim(bad.ReplaceAllString(strings.ToLower(n), "-"), "-")
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", in)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
