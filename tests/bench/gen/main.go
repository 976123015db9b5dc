// Command gen writes a deterministic ResourceList of realistic items of
// about 1 KB each (ConfigMaps, Services, Deployments, DaemonSets,
// ServiceAccounts), with one CSI controller per -csi-every items (500 by
// default, as in a cluster's whole manifests; 10 for an input where the
// rules, not the copying, do most of the work), for benchmarks. With
// -stream it writes the same items as a YAML stream, for kustomize.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
)

// description pads items to a realistic size, as real annotations do.
const description = "Managed by the platform team. Changes go through the GitOps repository; see the runbook for rollout, rollback and on-call escalation steps before editing this object by hand, and keep labels in sync with the service catalogue entry."

func main() {
	n := flag.Int("n", 1000, "number of items")
	stream := flag.Bool("stream", false, "write a YAML stream of the items, not a ResourceList")
	every := flag.Int("csi-every", 500, "one CSI controller per this many items")
	flag.Parse()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if !*stream {
		fmt.Fprint(out, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	}
	var item bytes.Buffer
	for i := 0; i < *n; i++ {
		item.Reset()
		w := &item
		ns := fmt.Sprintf("team-%d", i%37)
		meta := fmt.Sprintf("  metadata:\n    name: item-%d\n    namespace: %s\n    labels:\n      app.kubernetes.io/name: app-%d\n      app.kubernetes.io/part-of: platform\n    annotations:\n      config.kubernetes.io/index: '%d'\n      internal.config.kubernetes.io/path: 'manifests/%s/item-%d.yaml'\n      owner.example.com/description: %s\n", i, ns, i%101, 0, ns, i, description)
		switch {
		case i%*every == *every/2:
			fmt.Fprintf(w, "- apiVersion: apps/v1\n  kind: Deployment\n%s  spec:\n    replicas: 3\n    selector:\n      matchLabels: {app: csi-%d}\n    template:\n      metadata:\n        labels: {app: csi-%d}\n      spec:\n        serviceAccountName: csi\n        containers:\n        - name: csi-provisioner\n          image: registry.k8s.io/sig-storage/csi-provisioner:v5.0.1\n          args: [--csi-address=$(ADDRESS), --leader-election]\n        - name: csi-attacher\n          image: registry.k8s.io/sig-storage/csi-attacher:v4.6.1\n        tolerations:\n        - {key: node-role.kubernetes.io/control-plane, operator: Equal, effect: NoSchedule}\n", meta, i, i)
		case i%5 == 0:
			fmt.Fprintf(w, "- apiVersion: apps/v1\n  kind: Deployment\n%s  spec:\n    replicas: 2\n    selector:\n      matchLabels: {app: web-%d}\n    template:\n      metadata:\n        labels: {app: web-%d}\n      spec:\n        containers:\n        - name: web\n          image: nginx:1.27\n          ports:\n          - containerPort: 8080\n          resources:\n            requests: {cpu: 100m, memory: 128Mi}\n            limits: {memory: 256Mi}\n          readinessProbe:\n            httpGet: {path: /healthz, port: 8080}\n", meta, i, i)
		case i%5 == 1:
			fmt.Fprintf(w, "- apiVersion: v1\n  kind: Service\n%s  spec:\n    type: ClusterIP\n    selector: {app: web-%d}\n    ports:\n    - name: http\n      port: 80\n      targetPort: 8080\n      protocol: TCP\n    - name: metrics\n      port: 9090\n      targetPort: 9090\n      protocol: TCP\n    sessionAffinity: None\n    internalTrafficPolicy: Cluster\n    ipFamilyPolicy: SingleStack\n    ipFamilies: [IPv4]\n", meta, i)
		case i%5 == 2:
			fmt.Fprintf(w, "- apiVersion: v1\n  kind: ConfigMap\n%s  data:\n    config.yaml: |\n      server:\n        port: 8080\n        timeout: 30s\n      log:\n        level: info\n        format: json\n      features: [a, b, c]\n    LOG_LEVEL: info\n    REGION: eu-west-%d\n    CACHE_SIZE: \"%d\"\n", meta, i%3, i*7)
		case i%5 == 3:
			fmt.Fprintf(w, "- apiVersion: apps/v1\n  kind: DaemonSet\n%s  spec:\n    selector:\n      matchLabels: {app: agent-%d}\n    template:\n      metadata:\n        labels: {app: agent-%d}\n      spec:\n        hostNetwork: true\n        containers:\n        - name: agent\n          image: example.com/agent:v2.%d\n          securityContext: {privileged: true}\n          volumeMounts:\n          - {name: host, mountPath: /host, readOnly: true}\n        volumes:\n        - name: host\n          hostPath: {path: /}\n", meta, i, i, i%9)
		default:
			fmt.Fprintf(w, "- apiVersion: v1\n  kind: ServiceAccount\n%s  automountServiceAccountToken: false\n  imagePullSecrets:\n  - name: registry-credentials\n  - name: mirror-credentials-%d\n  secrets:\n  - name: token-%d\n", meta, i%4, i)
		}
		if *stream {
			out.Write(document(item.Bytes()))
		} else {
			out.Write(item.Bytes())
		}
	}
	if *stream {
		return
	}
	fmt.Fprint(out, "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: function-input\n  data:\n    replicas: \"2\"\n")
}

// document turns an item of the list into a document of a stream: "---",
// the item's lines two columns to the left, without the annotations kpt
// adds (kustomize keeps them, and kpt's index would be wrong).
func document(item []byte) []byte {
	var b bytes.Buffer
	b.WriteString("---\n")
	for _, l := range bytes.SplitAfter(item, []byte("\n")) {
		switch {
		case len(l) == 0, bytes.Contains(l, []byte("config.kubernetes.io/index:")), bytes.Contains(l, []byte("internal.config.kubernetes.io/path:")):
		case len(l) >= 2:
			b.Write(l[2:])
		default:
			b.Write(l)
		}
	}
	return b.Bytes()
}
