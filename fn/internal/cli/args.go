package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
)

// options is a parsed command line.
type options struct {
	explain       bool
	config        string
	nodes, sets   []string
	quiet, strict bool
	output        string
	version, help bool
	paths         []string
}

// errHelp asks for the usage text.
var errHelp = errors.New("help requested")

// newFlags defines the flags; the FlagSet holds their values and usage, and
// parseArgs does the walking, as flag.Parse stops at the first path.
func newFlags(o *options) *flag.FlagSet {
	fl := flag.NewFlagSet("csi-placement", flag.ContinueOnError)
	fl.StringVar(&o.config, "config", "", "a PlacementPolicy or ConfigMap `file` (default: the default policy)")
	fl.Var((*files)(&o.nodes), "nodes", "a `file` of Node objects, as `kubectl get nodes -o yaml` writes it; read, not output (repeatable)")
	fl.Var((*files)(&o.sets), "set", "override a config field: `KEY=VALUE`, KEY a path under spec (mode=Audit, onNoMatch=Ignore, replicas=auto), VALUE YAML; for a ConfigMap config a data key (repeatable)")
	fl.BoolVar(&o.quiet, "quiet", false, "print only warnings and errors to stderr")
	fl.BoolVar(&o.strict, "strict", false, "decode every item, not only the ones the policy reads, and refuse any that is not valid YAML")
	fl.StringVar(&o.output, "output", "table", "explain's `format`: table or json")
	fl.BoolVar(&o.version, "version", false, "print the version")
	fl.BoolVar(&o.help, "help", false, "print this help")
	return fl
}

// parseArgs reads a command line the GNU way: flags anywhere among the
// paths, as --flag=value or --flag value (one dash works too), and "--"
// ending the flags. "explain" is a subcommand only as the first argument,
// so a file of that name can still follow a flag.
func parseArgs(args []string) (options, error) {
	o := options{}
	fl := newFlags(&o)
	if len(args) > 0 && args[0] == "explain" {
		o.explain, args = true, args[1:]
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.paths = append(o.paths, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			o.paths = append(o.paths, a) // a path, or "-" for stdin
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		if name == "h" {
			name = "help"
		}
		f := fl.Lookup(name)
		if f == nil || name == "" {
			return o, fmt.Errorf("unknown flag %q (flags: %s)", a, flagNames(fl))
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if !hasValue {
				value = "true"
			}
			if _, err := strconv.ParseBool(value); err != nil {
				return o, fmt.Errorf("flag --%s must be true or false, got %q", name, value)
			}
		} else if !hasValue {
			if i+1 == len(args) {
				arg, _ := flag.UnquoteUsage(f)
				return o, fmt.Errorf("flag --%s must have a value: --%s %s or --%s=%s", name, name, strings.ToUpper(arg), name, strings.ToUpper(arg))
			}
			i++
			value = args[i]
		}
		if err := fl.Set(name, value); err != nil {
			return o, fmt.Errorf("flag --%s: value %q: %w", name, value, err)
		}
	}
	if o.help {
		return o, errHelp
	}
	return o, nil
}

func flagNames(fl *flag.FlagSet) string {
	var n []string
	fl.VisitAll(func(f *flag.Flag) { n = append(n, "--"+f.Name) })
	return strings.Join(n, ", ")
}

// printFlags writes the flags' help with two dashes, as they are written.
func printFlags(w io.Writer) {
	fl := newFlags(&options{})
	fl.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + strings.ToUpper(arg)
		}
		if f.DefValue != "" && f.DefValue != "false" {
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, usage)
	})
}

// version is the stamped Version, else what the Go toolchain recorded:
// the module's version (go install ...@v1.2.3, or a pseudo-version from
// the VCS tag), else the VCS revision, "-dirty" when the tree had changes.
func version(stamped string, bi *debug.BuildInfo, ok bool) string {
	if stamped != "" && stamped != "dev" {
		return stamped
	}
	if !ok || bi == nil {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return rev
}
