// Package cli runs the binary in its three modes: a KRM function
// (ResourceList on stdin), a kustomize transformer plugin, and a standalone
// command over manifest files.
package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"github.com/csi-placement/csi-placement/fn/internal/detect"
	"github.com/csi-placement/csi-placement/fn/internal/krmio"
	"github.com/csi-placement/csi-placement/fn/internal/policy"
	"github.com/csi-placement/csi-placement/fn/internal/results"
	"github.com/csi-placement/csi-placement/fn/internal/schedule"
	"go.yaml.in/yaml/v3"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Version is stamped by the build.
var Version = "dev"

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // an error result, bad config or unreadable input
	ExitUsage = 2 // bad command line
)

// PluginEnv is set by kustomize when it runs a transformer plugin.
const PluginEnv = "KUSTOMIZE_PLUGIN_CONFIG_STRING"

const usage = `csi-placement places CSI controller workloads on control-plane nodes.

Usage:
  csi-placement                          KRM function: ResourceList on stdin, ResourceList on stdout
  csi-placement [--config FILE] [--set KEY=VALUE] [--nodes FILE] PATH...
                                         standalone: manifests from files, directories or - (stdin),
                                         transformed YAML stream on stdout
  csi-placement explain [--config FILE] [--output table|json] --nodes FILE PATH...
                                         where each controller can run and why not, where its
                                         replicas land, and whether a rollout can finish
  csi-placement --version | --help

Flags go anywhere on the line, as --flag=value or --flag value; -- ends
them. As a kustomize transformer plugin, kustomize runs it with the config
file as its argument and ` + PluginEnv + ` set.

Flags:
`

// IO is what a run reads and writes.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// files is a repeatable flag.
type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

// Main runs the binary and returns its exit code.
func Main(args []string, io IO) int {
	if cfg, ok := pluginConfig(args, io); ok {
		return runPlugin(cfg, io)
	}
	o, err := parseArgs(args)
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprint(io.Stderr, usage)
		printFlags(io.Stderr)
		return ExitOK
	case err != nil:
		fmt.Fprintf(io.Stderr, "csi-placement: %v\n", err)
		return ExitUsage
	case o.version:
		bi, ok := debug.ReadBuildInfo()
		fmt.Fprintln(io.Stdout, "csi-placement", version(Version, bi, ok))
		return ExitOK
	case o.output != "table" && o.output != "json" || o.output != "table" && !o.explain:
		fmt.Fprintf(io.Stderr, "csi-placement: --output must be table or json, and only with explain, got %q\n", o.output)
		return ExitUsage
	case len(o.paths) == 0 && (o.config != "" || len(o.sets) > 0 || len(o.nodes) > 0 || o.explain):
		fmt.Fprintln(io.Stderr, "csi-placement: --config, --set, --nodes and explain need at least one PATH (use - for stdin)")
		return ExitUsage
	case len(o.paths) == 0:
		return runFunction(io)
	}
	format := ""
	if o.explain {
		format = o.output
	}
	return runStandalone(o.config, o.sets, o.nodes, o.paths, o.quiet, o.strict, format, io)
}

// pluginConfig returns the transformer config kustomize passes: the file
// named by the only argument, else the environment variable's text.
func pluginConfig(args []string, io IO) ([]byte, bool) {
	env := io.Getenv(PluginEnv)
	if env == "" {
		return nil, false
	}
	if len(args) == 1 {
		if b, err := os.ReadFile(args[0]); err == nil {
			return b, true
		}
	}
	return []byte(env), true
}

func runFunction(io IO) int {
	data, err := readAll(io.Stdin)
	if err != nil {
		return fail(io, fmt.Errorf("reading stdin: %w", err))
	}
	rl, err := krmio.ParseResourceList(data)
	if err != nil {
		return fail(io, err)
	}
	if rl.Kind != "ResourceList" {
		return fail(io, fmt.Errorf("stdin must hold a ResourceList (kind: ResourceList), got kind %q; to transform manifest files run `csi-placement PATH...` or `csi-placement -`", rl.Kind))
	}
	var rs fn.Results
	fc, err := fcValue(rl.FunctionConfig)
	if err != nil {
		return fail(io, err)
	}
	p, err := config.Parse(fc)
	if err != nil {
		rs = configResults(err)
	} else {
		var rep policy.Report
		rep, err = policy.Run(rl.Items, p, nil)
		rs = rep.Results
		if err != nil {
			return fail(io, err)
		}
	}
	enc, err := results.Encode(rs)
	if err != nil {
		return fail(io, err)
	}
	if err := rl.Write(io.Stdout, enc); err != nil {
		return fail(io, err)
	}
	// kustomize drops the results of a failed function, so stderr says it too.
	return printResults(io.Stderr, rs, results.Warning)
}

