package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
		yamlList := asList(t, stream.String())
		for pname, policy := range policies {
			for form, list := range map[string]string{"yaml": yamlList, "json": asJSON(t, yamlList)} {
				t.Run(filepath.Base(d)+"/"+pname+"/"+form, func(t *testing.T) {
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
					if want, _ := decodeAll([]byte(sOut)); !reflect.DeepEqual(listItems(t, lOut), want) {
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
}

// TestListOfEveryDriver puts every upstream driver's manifests in one
// List, as YAML and as JSON (`kubectl get -o json`), and explains it on
// an inventory: each controller is matched with its own node plugin and
// placed as in the plain stream, although the List holds the others'.
func TestListOfEveryDriver(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..", "shared", "fixtures", "real")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.y*ml"))
	if len(files) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the real manifests must be at %s under CI", root)
		}
		t.Skipf("real manifests not found at %s", root)
	}
	sort.Strings(files)
	var stream bytes.Buffer
	for _, f := range files {
		stream.WriteString(readFile(t, f))
		stream.WriteString("\n---\n")
	}
	nodes := filepath.Join("..", "..", "..", "examples", "node-plugin", "nodes.yaml")
	want, wErr, wCode := run(t, stream.String(), nil, "explain", "--nodes", nodes, "-")
	if !strings.Contains(want, "node plugin") {
		t.Fatalf("the stream's explanation names no node plugin (exit %d):\n%s\n%s", wCode, want, wErr)
	}
	list := asList(t, stream.String())
	for form, in := range map[string]string{"yaml": list, "json": asJSON(t, list)} {
		got, gErr, gCode := run(t, in, nil, "explain", "--nodes", nodes, "-")
		if got != want || gErr != wErr || gCode != wCode {
			t.Errorf("%s List: explain must say what it says of the stream (exit %d, want %d):\n%s\n%s", form, gCode, wCode, got, gErr)
		}
	}
}

// TestListRead covers what a List's text does not show of a member: an
// input decoded whole (a flow document before the List), and a member
// whose spec is an alias of another's.
func TestListRead(t *testing.T) {
	const member = "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: %s, namespace: kube-system}\n  spec:%s\n"
	const spec = "\n    selector: {matchLabels: {app: a}}\n    template:\n      metadata: {labels: {app: a}}\n      spec:\n        containers:\n        - {name: csi-provisioner, image: x}"
	for name, in := range map[string]string{
		"decoded whole": strings.Repeat("# c\n", 30) + "--- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n---\napiVersion: v1\nkind: List\nitems:\n" +
			fmt.Sprintf(member, "a", spec) + "- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n",
		"an alias between members": "apiVersion: v1\nkind: List\nitems:\n" + fmt.Sprintf(member, "a", " &spec"+spec) + fmt.Sprintf(member, "b", " *spec"),
	} {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := run(t, in, nil, "-")
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			for _, d := range []string{"a", "b"} {
				if strings.Contains(in, "name: "+d+",") && !strings.Contains(stderr, "info: Deployment kube-system/"+d+" (-): node affinity: required a control-plane node") {
					t.Errorf("Deployment %s must be placed:\n%s", d, stderr)
				}
			}
			if again, _, code := run(t, out, nil, "-"); code != 0 || again != out {
				t.Errorf("a second run must change nothing (exit %d)", code)
			}
		})
	}
}

// asJSON is a YAML document as JSON.
func asJSON(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
