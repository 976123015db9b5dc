// Package resources checks, and fills in, the resource requests of a
// controller's containers: a container without them is counted by the
// scheduler as taking nothing, on control-plane nodes that run the API
// server and etcd.
package resources

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/detect"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/workload"
	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

const rule = "resources"

// Default is what a container is given when it requests nothing.
type Default struct {
	// Name is the container the default is for, by the suffix of its name
	// or image name, as the charts rename both ("mirrored-...-csi-resizer").
	Name        string
	CPU, Memory string // requests
	MemoryLimit string // limits.memory, when the policy asks for one
	// Source is where the values come from.
	Source string
}

// Known are the defaults for the containers CSI controllers share, from
// the charts of kubernetes-csi and kubernetes-sigs drivers, which set them
// after measuring their own sidecars.
var Known = []Default{
	{"csi-provisioner", "10m", "20Mi", "400Mi", "kubernetes-csi/csi-driver-nfs chart v4.x, `controller.resources.csiProvisioner`"},
	{"csi-attacher", "10m", "20Mi", "500Mi", "kubernetes-sigs/azuredisk-csi-driver chart v1.x, `controller.resources.csiAttacher`"},
	{"csi-resizer", "10m", "20Mi", "400Mi", "kubernetes-csi/csi-driver-nfs chart v4.x, `controller.resources.csiResizer`"},
	{"csi-snapshotter", "10m", "20Mi", "200Mi", "kubernetes-csi/csi-driver-nfs chart v4.x, `controller.resources.csiSnapshotter`"},
	{"snapshot-controller", "10m", "20Mi", "200Mi", "csi-snapshotter's, from the same kubernetes-csi/external-snapshotter repository"},
	{"external-health-monitor-controller", "10m", "20Mi", "200Mi", "the CSI sidecars' (kubernetes-csi)"},
	{"livenessprobe", "10m", "20Mi", "100Mi", "kubernetes-csi/csi-driver-nfs chart v4.x, `controller.resources.livenessProbe`"},
	{"liveness-probe", "10m", "20Mi", "100Mi", "kubernetes-csi/csi-driver-nfs chart v4.x, `controller.resources.livenessProbe`"},
}

// Driver is the default for any other container: the driver itself.
var Driver = Default{"driver", "10m", "40Mi", "256Mi", "kubernetes-sigs/aws-ebs-csi-driver chart v2.x, `controller.resources`"}

// For returns the default for a container.
func For(name, image string) Default {
	image = detect.ImageName(image)
	for _, d := range Known {
		if strings.HasSuffix(name, d.Name) || strings.HasSuffix(image, d.Name) {
			return d
		}
	}
	return Driver
}

// Requests checks (Check), fills in (Add) or leaves alone (Ignore) the
// requests of the pod template's containers, and with MemoryLimit their
// memory limit. A value the container has is never replaced or lowered;
// a limit without a request counts as the request, as the API server
// defaults it.
type Requests struct {
	Mode        string
	MemoryLimit bool
	Audit       bool
}

// missing is what one container lacks.
type missing struct {
	i          int
	name       string
	cpu, mem   bool
	limit      bool
	d          Default
	requestMem string // the memory request it has, for the limit
}

// Apply checks or edits spec.template.spec.containers[].resources.
func (f Requests) Apply(w *workload.Workload) []results.Finding {
	if f.Mode == config.Ignore {
		return nil
	}
	var lacking []missing
	var out []results.Finding
	for i, c := range yn.Elements(w.PodField("containers")) {
		name := yn.String(c, "name")
		req, lim := yn.Get(c, "resources", "requests"), yn.Get(c, "resources", "limits")
		m := missing{i: i, name: name, d: For(name, yn.String(c, "image"))}
		m.cpu = yn.Get(req, "cpu") == nil && yn.Get(lim, "cpu") == nil
		m.mem = yn.Get(req, "memory") == nil && yn.Get(lim, "memory") == nil
		m.limit = f.MemoryLimit && yn.Get(lim, "memory") == nil
		if !m.cpu && !m.mem && !m.limit {
			continue
		}
		if v := yn.Get(req, "memory"); v != nil {
			m.requestMem = v.YNode().Value
			if _, err := resource.ParseQuantity(m.requestMem); err != nil && m.limit {
				field := fmt.Sprintf("spec.template.spec.containers[%d].resources.requests.memory", i)
				out = append(out, results.Finding{Rule: rule, Severity: results.Error, Field: field,
					Text: results.Text(fmt.Sprintf("resources: `%s` must be a quantity such as 64Mi, got %q", field, m.requestMem))})
				continue
			}
		}
		lacking = append(lacking, m)
	}
	if len(lacking) == 0 {
		return out
	}
	if f.Mode == config.Check {
		return append(out, f.check(lacking))
	}
	for _, m := range lacking {
		out = append(out, add(w, m))
	}
	return out
}