func runPlugin(cfg []byte, io IO) int {
	p, err := config.Parse(cfg)
	if err != nil {
		return printResults(io.Stderr, configResults(err), results.Warning)
	}
	data, err := readAll(io.Stdin)
	if err != nil {
		return fail(io, fmt.Errorf("reading stdin: %w", err))
	}
	return transformStreams(p, []source{{name: "-", data: data}}, nil, false, false, "", io)
}

// runStandalone transforms manifest files; with explain set (table or
// json) it writes the proof instead.
func runStandalone(cfgPath string, sets, nodeFiles, paths []string, quiet, strict bool, explain string, io IO) int {
	p := config.Default()
	if cfgPath != "" || len(sets) > 0 {
		var b []byte
		var err error
		if cfgPath != "" {
			if b, err = os.ReadFile(cfgPath); err != nil {
				return fail(io, err)
			}
		}
		if b, err = withSets(b, sets); err != nil {
			return fail(io, err)
		}
		if p, err = config.Parse(b); err != nil {
			return printResults(io.Stderr, configResults(err), results.Warning)
		}
	}
	var srcs, nodeSrcs []source
	for _, path := range paths {
		s, err := read(path, io.Stdin)
		if err != nil {
			return fail(io, err)
		}
		srcs = append(srcs, s...)
	}
	for _, path := range nodeFiles {
		s, err := read(path, io.Stdin)
		if err != nil {
			return fail(io, err)
		}
		nodeSrcs = append(nodeSrcs, s...)
	}
	return transformStreams(p, srcs, nodeSrcs, !quiet, strict, explain, io)
}

type source struct {
	name string
	data []byte
}

// transformStreams runs the policy over manifest streams and writes them;
// nodeSrcs hold Node objects that count but are not written. With explain
// it writes the placement table instead.
func transformStreams(p *config.Policy, srcs, nodeSrcs []source, verbose, strict bool, explain string, io IO) int {
	var streams []*krmio.Stream
	var items, nodeItems []*krmio.Item
	for _, s := range srcs {
		st, err := krmio.ParseStream(s.data, s.name, len(items))
		if err != nil {
			return fail(io, err)
		}
		streams = append(streams, st)
		items = append(items, st.Items...)
	}
	// Items the policy does not read are copied through unread, valid YAML
	// or not (the output is as valid as the input); --strict reads them all.
	if strict {
		for _, it := range items {
			if _, err := it.Node(); err != nil {
				return fail(io, fmt.Errorf("--strict: %w", err))
			}
		}
	}
	for _, s := range nodeSrcs {
		st, err := krmio.ParseStream(s.data, s.name, 0)
		if err != nil {
			return fail(io, err)
		}
		nodeItems = append(nodeItems, st.Items...)
	}
	nodes, _, err := schedule.Inventory(nodeItems) // --nodes files are read, never output
	if err != nil {
		return fail(io, err)
	}
	if len(nodeSrcs) > 0 && len(nodes) == 0 {
		return fail(io, fmt.Errorf("--nodes must name files holding Node objects (`kubectl get nodes -o yaml`); none found in %s", names(nodeSrcs)))
	}
	rep, err := policy.Run(items, p, nodes)
	if err != nil {
		return fail(io, err)
	}
	rs := rep.Results
	if explain != "" {
		if len(rep.Proofs) == 0 && rs.ExitCode() == 0 {
			return fail(io, fmt.Errorf("explain needs the cluster's Node objects: --nodes FILE, with FILE from `kubectl get nodes -o yaml`"))
		}
		write := writeExplain
		if explain == "json" {
			write = writeExplainJSON
		}
		if err := write(io.Stdout, rep); err != nil {
			return fail(io, err)
		}
		return printResults(io.Stderr, rs, results.Warning)
	}
	least := results.Warning
	if verbose {
		least = results.Info
	}
	// On an error nothing is written, as kustomize and kpt write nothing:
	// `csi-placement chart.yaml | kubectl apply -f -` must not apply what
	// the policy refused.
	if rs.ExitCode() != 0 {
		return printResults(io.Stderr, rs, least)
	}
	var out bytes.Buffer
	for i, st := range streams {
		if i > 0 {
			if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
				out.WriteByte('\n')
			}
			if !bytes.HasPrefix(srcs[i].data, []byte("---")) {
				out.WriteString("---\n")
			}
		}
		// Local-config items (a Node inventory, a PlacementPolicy) are not
		// resources to apply: kustomize and kpt drop them too.
		if err := st.WriteWithout(&out, isLocalConfig); err != nil {
			return fail(io, err)
		}
	}
	if _, err := io.Stdout.Write(out.Bytes()); err != nil {
		return fail(io, err)
	}
	return printResults(io.Stderr, rs, least)
}

