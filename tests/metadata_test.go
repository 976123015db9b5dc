package tests

import (
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestMetadata checks fn/metadata.yaml, in the kpt functions catalog's
// format: every field the catalog's listed functions have, set; every link
// pointing into this repository at something that exists; and the example
// packages exactly the kpt packages under examples/, as the catalog links
// only packages kpt can get and render. hidden is only for functions kept
// off the catalog's list (its test functions), so it must not be true.
func TestMetadata(t *testing.T) {
	var m struct {
		Image              string   `json:"image"`
		Description        string   `json:"description"`
		Hidden             bool     `json:"hidden"`
		Tags               []string `json:"tags"`
		SourceURL          string   `json:"sourceURL"`
		ExamplePackageURLs []string `json:"examplePackageURLs"`
		Emails             []string `json:"emails"`
		License            string   `json:"license"`
	}
	if err := yaml.UnmarshalStrict(read(t, filepath.Join(repo, "fn", "metadata.yaml")), &m); err != nil {
		t.Fatal(err)
	}
	if m.Image == "" || strings.ContainsAny(m.Image, ":@") || m.Description == "" || m.Hidden || len(m.Tags) == 0 || m.License != "Apache-2.0" || len(m.Emails) == 0 {
		t.Errorf("incomplete metadata (image without tag or digest, description, tags, emails, license Apache-2.0, not hidden): %+v", m)
	}
	for _, e := range m.Emails {
		if _, err := mail.ParseAddress(e); err != nil {
			t.Errorf("emails: %q: %v", e, err)
		}
	}
	const tree = "https://github.com/csi-placement/csi-placement/tree/main/"
	for _, u := range append([]string{m.SourceURL}, m.ExamplePackageURLs...) {
		rel, ok := strings.CutPrefix(u, tree)
		if _, err := os.Stat(filepath.Join(repo, rel)); !ok || err != nil {
			t.Errorf("%s does not point at a folder of this repository", u)
		}
	}
	var kpt []string
	for _, e := range examples(t) {
		if e.kpt {
			kpt = append(kpt, tree+"examples/"+filepath.ToSlash(e.name))
		}
	}
	got := slices.Sorted(slices.Values(m.ExamplePackageURLs))
	if !slices.Equal(got, kpt) {
		t.Errorf("examplePackageURLs must list the kpt packages under examples/, and only them:\n got %v\nwant %v", got, kpt)
	}
	// An eval case with an image names the image the catalog lists.
	for _, e := range examples(t) {
		if !e.kpt {
			continue
		}
		if c := readKptCase(t, e.dir); c.Image != "" && c.Image != m.Image {
			t.Errorf("%s/.expected/config.yaml: image %q, want metadata.yaml's %q", e.name, c.Image, m.Image)
		}
	}
}
