package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestMetadata checks fn/metadata.yaml, in the kpt functions catalog's
// format: every field set, and every link pointing into this repository at
// something that exists.
func TestMetadata(t *testing.T) {
	var m struct {
		Image              string   `json:"image"`
		Description        string   `json:"description"`
		Tags               []string `json:"tags"`
		SourceURL          string   `json:"sourceURL"`
		ExamplePackageURLs []string `json:"examplePackageURLs"`
		License            string   `json:"license"`
	}
	if err := yaml.UnmarshalStrict(read(t, filepath.Join(repo, "fn", "metadata.yaml")), &m); err != nil {
		t.Fatal(err)
	}
	if m.Image == "" || m.Description == "" || len(m.Tags) == 0 || m.License != "Apache-2.0" || len(m.ExamplePackageURLs) == 0 {
		t.Errorf("incomplete metadata: %+v", m)
	}
	const tree = "https://github.com/csi-placement/csi-placement/tree/main/"
	for _, u := range append([]string{m.SourceURL}, m.ExamplePackageURLs...) {
		rel, ok := strings.CutPrefix(u, tree)
		if _, err := os.Stat(filepath.Join(repo, rel)); !ok || err != nil {
			t.Errorf("%s does not point at a folder of this repository", u)
		}
	}
}
