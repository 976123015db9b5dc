package krmio

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// tricky holds layouts that a naive line splitter gets wrong: each must split
// into the same items as a full yaml.v3 decode.
var tricky = map[string]string{
	// A quote inside a plain scalar of a flow collection is text: a lexer
	// that took it for an open quoted scalar would skip the next entry and
	// read the keys on both sides of it as one mapping's.
	"quotes inside plain scalars of flow collections": `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- kind: ClusterRole
  apiVersion: rbac.authorization.k8s.io/v1
  rules:
  - resources: [volumeattachments]
    verbs: [get "x, a:'b, it's]
  - resources: [nodes]
    verbs: [list, {a:"b: c},
      watch "y, a, #b's
      "z", 'w' ]
  - resources: [pods]
    verbs: [watch 'q]
  - resources: [pods/status]
`,
	"compact": `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
- kind: Secret
  apiVersion: v1
functionConfig:
  kind: ConfigMap
`,
	"wide, comments between items, results to drop": `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
  # first
  - apiVersion: v1
    kind: "ConfigMap"
    data:
      script: |
        - not an item
      key: value
# a comment at column 0

  - apiVersion: 'v1'
    kind: Service # trailing
results:
- message: old
functionConfig: {}
`,
	"block scalar with less indented blank lines and dashes": `kind: ResourceList
items:
- kind: ConfigMap
  data:
    a: |-
      line

      - b: c
    b: >
      folded
      kind: Fake
- kind: Other
`,
	"multi-line quoted and flow scalars": `kind: ResourceList
items:
- kind: ConfigMap
  data:
    a: "first line
- not an item
      kind: Fake"
    b: 'it''s
  kind: Fake'
    c: [a, "b,
      ]", {x: y,
  z: w}]
- kind: Other
`,
	"plain multi-line scalar": `kind: ResourceList
items:
- kind: ConfigMap
  data:
    a: first
      - not a sequence
- kind: Other
`,
	"dash alone": `kind: ResourceList
items:
-
  kind: A
- # a comment
  kind: B
- kind: C
`,
	"empty items": `kind: ResourceList
items: []
functionConfig:
  data: {a: b}
`,
	"leading document marker and crlf": "---\r\nkind: ResourceList\r\nitems:\r\n- kind: A\r\n  b: c\r\n- kind: B\r\n",
}

