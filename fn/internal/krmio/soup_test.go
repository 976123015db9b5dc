package krmio

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// soupTokens are YAML's significant characters and a few words, for values
// built at random: byte mutations of real manifests seldom build them.
var soupTokens = []string{
	"[", "]", "{", "}", ",", ", ", ": ", ":", " ", `"`, "'", "#", " #", "a", "b", "it's",
	"&x ", "*x", "!t ", "?", "? ", "-", "- ", "|", ">", `\`, `"a"`, "'b'", "\t", "%", "@",
	"\n      ", "\n    ", "\n  ", "\n", "a \"", "a '", "[a", "{a: ", "a:'", "# \"", "&x", "*", "!",
}

// soupStarts open a value: most in flow, where the lexer follows tokens.
var soupStarts = []string{"", "[", "[", "{", "[a, ", "{a: b, ", "- ", `"`, "'", "|\n      ", "&x "}

// TestLexerOnTokenSoup holds the lexer to yaml.v3 (as the fuzz targets do)
// on values of random tokens, between sibling mappings whose keys repeat,
// where a slip of the lexer shows as a repeated key or a lost entry.
func TestLexerOnTokenSoup(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000 // under the race detector, which this serial test does not need
	}
	soup := func() string {
		var b strings.Builder
		b.WriteString(soupStarts[r.IntN(len(soupStarts))])
		for k := r.IntN(8) + 1; k > 0; k-- {
			b.WriteString(soupTokens[r.IntN(len(soupTokens))])
		}
		return b.String()
	}
	for i := range n {
		v, w := soup(), soup()
		rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" +
			"- kind: ClusterRole\n  apiVersion: rbac.authorization.k8s.io/v1\n  rules:\n" +
			"  - resources: [a]\n    verbs: " + v + "\n  - apiGroups: [\"s\"]\n    resources: ['b']\n" +
			"- kind: ConfigMap\n  apiVersion: v1\n  data:\n    k: " + w + "\n    j: \"x\"\n    l: 'y'\n"
		stream := "kind: ClusterRole\nrules:\n- resources: [a]\n  verbs: " + v + "\n- apiGroups: [\"s\"]\n  resources: ['b']\n" +
			"---\nkind: ConfigMap\ndata:\n  k: " + w + "\n  j: \"x\"\n  l: 'y'\n"
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("values %q and %q", v, w)
				}
			})
			checkSplitResourceList(t, []byte(rl))
			checkSplitStream(t, []byte(stream))
		})
	}
}

// blockTokens build lines of block YAML at random: indentation, entries,
// keys, scalars of every style, properties, markers.
var blockTokens = []string{
	"a", "b", "k", ": ", ":", " ", "- ", "-", `"`, "'", "#", " #", "[", "]", "{", "}", ", ",
	"|", ">", "|-", ">+", "|2", "&x ", "*x", "!t ", "? ", `"a"`, "'b'", "\t", "%", "...", "---",
	"kind", "apiVersion", "v1", "items", "\r", `\`,
}

// TestLexerOnBlockSoup is TestLexerOnTokenSoup for block structure: a few
// random lines under a key of one item, before a key of the same mapping
// and a second item.
func TestLexerOnBlockSoup(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	line := func() string {
		var b strings.Builder
		b.WriteString(strings.Repeat(" ", r.IntN(7)))
		if r.IntN(3) == 0 {
			b.WriteString("- ")
		}
		for k := r.IntN(5) + 1; k > 0; k-- {
			b.WriteString(blockTokens[r.IntN(len(blockTokens))])
		}
		return b.String()
	}
	for i := range n {
		var body strings.Builder
		for k := r.IntN(4) + 1; k > 0; k-- {
			body.WriteString(line() + "\n")
		}
		v := body.String()
		rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" +
			"- kind: ClusterRole\n  apiVersion: v1\n  k:\n  " + strings.ReplaceAll(strings.TrimSuffix(v, "\n"), "\n", "\n  ") +
			"\n  rules:\n  - resources: [\"a\"]\n" +
			"- kind: ConfigMap\n  apiVersion: v1\n  data:\n    j: \"x\"\n    l: 'y'\n"
		stream := "kind: ClusterRole\nk:\n" + v + "rules:\n- resources: [\"a\"]\n---\nkind: ConfigMap\ndata:\n  j: \"x\"\n  l: 'y'\n"
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("lines %q", v)
				}
			})
			checkSplitResourceList(t, []byte(rl))
			checkSplitStream(t, []byte(stream))
		})
	}
}
