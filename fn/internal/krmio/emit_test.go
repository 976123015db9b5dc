package krmio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// emitCorpus is every YAML file the repository and ../shared hold: the
// examples and their golden output, test data, and the upstream manifests
// and chart renders.
func emitCorpus(t testing.TB) [][]byte {
	var out [][]byte
	for _, g := range []string{
		"../../../examples/*/*.yaml", "../../../examples/*/*/*.yaml", "../../../examples/*/*/*/*.yaml",
		"testdata/*/*", "testdata/*/*/*", "../cli/testdata/*.yaml", "../cli/testdata/fuzz/*/*",
		"../../../../shared/fixtures/real/*/*.yaml", "../../../../shared/fixtures/charts/rendered/*.yaml",
	} {
		files, _ := filepath.Glob(g)
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				out = append(out, b)
			}
		}
	}
	return out
}

// TestEmit holds emit to yaml.v3's encoder, byte for byte, on every
// document of the corpus, as it is and without its comments (which emit
// leaves to yaml.v3), as a document and as a ResourceList item, with its
// scalars' styles left to the emitter, with compact and indented
// sequences.
func TestEmit(t *testing.T) {
	var docs, known int
	for _, b := range emitCorpus(t) {
		for _, d := range documents(b) {
			for _, doc := range variants(d) {
				docs++
				for _, compact := range []bool{true, false} {
					if checkEmit(t, doc, compact) {
						known++
					}
				}
			}
		}
	}
	t.Logf("%d documents, %d encodings by emit", docs, known)
	if known < 1000 {
		t.Errorf("emit wrote only %d of %d documents' encodings: the corpus no longer tests it", known, 2*docs)
	}
}

// checkEmit compares emit with yaml.v3 on doc, and reports whether emit
// wrote it.
func checkEmit(t testing.TB, doc *yaml.Node, compact bool) bool {
	t.Helper()
	got, ok := emit(doc, compact, 0)
	if !ok {
		return false
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if compact {
		enc.CompactSeqIndent()
	}
	if err := enc.Encode(doc); err != nil {
		t.Fatalf("yaml.v3 cannot encode what emit wrote:\n%s", got)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatalf("emit (compact %v) differs from yaml.v3:\n--- emit:\n%s\n--- yaml.v3:\n%s", compact, got, b.Bytes())
	}
	return true
}

func documents(b []byte) []*yaml.Node {
	var out []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var d yaml.Node
		if err := dec.Decode(&d); errors.Is(err, io.EOF) || err != nil {
			return out
		}
		out = append(out, &d)
	}
}

// uncommented is a copy of n without comments.
func uncommented(n *yaml.Node) *yaml.Node {
	c := *n
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = uncommented(k)
	}
	return &c
}

// unquoted is a copy of n whose scalars ask for no style, as the nodes
// the rules build do: the emitter then chooses, value by value.
func unquoted(n *yaml.Node) *yaml.Node {
	c := *n
	if c.Kind == yaml.ScalarNode {
		c.Style = 0
	}
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = unquoted(k)
	}
	return &c
}

// variants are the documents emit is held to for each one read.
func variants(d *yaml.Node) []*yaml.Node {
	u := uncommented(d)
	return []*yaml.Node{d, u, asItem(u), unquoted(u)}
}

// asItem is a document's content as the one entry of a sequence, as a
// ResourceList item is decoded.
func asItem(d *yaml.Node) *yaml.Node {
	if len(d.Content) != 1 {
		return d
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.SequenceNode, Content: []*yaml.Node{d.Content[0]}}}}
}

// TestScalarText holds ScalarText to yaml.v3's Marshal on every scalar
// of the corpus and on strings each rule of its choice turns on.
func TestScalarText(t *testing.T) {
	values := []string{"", " ", "a", " a", "a ", "a b", "-", "- a", "-a", "?", "? a", ":", ": a", "a:b", "a: b", "a #b", "a#b", "#a",
		"'", "'a", "a'b", `"`, `a"b`, `a\b`, "---", "---a", "...", "true", "True", "yes", "Yes", "on", "off", "y", "n", "~", "null",
		"1", "01", "0x1F", "0o17", "1e3", "1.5", ".inf", "-.Inf", ".nan", "1:20", "-1:20:30.5", "190:20:30", "2001-12-14", "<<", "=",
		"[a]", "{a}", "a,b", "*a", "&a", "!a", "|", ">", "%a", "@a", "`a", "a]", "a}", "a,"}
	for _, b := range emitCorpus(t) {
		for _, d := range documents(b) {
			var walk func(*yaml.Node)
			walk = func(n *yaml.Node) {
				if n.Kind == yaml.ScalarNode {
					values = append(values, n.Value)
				}
				for _, c := range n.Content {
					walk(c)
				}
			}
			walk(d)
		}
	}
	known := 0
	for _, v := range values {
		if checkScalarText(t, v) {
			known++
		}
	}
	if known < 1000 {
		t.Errorf("ScalarText wrote only %d of %d values: the corpus no longer tests it", known, len(values))
	}
}

func checkScalarText(t testing.TB, v string) bool {
	t.Helper()
	got, ok := ScalarText(v)
	if !ok {
		return false
	}
	b, err := yaml.Marshal(map[string]string{"k": v})
	if err != nil {
		t.Fatal(err)
	}
	if want := string(bytes.TrimSuffix(bytes.TrimPrefix(b, []byte("k: ")), []byte("\n"))); got != want {
		t.Fatalf("ScalarText(%q) = %s, yaml.v3 writes %s", v, got, want)
	}
	return true
}

// FuzzEmit holds emit to yaml.v3's encoder on any document yaml.v3 reads,
// and ScalarText to yaml.v3's Marshal on any string.
func FuzzEmit(f *testing.F) {
	for _, b := range emitCorpus(f) {
		if len(b) < 1<<14 {
			f.Add(b)
		}
	}
	for _, s := range []string{"a: {b: c, d: [e, '', \"f\"]}\n", "- - a\n  - b\n- {}\n- []\n", "k: ' x'\nq: \"a\\\\b\"\n'': x\n? [a]\n: b\n", "a: -\nb: - x\nc: ':'\nd: a:b\ne: '#'\nf: a #b\ng: ---x\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkScalarText(t, string(b))
		for _, d := range documents(b) {
			for _, doc := range variants(d) {
				checkEmit(t, doc, true)
				checkEmit(t, doc, false)
			}
		}
	})
}
