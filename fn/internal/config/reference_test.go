package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"sigs.k8s.io/yaml"
)

// TestFunctionConfigReference holds fn/README.md's FunctionConfig to what
// the function accepts: the PlacementPolicy sample is a valid config (so
// it names no field the function does not know), it sets every field the
// function knows, found by asking the function (its errors list the known
// fields of each object), and the ConfigMap table lists exactly the keys
// the function knows.
func TestFunctionConfigReference(t *testing.T) {
	readme := string(read(t, filepath.Join("..", "..", "README.md")))
	_, rest, ok := strings.Cut(readme, "#### PlacementPolicy")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	sample, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("fn/README.md must have a PlacementPolicy section with a yaml sample")
	}
	if _, err := config.Parse([]byte(sample)); err != nil {
		t.Errorf("fn/README.md's PlacementPolicy sample must be a valid config: %v", err)
	}
	// A field that cannot be set beside another is shown commented out.
	var doc map[string]any
	if err := yaml.Unmarshal(regexp.MustCompile(`(?m)^(\s*)# (\w+:)`).ReplaceAll([]byte(sample), []byte("$1$2")), &doc); err != nil {
		t.Fatal(err)
	}
	leaves := knownLeaves(t, nil)
	if len(leaves) < 20 {
		t.Fatalf("probing the config found only %v", leaves)
	}
	t.Logf("%d fields", len(leaves))
	for _, l := range leaves {
		if !documented(doc["spec"], l) {
			t.Errorf("fn/README.md's PlacementPolicy sample lacks %s", pathString(l))
		}
	}

	// The ConfigMap keys: the first column of the table, against the
	// function's list of known keys.
	_, err := config.Parse([]byte("apiVersion: v1\nkind: ConfigMap\ndata: {zzz-unknown: x}\n"))
	m := regexp.MustCompile(`known keys: ([^)]*)\)`).FindStringSubmatch(fmt.Sprint(err))
	if m == nil {
		t.Fatalf("an unknown ConfigMap key must be an error listing the known keys, got %v", err)
	}
	known := strings.Split(m[1], ", ")
	_, table, _ := strings.Cut(readme, "#### ConfigMap")
	var listed []string
	for _, line := range strings.Split(table, "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 2 && strings.HasPrefix(line, "| `") {
			for _, k := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(cells[1], -1) {
				listed = append(listed, k[1])
			}
		}
	}
	slices.Sort(known)
	slices.Sort(listed)
	if !slices.Equal(known, listed) {
		t.Errorf("fn/README.md's ConfigMap table must list the known keys:\n got %v\nwant %v", listed, known)
	}
}

// knownLeaves lists the fields under spec.<path> that hold no object the
// function knows the fields of: the leaves of the config's tree. "[0]" in
// a path is a list's item.
func knownLeaves(t *testing.T, path []string) [][]string {
	t.Helper()
	fields, ok := knownFields(t, path)
	if !ok {
		if list := slices.Concat(path, []string{"[0]"}); len(path) > 0 && isList(t, path) {
			if _, ok := knownFields(t, list); ok {
				return knownLeaves(t, list)
			}
		}
		return [][]string{path}
	}
	var out [][]string
	for _, f := range fields {
		out = append(out, knownLeaves(t, slices.Concat(path, []string{f}))...)
	}
	return out
}

// knownFields puts an unknown field at spec.<path> and reads the known
// fields the function's error lists there.
func knownFields(t *testing.T, path []string) ([]string, bool) {
	t.Helper()
	err := parseWith(t, slices.Concat(path, []string{"zzzUnknown"}), 1)
	m := regexp.MustCompile(regexp.QuoteMeta("`"+pathString(path)+".zzzUnknown` is not a known field") + `[^(]*\(known fields: ([^)]*)\)`).FindStringSubmatch(fmt.Sprint(err))
	if m == nil {
		return nil, false
	}
	return strings.Split(m[1], ", "), true
}

func isList(t *testing.T, path []string) bool {
	t.Helper()
	return strings.Contains(fmt.Sprint(parseWith(t, path, map[string]any{"zzzUnknown": 1})), "`"+pathString(path)+"` must be a list")
}

// parseWith parses a PlacementPolicy with v at spec.<path>.
func parseWith(t *testing.T, path []string, v any) error {
	t.Helper()
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == "[0]" {
			v = []any{v}
		} else {
			v = map[string]any{path[i]: v}
		}
	}
	b, err := yaml.Marshal(map[string]any{"apiVersion": config.APIVersion, "kind": config.Kind, "metadata": map[string]any{"name": "p"}, "spec": v})
	if err != nil {
		t.Fatal(err)
	}
	_, err = config.Parse(b)
	return err
}

func pathString(path []string) string {
	s := "spec"
	for _, p := range path {
		if p == "[0]" {
			s += p
		} else {
			s += "." + p
		}
	}
	return s
}

// documented reports whether the sample sets the field at path; an empty
// list there stands for its items (`extra: []`, core/v1 Tolerations).
func documented(v any, path []string) bool {
	for _, p := range path {
		switch n := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = n[p]; !ok {
				return false
			}
		case []any:
			if len(n) == 0 {
				return true
			}
			v = n[0]
		default:
			return false
		}
	}
	return true
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
