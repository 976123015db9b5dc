//go:build container

// The container tier: `make image-test`. It builds the image with buildah
// (the prebuilt target, so that no base image is pulled), checks it, and
// runs the examples through it with podman, as kpt and kustomize run
// container functions. Nothing touches the machine's container config or
// storage: podman and buildah get a store and a config of the test's own.

package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const image = "localhost/csi-placement:test"

// engine holds the environment that points buildah, podman, kpt and
// kustomize at the test's own container storage and config.
type engine struct {
	env     []string
	version string
}

func newEngine(t *testing.T) *engine {
	t.Helper()
	for _, name := range []string{"buildah", "podman", "runc"} {
		tool(t, name, "apt-get install -y buildah podman runc")
	}
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "storage.conf"), []byte(`[storage]
driver = "vfs"
graphroot = "`+dir+`/graph"
runroot = "`+dir+`/run"
`), 0o644))
	// crun fails here on setrlimit and hybrid cgroups; runc with cgroupfs works.
	must(t, os.WriteFile(filepath.Join(dir, "containers.conf"), []byte(`[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`), 0o644))
	// kustomize runs container functions with docker: this one is podman.
	shim := filepath.Join(dir, "shim")
	must(t, os.MkdirAll(shim, 0o755))
	must(t, os.WriteFile(filepath.Join(shim, "docker"), []byte("#!/bin/sh\nexec podman \"$@\"\n"), 0o755))
	e := &engine{
		version: "v0.0.0-container-test",
		env: append(os.Environ(),
			"CONTAINERS_STORAGE_CONF="+filepath.Join(dir, "storage.conf"),
			"CONTAINERS_CONF="+filepath.Join(dir, "containers.conf"),
			"KPT_FN_RUNTIME=podman",
			"PATH="+shim+string(os.PathListSeparator)+os.Getenv("PATH")),
	}

	// The build context: the Dockerfile's prebuilt target packages a binary
	// built here with the version stamped.
	ctx := filepath.Join(dir, "context")
	for _, f := range []string{"Dockerfile", ".dockerignore", "fn/image/passwd", "fn/image/group"} {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(ctx, f)), 0o755))
		must(t, os.WriteFile(filepath.Join(ctx, f), read(t, filepath.Join(repo, f)), 0o644))
	}
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X github.com/csi-placement/csi-placement/fn/internal/cli.Version="+e.version,
		"-o", filepath.Join(ctx, "bin", "csi-placement"), "./fn")
	build.Dir, build.Env = repo, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	e.run(t, "buildah", "bud", "--isolation", "chroot", "--storage-driver", "vfs", "--target", "prebuilt",
		"--build-arg", "VERSION="+e.version, "-t", image, ctx)
	return e
}

func (e *engine) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = e.env
	return c
}

