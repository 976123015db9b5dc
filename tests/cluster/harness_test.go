package cluster

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// controlPlane is etcd, kube-apiserver, kube-scheduler and
// kube-controller-manager as separate processes on 127.0.0.1, and a
// stand-in for the kubelet that reports bound pods Running and Ready.
type controlPlane struct {
	dir    string
	client *kubernetes.Clientset
	procs  []*exec.Cmd
	logs   map[string]string
	stop   chan struct{}
}

const token = "csi-placement-cluster-tier"

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start boots the control plane from the binaries in bin; everything is
// stopped when the test ends, also when it fails.
func start(t *testing.T, bin string) *controlPlane {
	t.Helper()
	dir := t.TempDir()
	cp := &controlPlane{dir: dir, logs: map[string]string{}, stop: make(chan struct{})}
	t.Cleanup(cp.shutdown)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	saKey := write("sa.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	saPub := write("sa.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	tokens := write("tokens.csv", []byte(token+",admin,admin,system:masters\n"))

	etcdClient, etcdPeer := freePort(t), freePort(t)
	cp.run(t, bin, "etcd", "--data-dir", filepath.Join(dir, "etcd"), "--name", "default",
		"--listen-client-urls", fmt.Sprintf("http://127.0.0.1:%d", etcdClient),
		"--advertise-client-urls", fmt.Sprintf("http://127.0.0.1:%d", etcdClient),
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", etcdPeer),
		"--initial-advertise-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", etcdPeer),
		"--initial-cluster", fmt.Sprintf("default=http://127.0.0.1:%d", etcdPeer),
		"--unsafe-no-fsync")
	waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/health", etcdClient))

	api := freePort(t)
	cp.run(t, bin, "kube-apiserver",
		"--etcd-servers", fmt.Sprintf("http://127.0.0.1:%d", etcdClient),
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(api), "--cert-dir", filepath.Join(dir, "certs"),
		"--token-auth-file", tokens, "--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", saPub, "--service-account-signing-key-file", saKey,
		"--service-cluster-ip-range", "10.96.0.0/24", "--allow-privileged=true",
		// Without a kubelet nothing would lift the not-ready taint, and no
		// endpoint reconciles the kubernetes Service.
		"--disable-admission-plugins", "TaintNodesByCondition,ServiceAccount",
		"--endpoint-reconciler-type", "none")
	cfg := &rest.Config{Host: fmt.Sprintf("https://127.0.0.1:%d", api), BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true}, QPS: 200, Burst: 400,
		WarningHandler: rest.NoWarnings{}}
	if cp.client, err = kubernetes.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		if _, err := cp.client.CoreV1().Namespaces().Get(context.Background(), "kube-system", metav1.GetOptions{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kube-apiserver did not come up:\n%s", cp.tail("kube-apiserver"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	kubeconfig := write("kubeconfig", []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: %s}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`, cfg.Host, token)))
	cp.run(t, bin, "kube-scheduler", "--kubeconfig", kubeconfig, "--authentication-kubeconfig", kubeconfig,
		"--authorization-kubeconfig", kubeconfig, "--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(freePort(t)),
		"--leader-elect=false")
	cp.run(t, bin, "kube-controller-manager", "--kubeconfig", kubeconfig, "--authentication-kubeconfig", kubeconfig,
		"--authorization-kubeconfig", kubeconfig, "--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(freePort(t)),
		"--leader-elect=false", "--service-account-private-key-file", saKey, "--use-service-account-credentials=false",
		"--controllers", "deployment-controller,replicaset-controller,statefulset-controller,daemonset-controller,disruption-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller,taint-eviction-controller",
		"--concurrent-deployment-syncs", "10", "--concurrent-replicaset-syncs", "10", "--concurrent-statefulset-syncs", "10", "--concurrent-daemonset-syncs", "10")
	go cp.kubelet()
	return cp
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if r, err := http.Get(url); err == nil {
			r.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer", url)
}

func (cp *controlPlane) run(t *testing.T, bin, name string, args ...string) {
	t.Helper()
	log := filepath.Join(cp.dir, name+".log")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	cp.procs = append(cp.procs, cmd)
	cp.logs[name] = log
}

// tail is the end of a component's log, for failures.
func (cp *controlPlane) tail(name string) string {
	b, _ := os.ReadFile(cp.logs[name])
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (cp *controlPlane) shutdown() {
	close(cp.stop)
	for i := len(cp.procs) - 1; i >= 0; i-- {
		p := cp.procs[i]
		_ = syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}

// kubelet reports every pod bound to a node Running and Ready, and
// removes a terminating pod a second after its deletion began, so that it
// still counts for anti-affinity and host ports meanwhile, as it does on
// a real node.
func (cp *controlPlane) kubelet() {
	ctx := context.Background()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-cp.stop:
			return
		case <-tick.C:
		}
		pods, err := cp.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			switch {
			case p.DeletionTimestamp != nil:
				if time.Since(p.DeletionTimestamp.Time.Add(-time.Duration(derefInt(p.DeletionGracePeriodSeconds))*time.Second)) > time.Second {
					zero := int64(0)
					_ = cp.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
				}
			case p.Spec.NodeName != "" && p.Status.Phase != corev1.PodRunning:
				now := metav1.Now()
				p.Status.Phase = corev1.PodRunning
				p.Status.StartTime = &now
				p.Status.Conditions = nil
				for _, c := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
					p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: c, Status: corev1.ConditionTrue, LastTransitionTime: now})
				}
				p.Status.ContainerStatuses = nil
				for _, c := range p.Spec.Containers {
					p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image, Ready: true,
						State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}})
				}
				_, _ = cp.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
			}
		}
	}
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// fakeNode is a Node object as a kubelet would register it, Ready.
type fakeNode struct {
	name   string
	labels map[string]string
	taints []corev1.Taint
	alloc  corev1.ResourceList // nil: 16 CPUs, 64Gi
}

// bigNode is what a node can allocate unless its distribution says less.
var bigNode = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("16"), corev1.ResourceMemory: resource.MustParse("64Gi"), corev1.ResourcePods: resource.MustParse("110")}

// setNodes replaces the cluster's nodes.
func (cp *controlPlane) setNodes(t *testing.T, nodes []fakeNode) {
	t.Helper()
	ctx := context.Background()
	old, err := cp.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range old.Items {
		_ = cp.client.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{})
	}
	for _, fn := range nodes {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fn.name, Labels: fn.labels}, Spec: corev1.NodeSpec{Taints: fn.taints}}
		created, err := cp.client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res := fn.alloc
		if res == nil {
			res = bigNode
		}
		now := metav1.Now()
		created.Status = corev1.NodeStatus{Capacity: res, Allocatable: res,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: now, LastTransitionTime: now, Reason: "KubeletReady"}}}
		if _, err := cp.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// ignoreExists treats an object that is already there as created.
func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// lines joins what a case found, for its report.
func lines(s []string) string { return strings.Join(s, "\n") }
