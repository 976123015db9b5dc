package krmio

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The fuzz targets hold the lexer against a full yaml.v3 decode:
//
//   - when both read an input, they read the same items, with the same kinds
//     and apiVersions and the same content, in the same order, and the
//     lexer's output is the input (less a ResourceList's results) byte for
//     byte;
//   - an input yaml.v3 reads, the lexer reads or hands to the decode: it
//     never refuses it;
//   - an input yaml.v3 refuses, the lexer refuses too, or passes it through
//     unchanged: the lexer checks what it relies on (document markers,
//     directives, the items sequence, keys and their repeats in block
//     mappings, kind and apiVersion, aliases across items), and leaves the
//     rest of an item it does not decode as it is; decoding such an item is
//     an error naming it;
//   - every error names its source.
//
// The seeds are in testdata/fuzz; the real manifests in ../shared are added
// when they are there.

func FuzzSplitResourceList(f *testing.F) {
	for _, in := range tricky {
		f.Add([]byte(in))
	}
	for _, c := range battery {
		if c.mode == "rl" {
			f.Add([]byte(c.in))
		}
	}
	for _, rl := range realLists(f) {
		f.Add(rl)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		skipLarge(t, data)
		checkSplitResourceList(t, data)
	})
}

// checkSplitResourceList holds the lexer's reading of a ResourceList to
// yaml.v3's.
func checkSplitResourceList(t *testing.T, data []byte) {
	t.Helper()
	fast, ferr := splitResourceList(data)
	full, derr := DecodeResourceList(data)
	if rl, err := ParseResourceList(data); err != nil {
		if !strings.HasPrefix(err.Error(), rlSource+": ") {
			t.Fatalf("error must name the source: %v", err)
		}
	} else if derr == nil && len(rl.Items) != len(full.Items) {
		t.Fatalf("ParseResourceList read %d items, yaml.v3 %d", len(rl.Items), len(full.Items))
	}
	if judged(t, ferr, derr) {
		return
	}
	var out bytes.Buffer
	if err := fast.Write(&out, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("results")) && !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("unchanged output must be the input:\n got %q\nwant %q", out.Bytes(), data)
	}
	if derr != nil {
		return // passed through unchanged
	}
	sameItems(t, fast.Items, full.Items)
	if fast.Kind != full.Kind || fast.APIVersion != full.APIVersion {
		t.Fatalf("ResourceList: lexer %q %q, yaml.v3 %q %q", fast.APIVersion, fast.Kind, full.APIVersion, full.Kind)
	}
}

func FuzzSplitStream(f *testing.F) {
	for _, in := range tricky {
		f.Add([]byte(in))
	}
	for _, c := range battery {
		if c.mode == "stream" {
			f.Add([]byte(c.in))
		}
	}
	for _, file := range realFiles(f) {
		f.Add(file)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		skipLarge(t, data)
		checkSplitStream(t, data)
	})
}

// checkSplitStream holds the lexer's reading of a stream to yaml.v3's.
func checkSplitStream(t *testing.T, data []byte) {
	t.Helper()
	fast, ferr := splitStream(data, "f.yaml", 0)
	full, derr := decodeStream(data, "f.yaml", 0)
	if _, err := ParseStream(data, "f.yaml", 0); err != nil && !strings.HasPrefix(err.Error(), "f.yaml: ") {
		t.Fatalf("error must name the source: %v", err)
	}
	if judged(t, ferr, derr) {
		return
	}
	var out bytes.Buffer
	if err := fast.Write(&out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("unchanged output must be the input:\n got %q\nwant %q", out.Bytes(), data)
	}
	if derr != nil {
		return
	}
	sameItems(t, fast.Items, full.Items)
}

// judged reports whether the lexer's answer ends a check: it handed the
// input to the full decode (which the product then reads it with), or
// refused it as yaml.v3 does. Refusing what yaml.v3 reads fails the test.
func judged(t *testing.T, ferr, derr error) bool {
	t.Helper()
	switch {
	case errors.Is(ferr, errLayout):
		return true
	case ferr != nil && derr == nil:
		t.Fatalf("the lexer refused what yaml.v3 reads: %v", ferr)
	}
	return ferr != nil
}

// skipLarge skips inputs over 64 KB while fuzzing: the real manifests are
// seeds, checked whole by plain go test, but mutating them is slow, and
// the small seeds hold their shapes.
func skipLarge(t *testing.T, data []byte) {
	if fz := flag.Lookup("test.fuzz"); len(data) > 64<<10 && fz != nil && fz.Value.String() != "" {
		t.Skip("large input")
	}
}

// sameItems checks the lexer's items against yaml.v3's.
func sameItems(t *testing.T, got, want []*Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("the lexer read %d items, yaml.v3 %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Kind() != want[i].Kind() || got[i].APIVersion() != want[i].APIVersion() {
			t.Fatalf("item %d: lexer %q %q, yaml.v3 %q %q", i, got[i].APIVersion(), got[i].Kind(), want[i].APIVersion(), want[i].Kind())
		}
		gn, err := got[i].Node()
		if err != nil {
			t.Fatalf("item %d: yaml.v3 reads the whole input, the item alone fails: %v", i, err)
		}
		wn, _ := want[i].Node()
		budget := 1 << 16
		if !sameNode(gn, wn, &budget) {
			t.Fatalf("item %d differs:\n%s\nvs\n%s", i, got[i].Raw(), want[i].Raw())
		}
	}
}

// sameNode compares content: kinds, tags, values, following aliases, up
// to budget nodes (aliases can make a small tree a huge one).
func sameNode(a, b *yaml.Node, budget *int) bool {
	if *budget--; *budget < 0 {
		return true
	}
	a, b = resolve(a), resolve(b)
	if a.Kind != b.Kind || a.ShortTag() != b.ShortTag() || a.Kind == yaml.ScalarNode && a.Value != b.Value || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !sameNode(a.Content[i], b.Content[i], budget) {
			return false
		}
	}
	return true
}

// realFiles reads the real manifests when they are there.
func realFiles(f *testing.F) [][]byte {
	var out [][]byte
	for _, p := range realPaths() {
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b)
		}
	}
	if len(out) == 0 && os.Getenv("CI") != "" {
		f.Fatal("the real manifests must be in ../shared/fixtures under CI")
	}
	return out
}

// realLists are the real manifests as ResourceLists, each item indented
// under `items`, as kpt writes them.
func realLists(f *testing.F) [][]byte {
	var out [][]byte
	for _, b := range realFiles(f) {
		s, err := ParseStream(b, "", 0)
		if err != nil {
			continue
		}
		var rl bytes.Buffer
		rl.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
		for _, it := range s.Items {
			rl.Write(indentLines(append([]byte("- "), bytes.ReplaceAll(bytes.TrimRight(it.Raw(), "\n"), []byte("\n"), []byte("\n  "))...), 2))
		}
		out = append(out, rl.Bytes())
	}
	return out
}

// realPaths lists the real manifests and rendered charts in ../shared,
// read in place.
func realPaths() []string {
	root := filepath.Join("..", "..", "..", "..", "shared", "fixtures")
	a, _ := filepath.Glob(filepath.Join(root, "real", "*", "*.y*ml"))
	b, _ := filepath.Glob(filepath.Join(root, "charts", "rendered", "*.y*ml"))
	var out []string
	for _, p := range append(a, b...) {
		if !strings.Contains(p, "harvester-chart-templates") { // Helm templates, not YAML
			out = append(out, p)
		}
	}
	return out
}