// run runs a command that must succeed and returns its stdout.
func (e *engine) run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	c := e.cmd(name, args...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func TestContainer(t *testing.T) {
	e := newEngine(t)

	t.Run("image", func(t *testing.T) { checkImage(t, e, image, e.version) })

	// The Dockerfile's default target builds from source in a golang
	// image. No registry is reachable here, so a stand-in golang image is
	// made from this machine's Go toolchain and a static busybox shell; the
	// module downloads go to the Go module proxy as in any build.
	t.Run("from source: the default target", func(t *testing.T) {
		busybox, err := exec.LookPath("busybox")
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("busybox is required under CI: apt-get install -y busybox-static")
			}
			t.Skip("busybox not found: apt-get install -y busybox-static")
		}
		goroot := strings.TrimSpace(string(e.run(t, "go", "env", "GOROOT")))
		stand := t.TempDir()
		root := filepath.Join(stand, "root")
		for _, d := range []string{"bin", "usr/local", "etc/ssl/certs", "tmp"} {
			must(t, os.MkdirAll(filepath.Join(root, d), 0o755))
		}
		must(t, os.WriteFile(filepath.Join(root, "bin", "busybox"), read(t, busybox), 0o755))
		must(t, os.Symlink("busybox", filepath.Join(root, "bin", "sh")))
		must(t, os.WriteFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"), read(t, "/etc/ssl/certs/ca-certificates.crt"), 0o644))
		if out, err := exec.Command("cp", "-a", goroot, filepath.Join(root, "usr/local/go")).CombinedOutput(); err != nil {
			t.Fatalf("copying GOROOT: %v\n%s", err, out)
		}
		must(t, os.WriteFile(filepath.Join(stand, "Containerfile"), []byte(
			"FROM scratch\nCOPY root/ /\nENV PATH=/usr/local/go/bin:/bin GOPATH=/go GOCACHE=/tmp/gocache GOTOOLCHAIN=local\n"), 0o644))
		e.run(t, "buildah", "bud", "--isolation", "chroot", "--storage-driver", "vfs", "-t", "docker.io/library/golang:1.26", stand)

		const src = "localhost/csi-placement:from-source"
		e.run(t, "buildah", "bud", "--isolation", "chroot", "--storage-driver", "vfs", "--pull-never", "--network", "host",
			"--build-arg", "VERSION=v0.0.0-from-source", "-t", src, repo)
		checkImage(t, e, src, "v0.0.0-from-source")
	})

	kpt := tool(t, "kpt", "kpt 1.0 comes with the machine image (package google-cloud-cli-kpt)")
	// normalize lets results of the image and of the exec binary compare:
	// they name the function differently, and kpt keeps the last line break
	// of an exec function's stderr but not of a container's.
	normalize := func(b []byte) []byte {
		b = bytes.ReplaceAll(b, []byte("image: "+image), []byte("exec: csi-placement"))
		return bytes.ReplaceAll(b, []byte("stderr: |-\n"), []byte("stderr: |\n"))
	}

	t.Run("kpt fn eval --image", func(t *testing.T) {
		src := filepath.Join(repo, "examples", "kpt-eval")
		pkg := filepath.Join(t.TempDir(), "kpt-eval")
		copyPackage(t, src, pkg)
		results := t.TempDir()
		args := append([]string{"fn", "eval", pkg, "--results-dir", results, "--image", image, "--image-pull-policy", "never", "--"},
			readKptCase(t, src).evalArgs()...)
		e.run(t, kpt, args...)
		compare(t, filepath.Join(src, ".expected", "results.yaml"), normalize(read(t, filepath.Join(results, "results.yaml"))))
		comparePackage(t, src, pkg)
	})

	t.Run("kpt fn render with an image: Kptfile", func(t *testing.T) {
		src := filepath.Join(repo, "examples", "kpt-render")
		pkg := filepath.Join(t.TempDir(), "kpt-render")
		copyPackage(t, src, pkg)
		kf := filepath.Join(pkg, "Kptfile")
		must(t, os.WriteFile(kf, bytes.Replace(read(t, kf), []byte("exec: csi-placement"), []byte("image: "+image), 1), 0o644))
		results := t.TempDir()
		e.run(t, kpt, "fn", "render", pkg, "--results-dir", results, "--image-pull-policy", "never")
		compare(t, filepath.Join(src, ".expected", "results.yaml"), normalize(read(t, filepath.Join(results, "results.yaml"))))
		must(t, os.WriteFile(kf, read(t, filepath.Join(src, "Kptfile")), 0o644))
		comparePackage(t, src, pkg)
	})

	t.Run("kpt fn eval --image on the harvester manifests, against --exec", func(t *testing.T) {
		src := filepath.Join(repo, "examples", "harvester")
		var outs [2][]byte
		for i, fn := range [][]string{{"--image", image, "--image-pull-policy", "never"}, {"--exec", "csi-placement"}} {
			dir := t.TempDir()
			copyPackage(t, filepath.Join(src, "base"), filepath.Join(dir, "base"))
			copyPackage(t, filepath.Join(src, "nodes"), filepath.Join(dir, "nodes"))
			for _, k := range []string{"base", "nodes"} {
				must(t, os.Remove(filepath.Join(dir, k, "kustomization.yaml")))
			}
			cfg := filepath.Join(t.TempDir(), "placement.yaml")
			must(t, os.WriteFile(cfg, read(t, filepath.Join(repo, "examples", "kustomize-plugin", "placement.yaml")), 0o644))
			e.run(t, kpt, append([]string{"fn", "eval", dir, "--fn-config", cfg}, fn...)...)
			var all bytes.Buffer
			walkPackage(t, dir, func(rel string, b []byte) { all.WriteString("# " + rel + "\n"); all.Write(b) })
			outs[i] = all.Bytes()
		}
		if !bytes.Equal(outs[0], outs[1]) {
			t.Errorf("the image and the binary disagree:\n%s", diff(string(outs[1]), string(outs[0])))
		}
		if !bytes.Contains(outs[0], []byte("replicas: 1")) {
			t.Errorf("the function did not run:\n%s", outs[0])
		}
	})

	t.Run("kustomize container: function", func(t *testing.T) {
		kustomize := tool(t, "kustomize", installKustomize)
		// A copy of the examples, with the harvester transformer as a
		// container function.
		dir := filepath.Join(t.TempDir(), "examples")
		copyPackage(t, filepath.Join(repo, "examples"), dir)
		p := filepath.Join(dir, "harvester", "placement.yaml")
		must(t, os.WriteFile(p, bytes.Replace(read(t, p), []byte("exec:\n        path: ../../bin/csi-placement"), []byte("container:\n        image: "+image), 1), 0o644))
		if !bytes.Contains(read(t, p), []byte("container:")) {
			t.Fatal("placement.yaml was not rewritten")
		}
		out := e.run(t, kustomize, "build", "--enable-alpha-plugins", filepath.Join(dir, "harvester"))
		compare(t, filepath.Join(repo, "examples", "harvester", "expected.yaml"), out)
	})
}