// check is one finding for every container that lacks something: info in
// Enforce mode, an error in Audit mode.
func (f Requests) check(lacking []missing) results.Finding {
	var parts []string
	for _, m := range lacking {
		parts = append(parts, fmt.Sprintf("%q %s", m.name, m.what()))
	}
	sev := results.Info
	if f.Audit {
		sev = results.Error
	}
	return results.Finding{Rule: rule, Severity: sev, Note: true, Field: "spec.template.spec.containers",
		Text: results.Text(fmt.Sprintf("resources: container %s: the scheduler counts what is not requested as nothing, on control-plane nodes the controller shares with the API server and etcd; set them, or let the policy add its documented defaults (spec.resources.mode: Add)",
			strings.Join(parts, ", container ")))}
}

// what words what the container lacks.
func (m missing) what() string {
	return m.words("requests neither cpu nor memory", "requests no cpu", "requests no memory", "has no memory limit")
}

// need words what the container must have.
func (m missing) need() string {
	return m.words("request cpu and memory", "request cpu", "request memory", "set a memory limit")
}

// words joins the words for what is missing: both requests, the cpu one,
// the memory one, then the limit.
func (m missing) words(both, cpu, mem, limit string) string {
	var parts []string
	switch {
	case m.cpu && m.mem:
		parts = append(parts, both)
	case m.cpu:
		parts = append(parts, cpu)
	case m.mem:
		parts = append(parts, mem)
	}
	if m.limit {
		parts = append(parts, limit)
	}
	return strings.Join(parts, " and ")
}

// add fills in what one container lacks.
func add(w *workload.Workload, m missing) results.Finding {
	c := yn.Elements(w.PodField("containers"))[m.i]
	res := yn.Ensure(c, "resources", yaml.MappingNode, yn.ContainerOrder)
	var done []string
	if m.cpu || m.mem {
		req := yn.Ensure(res, "requests", yaml.MappingNode, yn.ResourcesOrder)
		if m.cpu {
			yn.Set(req, "cpu", yaml.NewStringRNode(m.d.CPU), yn.ResourceNameOrder)
			done = append(done, "cpu "+m.d.CPU)
		}
		if m.mem {
			yn.Set(req, "memory", yaml.NewStringRNode(m.d.Memory), yn.ResourceNameOrder)
			done = append(done, "memory "+m.d.Memory)
			m.requestMem = m.d.Memory
		}
	}
	what := "requests " + strings.Join(done, ", ")
	if m.limit {
		limit := m.d.MemoryLimit
		// A limit below the request is refused by the API server.
		if r, err := resource.ParseQuantity(m.requestMem); err == nil && r.Cmp(resource.MustParse(limit)) > 0 {
			limit = m.requestMem
		}
		lim := yn.Ensure(res, "limits", yaml.MappingNode, yn.ResourcesOrder)
		yn.Set(lim, "memory", yaml.NewStringRNode(limit), yn.ResourceNameOrder)
		if len(done) == 0 {
			what = "memory limit " + limit
		} else {
			what += ", memory limit " + limit
		}
	}
	field := fmt.Sprintf("spec.template.spec.containers[%d].resources", m.i)
	return results.Finding{Rule: rule, Severity: results.Info, Field: field,
		Text: results.Change{
			Done:     fmt.Sprintf("resources: container %q %s (%s defaults)", m.name, what, m.d.Name),
			Required: fmt.Sprintf("`%s` must %s: container %q %s (the policy would add %s)", field, m.need(), m.name, m.what(), what),
		}}
}
