package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestListsReadAsTheirItems wraps every upstream driver's manifests in one
// v1 List, as `kubectl get -o yaml` prints them, and runs each policy on
// the List and on the plain stream: the List's items come out as the
// stream's documents do (the controller placed, the node plugin given its
// tolerations, the new PodDisruptionBudget right after its workload), with
// the same results, in Enforce and in Audit mode; a second run on the List
// changes nothing.
func TestListsReadAsTheirItems(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..", "shared", "fixtures", "real")
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	if len(dirs) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the real manifests must be at %s under CI", root)
		}
		t.Skipf("real manifests not found at %s", root)
	}
	policies := map[string]string{
		"default": "",
		"ha":      "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  replicas: 2\n  podDisruptionBudget: {minAvailable: 1}\n",
		"audit":   "apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nspec:\n  mode: Audit\n",
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		var stream bytes.Buffer
		files, _ := filepath.Glob(filepath.Join(d, "*.y*ml"))
		sort.Strings(files)
		for _, f := range files {
			stream.WriteString(readFile(t, f))
			stream.WriteString("\n---\n")
		}
		list := asList(t, stream.String())
		for pname, policy := range policies {
			t.Run(filepath.Base(d)+"/"+pname, func(t *testing.T) {
				var args []string
				if policy != "" {
					cfg := filepath.Join(t.TempDir(), "policy.yaml")
					if err := os.WriteFile(cfg, []byte(policy), 0o600); err != nil {
						t.Fatal(err)
					}
					args = []string{"--config", cfg}
				}
				args = append(args, "-")
				sOut, sErr, sCode := run(t, stream.String(), nil, args...)
				lOut, lErr, lCode := run(t, list, nil, args...)
				if lCode != sCode || lErr != sErr {
					t.Fatalf("the List must get the stream's results:\nList (exit %d):\n%s\nstream (exit %d):\n%s", lCode, lErr, sCode, sErr)
				}
				if sCode != 0 {
					return
				}
				if got, want := listItems(t, lOut), docs(t, sOut); !reflect.DeepEqual(got, want) {
					t.Errorf("the List's items must be the stream's documents:\n%s", lOut)
				}
				if pname == "audit" && lOut != list {
					t.Errorf("Audit mode must change nothing:\n%s", lOut)
				}
				if again, _, code := run(t, lOut, nil, args...); code != 0 || again != lOut {
					t.Errorf("a second run must change nothing (exit %d)", code)
				}
			})
		}
	}
}

// asList writes a stream's resources as the items of a v1 List, in
// kubectl's key order.
func asList(t *testing.T, stream string) string {
	t.Helper()
	items := &yaml.Node{Kind: yaml.SequenceNode}
	dec := yaml.NewDecoder(strings.NewReader(stream))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
			items.Content = append(items.Content, doc.Content[0])
		}
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	l := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("apiVersion"), str("v1"), str("items"), items, str("kind"), str("List"),
		str("metadata"), {Kind: yaml.MappingNode, Content: []*yaml.Node{str("resourceVersion"), {Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: ""}}},
	}}
	b, err := yaml.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docs are a stream's resources as data.
func docs(t *testing.T, stream string) []any {
	t.Helper()
	var out []any
	dec := yaml.NewDecoder(strings.NewReader(stream))
	for {
		var v any
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		if v != nil {
			out = append(out, v)
		}
	}
}

// listItems are a List's items as data.
func listItems(t *testing.T, list string) []any {
	t.Helper()
	var l struct {
		Kind  string `yaml:"kind"`
		Items []any  `yaml:"items"`
	}
	if err := yaml.Unmarshal([]byte(list), &l); err != nil || l.Kind != "List" {
		t.Fatalf("not a List (%v):\n%s", err, list)
	}
	return l.Items
}