// checkImage checks an image: it runs as 65534:65534, its entrypoint is
// the function, --version matches the build, it has no shell, it holds the
// function and the user database only, and it compresses under 15 MB.
func checkImage(t *testing.T, e *engine, ref, version string) {
	t.Helper()
	if got := strings.TrimSpace(string(e.run(t, "podman", "run", "--rm", ref, "--version"))); got != "csi-placement "+version {
		t.Errorf("--version says %q, want the build's %q", got, version)
	}
	inspect := string(e.run(t, "podman", "image", "inspect", ref, "--format",
		`{{.Config.User}}|{{json .Config.Entrypoint}}|{{index .Config.Labels "org.opencontainers.image.version"}}|{{index .Config.Labels "org.opencontainers.image.licenses"}}`))
	if want := `65534:65534|["/csi-placement"]|` + version + "|Apache-2.0\n"; inspect != want {
		t.Errorf("image config: got %q, want %q", inspect, want)
	}
	if out, err := e.cmd("podman", "run", "--rm", "--entrypoint", "/bin/sh", ref, "-c", "true").CombinedOutput(); err == nil {
		t.Errorf("the image must have no shell, but /bin/sh ran:\n%s", out)
	}

	id := strings.TrimSpace(string(e.run(t, "podman", "create", ref)))
	defer e.cmd("podman", "rm", id).Run()
	var files []string
	tr := tar.NewReader(bytes.NewReader(e.run(t, "podman", "export", id)))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			files = append(files, h.Name)
		}
	}
	slices.Sort(files)
	// podman adds mount points (/etc/hosts, /etc/resolv.conf, ...) to every
	// container: they are not in the image.
	files = slices.DeleteFunc(files, func(f string) bool {
		return slices.Contains([]string{"etc/hostname", "etc/hosts", "etc/resolv.conf", "run/.containerenv"}, f)
	})
	if want := []string{"csi-placement", "etc/group", "etc/passwd"}; !slices.Equal(files, want) {
		t.Errorf("files in the image: %v, want %v", files, want)
	}
	// kpt runs functions as nobody and fails without its entry.
	if out := e.run(t, "podman", "run", "--rm", "--user", "nobody", ref, "--version"); len(out) == 0 {
		t.Error("the image must run as user nobody")
	}

	archive := filepath.Join(t.TempDir(), "image.tar")
	e.run(t, "podman", "save", "--format", "docker-archive", "-o", archive, ref)
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(read(t, archive))
	w.Close()
	t.Logf("%s: %d bytes, %d compressed", ref, len(read(t, archive)), gz.Len())
	if gz.Len() >= 15<<20 {
		t.Errorf("compressed image is %d bytes, must be under 15 MB", gz.Len())
	}
}

// comparePackage checks a package against an example's golden files:
// .expected/<file> where the function changes it, the source elsewhere.
func comparePackage(t *testing.T, src, pkg string) {
	t.Helper()
	walkPackage(t, pkg, func(rel string, got []byte) {
		if want := filepath.Join(src, ".expected", rel); exists(want) {
			compare(t, want, got)
		} else {
			compare(t, filepath.Join(src, rel), got)
		}
	})
}