func TestSplitMatchesDecode(t *testing.T) {
	for name, in := range tricky {
		t.Run(name, func(t *testing.T) {
			fast, err := splitResourceList([]byte(in))
			if err != nil {
				t.Fatalf("lexer refused: %v", err)
			}
			full, err := DecodeResourceList([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			compareItems(t, fast.Items, full.Items)
			var out bytes.Buffer
			if err := fast.Write(&out, nil); err != nil {
				t.Fatal(err)
			}
			want := in
			if i := strings.Index(in, "results:\n"); i >= 0 {
				want = in[:i] + in[strings.Index(in, "functionConfig"):]
			}
			if out.String() != want {
				t.Errorf("unchanged list must be copied through:\n got %q\nwant %q", out.String(), want)
			}
		})
	}
}

func compareItems(t *testing.T, got, want []*Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d items, want %d", len(got), len(want))
	}
	for i := range got {
		gn, gerr := got[i].Node()
		wn, werr := want[i].Node()
		if (gerr != nil) != (werr != nil) {
			t.Fatalf("item %d: decode errors differ: %v vs %v", i, gerr, werr)
		}
		if gerr != nil {
			continue
		}
		if g, w := plain(t, gn), plain(t, wn); g != w {
			t.Errorf("item %d differs:\n%s\nvs\n%s", i, g, w)
		}
		if got[i].Kind() != want[i].Kind() || got[i].APIVersion() != want[i].APIVersion() {
			t.Errorf("item %d: probed %s %s, decoded %s %s", i, got[i].APIVersion(), got[i].Kind(), want[i].APIVersion(), want[i].Kind())
		}
	}
}

// plain encodes a node without comments, to compare content only.
func plain(t *testing.T, n *yaml.Node) string {
	t.Helper()
	var v any
	if err := n.Decode(&v); err != nil {
		t.Fatal(err)
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLexerRefusesWhatItCannotSplit(t *testing.T) {
	for name, in := range map[string]string{
		"flow list":       `{"kind": "ResourceList", "items": [{"kind": "A"}]}`,
		"tab indentation": "kind: ResourceList\nitems:\n-\tkind: A\n\t  b: c\n",
		"complex key":     "kind: ResourceList\nitems:\n- ? a\n  : b\n",
		"two documents":   "kind: ResourceList\nitems: []\n---\nkind: Other\n",
	} {
		if _, err := splitResourceList([]byte(in)); err == nil {
			t.Errorf("%s: the lexer must hand this to the full decoder", name)
		}
		if _, err := ParseResourceList([]byte(in)); err != nil && name != "tab indentation" && name != "two documents" {
			t.Errorf("%s: full decode failed: %v", name, err)
		}
	}
}

func TestChangedItemKeepsLayout(t *testing.T) {
	in := `kind: ResourceList
items:
  - apiVersion: apps/v1
    kind: Deployment
    spec:
      replicas: 3 # three
      template:
        spec:
          containers:
            - name: a
  - kind: Other
`
	rl, err := ParseResourceList([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	n, err := rl.Items[0].Node()
	if err != nil {
		t.Fatal(err)
	}
	n.Content[5].Content[1].Value = "1"
	rl.Items[0].MarkChanged()
	var out bytes.Buffer
	if err := rl.Write(&out, []byte("results: []\n")); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, "replicas: 3", "replicas: 1", 1) + "results: []\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestRealManifests splits every upstream manifest, as a stream and wrapped
// in a ResourceList, and checks the items against a full decode, and that
// unchanged output is the input byte for byte.
func TestRealManifests(t *testing.T) {
	files := realFixtures(t)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			s, err := ParseStream(data, f, 0)
			if err != nil {
				t.Fatal(err)
			}
			full, err := decodeStream(data, f, 0)
			if err != nil {
				t.Fatal(err)
			}
			compareItems(t, s.Items, full.Items)
			var out bytes.Buffer
			if err := s.Write(&out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Errorf("unchanged stream must be copied through byte for byte")
			}

			// The same items as a ResourceList, as kpt and kustomize write it.
			var rl bytes.Buffer
			err = kio.Pipeline{
				Inputs:  []kio.Reader{&kio.ByteReader{Reader: bytes.NewReader(data)}},
				Outputs: []kio.Writer{kio.ByteWriter{Writer: &rl, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}},
			}.Execute()
			if err != nil {
				t.Fatal(err)
			}
			fullRL, err := DecodeResourceList(rl.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			fast, err := splitResourceList(rl.Bytes())
			if err != nil {
				t.Fatalf("lexer refused a kpt-style list: %v", err)
			}
			compareItems(t, fast.Items, fullRL.Items)
		})
	}
}

// realFixtures lists the upstream manifests in ../shared; it skips when they
// are absent, except under CI, where they are required.
func realFixtures(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "..", "shared", "fixtures", "real")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.y*ml"))
	var out []string
	for _, f := range files {
		if !strings.Contains(f, "harvester-chart-templates") { // Helm templates, not YAML
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the real manifests must be at %s under CI", dir)
		}
		t.Skipf("real manifests not found at %s", dir)
	}
	return out
}

func TestInsertAfter(t *testing.T) {
	obj := func() *yaml.Node {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte("apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  selector:\n    matchLabels: {app: a}\n"), &n); err != nil {
			t.Fatal(err)
		}
		return n.Content[0]
	}
	rl, err := ParseResourceList([]byte("kind: ResourceList\nitems:\n  - kind: A\n  - kind: B\nfunctionConfig: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rl.Items[0].InsertAfter(obj()); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rl.Write(&out, nil); err != nil {
		t.Fatal(err)
	}
	want := "kind: ResourceList\nitems:\n  - kind: A\n  - apiVersion: policy/v1\n    kind: PodDisruptionBudget\n    spec:\n      selector:\n        matchLabels: {app: a}\n  - kind: B\nfunctionConfig: {}\n"
	if out.String() != want || len(rl.Items) != 3 {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}

	s, err := ParseStream([]byte("# a\nkind: A\n# after a\n---\nkind: B"), "f.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range []*Item{s.Items[1], s.Items[0]} {
		if _, err := it.InsertAfter(obj()); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	if err := s.Write(&out); err != nil {
		t.Fatal(err)
	}
	pdb := "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  selector:\n    matchLabels: {app: a}\n"
	want = "# a\nkind: A\n---\n" + pdb + "# after a\n---\nkind: B\n---\n" + pdb
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}
