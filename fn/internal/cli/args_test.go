package cli

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	def := func(o options) options {
		if o.output == "" {
			o.output = "table"
		}
		return o
	}
	for _, c := range []struct {
		name string
		args []string
		want options
		err  string // a part of the error
	}{
		{"none: the KRM function", nil, def(options{}), ""},
		{"flag before the path", []string{"--config", "p.yaml", "chart.yaml"}, def(options{config: "p.yaml", paths: []string{"chart.yaml"}}), ""},
		{"flag after the path", []string{"chart.yaml", "--config", "p.yaml"}, def(options{config: "p.yaml", paths: []string{"chart.yaml"}}), ""},
		{"flags among paths", []string{"a.yaml", "--nodes=n.yaml", "b.yaml", "--set", "mode=Audit", "-", "--quiet"},
			def(options{nodes: []string{"n.yaml"}, sets: []string{"mode=Audit"}, quiet: true, paths: []string{"a.yaml", "b.yaml", "-"}}), ""},
		{"--flag=value", []string{"--config=p.yaml", "x"}, def(options{config: "p.yaml", paths: []string{"x"}}), ""},
		{"--flag=value with = in the value", []string{"--set=replicas=auto", "x"}, def(options{sets: []string{"replicas=auto"}, paths: []string{"x"}}), ""},
		{"one dash, as Go's flag package writes it", []string{"-config", "p.yaml", "x"}, def(options{config: "p.yaml", paths: []string{"x"}}), ""},
		{"a value that starts with a dash", []string{"--nodes", "-", "x"}, def(options{nodes: []string{"-"}, paths: []string{"x"}}), ""},
		{"repeated flags", []string{"--nodes", "a", "x", "--nodes", "b"}, def(options{nodes: []string{"a", "b"}, paths: []string{"x"}}), ""},
		{"-- ends the flags", []string{"--quiet", "--", "--config", "-x"}, def(options{quiet: true, paths: []string{"--config", "-x"}}), ""},
		{"a bool with a value", []string{"--quiet=false", "x"}, def(options{paths: []string{"x"}}), ""},
		{"explain first", []string{"explain", "--output", "json", "x", "--nodes", "n"}, def(options{explain: true, output: "json", nodes: []string{"n"}, paths: []string{"x"}}), ""},
		{"explain later is a path", []string{"--quiet", "explain"}, def(options{quiet: true, paths: []string{"explain"}}), ""},
		{"--version after a path", []string{"x", "--version"}, def(options{version: true, paths: []string{"x"}}), ""},
		{"unknown flag after a path", []string{"x", "--conifg", "p.yaml"}, options{}, `unknown flag "--conifg" (flags: --config, `},
		{"unknown flag with a value", []string{"--bogus=1"}, options{}, `unknown flag "--bogus=1"`},
		{"a lone --=", []string{"--=x"}, options{}, `unknown flag "--=x"`},
		{"missing value", []string{"x", "--config"}, options{}, "flag --config must have a value: --config FILE or --config=FILE"},
		{"missing value of --set", []string{"--set"}, options{}, "flag --set must have a value: --set KEY=VALUE or --set=KEY=VALUE"},
		{"a bool's bad value", []string{"--quiet=maybe"}, options{}, `flag --quiet must be true or false, got "maybe"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseArgs(c.args)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestFlagsAnywhere runs the command with its flag after the path: the
// config applies, and the flag is not read as a file.
func TestFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "p.yaml")
	in := filepath.Join(dir, "chart.yaml")
	dep, _, _ := strings.Cut(pluginInput, "---\n")
	if err := errors.Join(os.WriteFile(cfg, []byte("apiVersion: v1\nkind: ConfigMap\ndata: {replicas: '1'}\n"), 0o600), os.WriteFile(in, []byte(dep), 0o600)); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--config", cfg, in}, {in, "--config", cfg}, {in, "--config=" + cfg, "--quiet"}} {
		out, stderr, code := run(t, "", nil, args...)
		if code != 0 || !strings.Contains(out, "\n  replicas: 1\n") {
			t.Errorf("%v: exit %d, want replicas 1:\n%s\n%s", args, code, out, stderr)
		}
	}
	if _, stderr, code := run(t, "", nil, in, "--conifg", cfg); code != ExitUsage || !strings.HasPrefix(stderr, `csi-placement: unknown flag "--conifg"`) {
		t.Errorf("unknown flag: exit %d, %q", code, stderr)
	}
	if _, stderr, code := run(t, "", nil, in, "--config"); code != ExitUsage || !strings.Contains(stderr, "--config must have a value") {
		t.Errorf("missing value: exit %d, %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		name, stamped string
		bi            *debug.BuildInfo
		want          string
	}{
		{"stamped", "v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.1"}}, "v1.2.3"},
		{"go install @version", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"a pseudo-version from the VCS", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202014000-abcdef123456+dirty"}}, "v0.0.0-20261202014000-abcdef123456+dirty"},
		{"VCS revision", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs", "git", "vcs.revision", "abc123", "vcs.modified", "false")}, "abc123"},
		{"VCS revision, modified", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs.revision", "abc123", "vcs.modified", "true")}, "abc123-dirty"},
		{"nothing recorded", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"no build info", "dev", nil, "dev"},
	} {
		if got := version(c.stamped, c.bi, c.bi != nil); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