// read reads a file, every *.yaml and *.yml file under a directory, or
// stdin for "-".
func read(path string, stdin io.Reader) ([]source, error) {
	if path == "-" {
		b, err := readAll(stdin)
		return []source{{name: "-", data: b}}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		b, err := os.ReadFile(path)
		return []source{{name: path, data: b}}, err
	}
	var out []source
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		b, err := os.ReadFile(p)
		out = append(out, source{name: p, data: b})
		return err
	})
	return out, err
}

func names(srcs []source) string {
	n := make([]string, len(srcs))
	for i, s := range srcs {
		n[i] = s.name
	}
	return strings.Join(n, ", ")
}

// readAll reads stdin whole; a redirected file into a buffer of its size,
// not in io.ReadAll's growing steps (a large list is copied once).
func readAll(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
			var b bytes.Buffer
			b.Grow(int(st.Size()) + bytes.MinRead)
			_, err := b.ReadFrom(r)
			return b.Bytes(), err
		}
	}
	return io.ReadAll(r)
}

// fcValue turns the ResourceList's functionConfig section into the config
// document itself. It stays YAML: as JSON, a value JSON cannot hold
// (`weight: .inf`) would fail the whole list without naming its field.
func fcValue(section []byte) ([]byte, error) {
	if len(section) == 0 {
		return nil, nil
	}
	var doc struct {
		FunctionConfig yaml.Node `yaml:"functionConfig"`
	}
	if err := yaml.Unmarshal(section, &doc); err != nil {
		return nil, fmt.Errorf("reading functionConfig: %w", err)
	}
	if doc.FunctionConfig.Kind == 0 {
		return nil, nil
	}
	return yaml.Marshal(&doc.FunctionConfig)
}

func configResults(err error) fn.Results {
	var errs config.Errors
	if !errors.As(err, &errs) {
		return fn.Results{{Severity: results.Error, Message: err.Error()}}
	}
	rs := make(fn.Results, len(errs))
	for i, e := range errs {
		rs[i] = &fn.Result{Severity: results.Error, Message: e.Msg, Field: &fn.Field{Path: e.Field}}
	}
	return rs
}

// printResults writes results of at least the given severity to w, one a
// line, and returns the exit code they call for.
func printResults(w io.Writer, rs fn.Results, least fn.Severity) int {
	rank := map[fn.Severity]int{results.Info: 0, results.Warning: 1, results.Error: 2}
	var b strings.Builder // one write: a large input has thousands of lines
	for _, r := range rs {
		if rank[r.Severity] >= rank[least] {
			b.WriteString(results.Line(r))
			b.WriteByte('\n')
		}
	}
	io.WriteString(w, b.String())
	if rs.ExitCode() != 0 {
		return ExitError
	}
	return ExitOK
}

func fail(io IO, err error) int {
	fmt.Fprintln(io.Stderr, "error:", strings.TrimSpace(err.Error()))
	return ExitError
}

// isLocalConfig reports whether an item is annotated
// config.kubernetes.io/local-config: "true". Only items whose text names
// the annotation are decoded.
func isLocalConfig(it *krmio.Item) bool {
	if !bytes.Contains(it.Raw(), []byte(detect.LocalConfig)) {
		return false
	}
	obj, err := it.Node()
	return err == nil && kyaml.NewRNode(obj).GetAnnotations()[detect.LocalConfig] == "true"
}
