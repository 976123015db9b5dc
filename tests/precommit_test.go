package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The pre-commit hooks of .pre-commit-hooks.yaml, run with real pre-commit
// over a temporary git repository: `pre-commit try-repo` for each hook, and
// `pre-commit run` with examples/pre-commit/.pre-commit-config.yaml.

const (
	preCommitVersion = "pre-commit 3.0.4"
	installPreCommit = "apt-get install pre-commit (Debian's 3.0.4; .ci/run installs it)"
)

var preCommitExample = filepath.Join("..", "examples", "pre-commit")

// preCommitEnv keeps pre-commit's environments in a temporary home and lets
// the golang hook's `go install` use the machine's module cache.
func preCommitEnv(t *testing.T) []string {
	t.Helper()
	env := append(os.Environ(), "PRE_COMMIT_HOME="+t.TempDir(),
		"GIT_AUTHOR_NAME=csi-placement tests", "GIT_AUTHOR_EMAIL=tests@csi-placement.invalid",
		"GIT_COMMITTER_NAME=csi-placement tests", "GIT_COMMITTER_EMAIL=tests@csi-placement.invalid")
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		env = append(env, "GOMODCACHE="+strings.TrimSpace(string(out)))
	}
	return env
}

// gitRepo makes a git repository holding the given files.
func gitRepo(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, data, 0o644))
	}
	runIn(t, dir, nil, "git", "init", "-q").ok(t, "git init")
	runIn(t, dir, nil, "git", "add", "-A").ok(t, "git add")
	return dir
}

// hookOutput is pre-commit's report from the hook's status line on.
func hookOutput(t *testing.T, out []byte) []byte {
	t.Helper()
	i := bytes.Index(out, []byte("csi-placement audit...."))
	if i < 0 {
		t.Fatalf("no hook status line in\n%s", out)
	}
	return out[i:]
}

func TestPreCommitHooks(t *testing.T) {
	pc := tool(t, "pre-commit", installPreCommit)
	if out, _ := exec.Command(pc, "--version").Output(); strings.TrimSpace(string(out)) != preCommitVersion {
		if os.Getenv("CI") != "" {
			t.Fatalf("pre-commit reports %q, want %s", out, preCommitVersion)
		}
		t.Skipf("pre-commit reports %q, want %s", out, preCommitVersion)
	}
	tool(t, "git", "apt-get install git")
	env := preCommitEnv(t)
	work := gitRepo(t, map[string][]byte{
		// The Harvester chart as rendered: fails the audit.
		"bad.yaml": read(t, filepath.Join(repo, "examples", "harvester", "base", "harvester-csi-driver.yaml")),
		// The same, placed by the Helm example: passes.
		"good.yaml": read(t, filepath.Join(helmExample, "expected.yaml")),
		// No CSI controller: passes.
		"other.yaml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"),
		// A chart template is no manifest: excluded.
		"chart/templates/deployment.yaml": read(t, filepath.Join(helmExample, "harvester-csi-driver", "templates", "deployment.yaml")),
	})
	for _, hook := range []string{"csi-placement-audit", "csi-placement-audit-system"} {
		t.Run(hook, func(t *testing.T) {
			r := runIn(t, work, env, pc, "try-repo", repo, hook, "--files", "good.yaml", "other.yaml", "chart/templates/deployment.yaml")
			if out := r.ok(t, "pre-commit try-repo (good)"); !bytes.Contains(out, []byte("csi-placement audit")) || !bytes.Contains(out, []byte("Passed\n")) {
				t.Errorf("the hook must pass:\n%s", out)
			}
			r = runIn(t, work, env, pc, "try-repo", repo, hook, "--files", "bad.yaml", "good.yaml", "other.yaml")
			if r.code != 1 {
				t.Fatalf("the hook must fail with exit 1, got %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			out := bytes.Replace(hookOutput(t, r.stdout), []byte("- hook id: "+hook+"\n"), []byte("- hook id: csi-placement-audit\n"), 1)
			golden(t, filepath.Join(preCommitExample, "expected-fail.txt"), out)
		})
	}

	// The example config: the hook with the repository's own policy, on
	// deploy/ only.
	t.Run(".pre-commit-config.yaml", func(t *testing.T) {
		head := strings.TrimSpace(string(runIn(t, repo, nil, "git", "rev-parse", "HEAD").ok(t, "git rev-parse")))
		cfg := string(read(t, filepath.Join(preCommitExample, ".pre-commit-config.yaml")))
		cfg = strings.Replace(cfg, "repo: https://github.com/csi-placement/csi-placement", "repo: "+repo, 1)
		cfg = strings.Replace(cfg, "rev: v0.1.0", "rev: "+head, 1)
		if !strings.Contains(cfg, head) || !strings.Contains(cfg, "repo: "+repo) {
			t.Fatalf("examples/pre-commit/.pre-commit-config.yaml: repo or rev not found:\n%s", cfg)
		}
		files := map[string][]byte{
			".pre-commit-config.yaml": []byte(cfg),
			"deploy/placement.yaml":   read(t, filepath.Join(preCommitExample, "placement.yaml")),
			"deploy/csi.yaml":         read(t, filepath.Join(repo, "examples", "harvester", "base", "harvester-csi-driver.yaml")),
			"elsewhere/csi.yaml":      read(t, filepath.Join(repo, "examples", "harvester", "base", "harvester-csi-driver.yaml")),
		}
		bad := gitRepo(t, files)
		r := runIn(t, bad, env, pc, "run", "--files", "deploy/csi.yaml", "deploy/placement.yaml")
		if r.code != 1 {
			t.Fatalf("pre-commit run must fail with exit 1, got %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		golden(t, filepath.Join(preCommitExample, "expected-config-fail.txt"), hookOutput(t, r.stdout))
		if r := runIn(t, bad, env, pc, "run", "--files", "elsewhere/csi.yaml"); r.code != 0 || !bytes.Contains(r.stdout, []byte("(no files to check)Skipped")) {
			t.Errorf("a file outside deploy/ must be skipped, got exit %d\n%s", r.code, r.stdout)
		}
		files["deploy/csi.yaml"] = read(t, filepath.Join(helmExample, "expected.yaml"))
		good := gitRepo(t, files)
		runIn(t, good, env, pc, "run", "--files", "deploy/csi.yaml", "deploy/placement.yaml").ok(t, "pre-commit run (placed)")
	})
}
