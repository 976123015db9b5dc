package api

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func container(req, lim corev1.ResourceList) corev1.Container {
	return corev1.Container{Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}
}

func list(cpu, mem string) corev1.ResourceList {
	l := corev1.ResourceList{}
	if cpu != "" {
		l[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if mem != "" {
		l[corev1.ResourceMemory] = resource.MustParse(mem)
	}
	return l
}

// Requests counts as the scheduler does: containers add up, an init
// container counts when it is larger, and a limit without a request is the
// request (the API server's defaulting).
func TestRequests(t *testing.T) {
	spec := &corev1.PodSpec{
		InitContainers: []corev1.Container{container(list("500m", ""), nil)},
		Containers: []corev1.Container{
			container(list("10m", "20Mi"), nil),
			container(nil, list("100m", "64Mi")),
			container(list("", "40Mi"), list("", "1Gi")),
		},
	}
	cpu, mem := Requests(spec)
	if cpu.String() != "500m" || mem.String() != "124Mi" {
		t.Errorf("got cpu %s, memory %s; want 500m (the init container), 124Mi", cpu.String(), mem.String())
	}
	if spec.Containers[1].Resources.Requests != nil {
		t.Error("Requests must not change the spec it reads")
	}
}
