package krmio

import (
	"bytes"
	"strings"
	"testing"
)

// battery holds bad and tricky ResourceLists ("rl") and streams ("stream",
// read as the file f.yaml). Each is read, as yaml.v3 reads it, or refused
// with an error naming the source, what and where. kinds lists the items'
// kinds when it is read: every item is kept, in order.
var battery = []struct {
	name, mode, in string
	err            string // a part of the error; "" when it is read
	kinds          string
}{
	// One `items`, one document.
	{"two items keys", "rl", "kind: ResourceList\nitems:\n- kind: A\nfunctionConfig: {}\nitems:\n- kind: B\n", "stdin ResourceList: ResourceList must have one `items` key, found a second at line 5", ""},
	{"two items keys, flow", "rl", "kind: ResourceList\nitems: []\nitems: [{kind: B}]\n", "ResourceList must have one `items` key, found a second at line 3", ""},
	{"two kind keys", "rl", "kind: ResourceList\nkind: List\nitems: []\n", "ResourceList must have one `kind` key, found a second at line 2", ""},
	{"items is a mapping", "rl", "kind: ResourceList\nitems:\n  kind: A\n  metadata: {name: a}\n", "`items` must be a sequence, got a mapping at line 3", ""},
	{"items is a number", "rl", "kind: ResourceList\nitems: 5\n", "`items` must be a sequence, got the scalar \"5\" at line 2", ""},
	{"items is a string", "rl", "kind: ResourceList\nitems: \"- kind: A\"\n", "`items` must be a sequence, got the scalar \"- kind: A\" at line 2", ""},
	{"items is null", "rl", "kind: ResourceList\nitems:\nfunctionConfig: {}\n", "", ""},
	{"items is ~", "rl", "kind: ResourceList\nitems: ~\n", "", ""},
	{"a second document", "rl", "kind: ResourceList\nitems:\n- kind: A\n---\n- kind: B\n", "a ResourceList is one YAML document: a second document at line 4 must not follow", ""},
	{"functionConfig in a second document", "rl", "kind: ResourceList\nitems:\n- kind: A\n---\nfunctionConfig: {}\n", "a second document at line 4 must not follow", ""},
	{"an empty second document", "rl", "kind: ResourceList\nitems:\n- kind: A\n---\n", "a second document at line 4 must not follow", ""},
	{"content after the end marker", "rl", "kind: ResourceList\nitems:\n- kind: A\n...\n- kind: B\n", "a ResourceList is one YAML document, and after it: line 4: did not find expected <document start>", ""},
	{"end marker and comments", "rl", "kind: ResourceList\nitems:\n- kind: A\n- kind: B\n... # end\n# done\n", "", "A,B"},
	{"leading marker and directive", "rl", "%YAML 1.1\n---\nkind: ResourceList\nitems:\n- kind: A\n", "", "A"},
	{"YAML 1.2 directive", "rl", "%YAML 1.2\n---\nkind: ResourceList\nitems: []\n", "found incompatible YAML document", ""},
	{"concatenated JSON", "rl", `{"kind":"ResourceList","items":[{"kind":"A"}]}{"kind":"ResourceList","items":[{"kind":"B"}]}`, "a ResourceList is one YAML document, and after it: did not find expected <document start>", ""},
	{"JSON", "rl", `{"kind":"ResourceList","items":[{"kind":"A","apiVersion":"v1"},{"kind":"B"}],"functionConfig":{"kind":"C"}}`, "", "A,B"},
	{"empty input", "rl", "", "stdin ResourceList: must be a ResourceList, found no YAML document", ""},
	{"a byte order mark only", "rl", "\ufeff", "found no YAML document", ""},
	{"comments only", "rl", "# nothing\n", "found no YAML document", ""},
	{"a byte order mark", "rl", "\ufeffkind: ResourceList\nitems:\n- kind: A\n", "", "A"},
	{"a sequence", "rl", "- kind: A\n", "a ResourceList must be a mapping, got a sequence at line 1", ""},

	// Aliases.
	{"alias across items", "rl", "kind: ResourceList\nitems:\n- &sa {apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}\n- *sa\n", "", "ServiceAccount,ServiceAccount"},
	{"merge key across items", "rl", "kind: ResourceList\nitems:\n- &base\n  apiVersion: v1\n  kind: ConfigMap\n- <<: *base\n  metadata: {name: b}\n", "", "ConfigMap,ConfigMap"},
	{"kind by alias", "rl", "kind: ResourceList\nitems:\n- kind: &k Secret\n- kind: *k\n", "", "Secret,Secret"},
	{"alias inside an item", "rl", "kind: ResourceList\nitems:\n- kind: A\n  a: &x 1\n  b: *x\n- kind: B\n", "", "A,B"},
	{"alias into functionConfig", "rl", "kind: ResourceList\nitems:\n- kind: A\n  data: &d {a: b}\nfunctionConfig:\n  data: *d\n", "", "A"},
	{"unknown anchor", "rl", "kind: ResourceList\nitems:\n- kind: A\n  a: *nowhere\n", "stdin ResourceList: line 4: unknown anchor 'nowhere' referenced", ""},

	// Repeated keys.
	{"repeated key in an item", "rl", "kind: ResourceList\nitems:\n- kind: A\n- kind: B\n  metadata: {}\n  kind: C\n", "stdin ResourceList: item 1 at line 4: mapping key \"kind\" must not repeat: defined at line 4 and again at line 6", ""},
	{"repeated nested key", "rl", "kind: ResourceList\nitems:\n- kind: A\n  metadata:\n    name: a\n    labels: {}\n    name: b\n", "item 0 at line 3: mapping key \"name\" must not repeat: defined at line 5 and again at line 7", ""},
	{"repeated key, quoted", "rl", "kind: ResourceList\nitems:\n- kind: A\n  data:\n    'a': 1\n    \"a\": 2\n", "item 0 at line 3: mapping key \"a\" must not repeat: defined at line 5 and again at line 6", ""},
	{"repeated key in a flow mapping", "rl", "kind: ResourceList\nitems:\n- kind: A\n  data: {a: 1, a: 2}\n", "item 0 at line 3: mapping key \"a\" must not repeat: defined at line 4 and again at line 4", ""},
	{"repeated key in functionConfig", "rl", "kind: ResourceList\nitems: []\nfunctionConfig:\n  data:\n    a: 1\n    a: 2\n", "stdin ResourceList: in `functionConfig`: mapping key \"a\" must not repeat: defined at line 5 and again at line 6", ""},
	{"same key in sibling mappings", "rl", "kind: ResourceList\nitems:\n- kind: A\n  a:\n    x: 1\n  b:\n    x: 1\n- kind: A\n", "", "A,A"},

	// Items that are not resources.
	{"a scalar item", "rl", "kind: ResourceList\nitems:\n- kind: A\n- 5\n", "stdin ResourceList: item 1 at line 4: must be a mapping (a resource), got the scalar \"5\"", ""},
	{"a sequence item", "rl", "kind: ResourceList\nitems:\n- - kind: A\n", "item 0 at line 3: must be a mapping (a resource), got a sequence", ""},
	{"a null item", "rl", "kind: ResourceList\nitems:\n-\n- kind: B\n", "item 0 at line 3: must be a mapping (a resource), got null", ""},

	// Values the lexer cannot read off one line.
	{"kind on the next line", "rl", "kind: ResourceList\nitems:\n- apiVersion: apps/v1\n  kind:\n     Deployment\n", "", "Deployment"},
	{"kind on the next line, a number", "rl", "kind: ResourceList\nitems:\n- kind:\n   0\n", "", "0"},
	{"kind as a multi-line plain scalar", "rl", "kind: ResourceList\nitems:\n- kind: Config\n\n    Map\n", "", "Config\nMap"},
	{"kind with an escape", "rl", "kind: ResourceList\nitems:\n- kind: \"Config\\u004dap\"\n", "", "ConfigMap"},
	{"kind single-quoted", "rl", "kind: ResourceList\nitems:\n- kind: 'it''s'\n", "", "it's"},
	{"kind as a block scalar", "rl", "kind: ResourceList\nitems:\n- kind: >-\n    Secret\n", "", "Secret"},
	{"flow item", "rl", "kind: ResourceList\nitems:\n- {kind: A, apiVersion: v1}\n- kind: B\n", "", "A,B"},
	{"ResourceList kind on the next line", "rl", "kind:\n  ResourceList\nitems:\n- kind: A\n", "", "A"},

	// Layouts.
	{"tab indentation", "rl", "kind: ResourceList\nitems:\n-\tkind: A\n\t  b: c\n", "stdin ResourceList: line 3: found character that cannot start any token", ""},
	{"lone CR line breaks", "rl", "kind: ResourceList\ritems:\r- kind: A\r- kind: B\r", "", "A,B"},
	{"CRLF", "rl", "kind: ResourceList\r\nitems:\r\n- kind: A\r\n", "", "A"},
	{"unterminated quote", "rl", "kind: ResourceList\nitems:\n- kind: A\n  a: \"open\n", "stdin ResourceList: line 4: found unexpected end of stream", ""},
	{"complex key", "rl", "kind: ResourceList\nitems:\n- ? kind\n  : A\n", "", "A"},
	{"wide items, indented less later", "rl", "kind: ResourceList\nitems:\n  - kind: A\n - kind: B\n", "stdin ResourceList: line 3: did not find expected key", ""},

	// Streams.
	{"stream: YAML 1.1 directive", "stream", "%YAML 1.1\n---\nkind: A\n", "", "A"},
	{"stream: YAML 1.1 directive after a document", "stream", "kind: A\n...\n%YAML 1.1\n---\nkind: B\n", "", "A,B"},
	{"stream: YAML 1.2 directive", "stream", "%YAML 1.2\n---\nkind: A\n", "f.yaml: found incompatible YAML document", ""},
	{"stream: a byte order mark only", "stream", "\ufeff", "", ""},
	{"stream: a byte order mark", "stream", "\ufeffkind: A\n---\nkind: B\n", "", "A,B"},
	{"stream: concatenated JSON", "stream", `{"kind":"A"}{"kind":"B"}`, "f.yaml: did not find expected <document start>", ""},
	{"stream: JSON lines", "stream", "{\"kind\":\"A\"}\n{\"kind\":\"B\"}\n", "f.yaml: line 1: did not find expected <document start>", ""},
	{"stream: JSON documents", "stream", "{\"kind\":\"A\"}\n---\n{\"kind\":\"B\"}\n", "", "A,B"},
	{"stream: a bare document after the end marker", "stream", "kind: A\n...\nkind: B\n", "f.yaml: line 2: did not find expected <document start>", ""},
	{"stream: end markers", "stream", "kind: A\n...\n---\nkind: B\n...\n", "", "A,B"},
	{"stream: alias across documents", "stream", "kind: &k A\n---\nkind: *k\n", "", "A,A"},
	{"stream: repeated key", "stream", "kind: A\n---\nkind: B\nmetadata:\n  name: a\n  name: b\n", "f.yaml: document at line 3: mapping key \"name\" must not repeat: defined at line 5 and again at line 6", ""},
	{"stream: a scalar document", "stream", "kind: A\n---\njust text\n", "f.yaml: document at line 3: must be a mapping (a resource), got the scalar \"just text\"", ""},
	{"stream: content on the marker", "stream", "--- {kind: A}\n--- !!map\nkind: B\n", "", "A,B"},
	{"stream: kind on the next line", "stream", "kind:\n   0\n---\nkind: B\n", "", "0,B"},
	{"stream: empty documents", "stream", "---\n---\n# c\n---\nkind: A\n---\n", "", "A"},
	{"stream: TAG directive", "stream", "%TAG !e! tag:example.com,2000:\n---\nkind: !e!x A\n", "", "A"},
}

func TestBattery(t *testing.T) {
	if len(battery) < 40 {
		t.Fatalf("the battery must hold at least 40 cases, has %d", len(battery))
	}
	seen := map[string]bool{}
	for _, c := range battery {
		if seen[c.mode+c.in] {
			t.Errorf("%s: the same input twice", c.name)
		}
		seen[c.mode+c.in] = true
		t.Run(c.name, func(t *testing.T) {
			var items []*Item
			var out bytes.Buffer
			var err error
			if c.mode == "rl" {
				var rl *ResourceList
				if rl, err = ParseResourceList([]byte(c.in)); err == nil {
					items = rl.Items
					err = rl.Write(&out, nil)
				}
			} else {
				var s *Stream
				if s, err = ParseStream([]byte(c.in), "f.yaml", 0); err == nil {
					items = s.Items
					err = s.Write(&out)
				}
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got error %v, want one with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("must be read: %v", err)
			}
			var kinds []string
			for _, it := range items {
				kinds = append(kinds, it.Kind())
				if _, err := it.Node(); err != nil {
					t.Errorf("item %d: %v", it.Index, err)
				}
			}
			if got := strings.Join(kinds, ","); got != c.kinds {
				t.Errorf("got kinds %q, want %q", got, c.kinds)
			}
			// Read again, the output holds the same items.
			if c.mode == "rl" {
				rl, err := ParseResourceList(out.Bytes())
				if err != nil || len(rl.Items) != len(items) {
					t.Errorf("the output must read back with %d items: %v\n%s", len(items), err, out.String())
				}
			}
		})
	}
}

// More of the battery: flow mappings, read off one line.
func init() {
	battery = append(battery, []struct {
		name, mode, in string
		err            string
		kinds          string
	}{
		{"repeated key in functionConfig's flow mapping", "rl", "kind: ResourceList\nitems:\n- kind: A\nfunctionConfig: {data: {a: 1, a: 2}}\n", "stdin ResourceList: in `functionConfig`: mapping key \"a\" must not repeat", ""},
		{"repeated key in a new item's flow mapping", "rl", "kind: ResourceList\nitems:\n- kind: A\n- {kind: B, kind: C}\n", "stdin ResourceList: item 1 at line 4: mapping key \"kind\" must not repeat: defined at line 4 and again at line 4", ""},
		{"flow mappings kept byte for byte", "rl", "kind: ResourceList\nitems:\n- kind: A\n  metadata: {name: a, labels: {app: a, tier: b}}\nfunctionConfig: {data: {a: 1, b: 2}}\n", "", "A"},
		{"repeated key without values in a flow mapping", "rl", "kind: ResourceList\nitems:\n- kind: A\n  data: [{a, b, a}]\n", "item 0 at line 3: mapping key \"a\" must not repeat: defined at line 4 and again at line 4", ""},
		{"repeated key in a nested flow mapping", "rl", "kind: ResourceList\nitems:\n- kind: A\n  data: {x: {b: 1, 'b': 2}}\n", "item 0 at line 3: mapping key \"b\" must not repeat", ""},
		{"repeated key by an escape in a flow mapping", "rl", "kind: ResourceList\nitems:\n- kind: A\n  data: {\"a\\u0062\": 1, ab: 2}\n", "item 0 at line 3: mapping key \"ab\" must not repeat: defined at line 4 and again at line 4", ""},
		{"commas in flow scalars", "rl", "kind: ResourceList\nitems:\n- kind: A\n  data: {a: \"x, a: y\", b: 'a, b', c: [a, a]}\n", "", "A"},
		{"stream: repeated key in a flow mapping", "stream", "kind: A\ndata: {x: 1,  x: 2}\n", "f.yaml: document at line 1: mapping key \"x\" must not repeat: defined at line 2 and again at line 2", ""},
	}...)
}

// Found by the fuzzer: a key's column is where its node starts, with its
// anchor or tag.
func init() {
	battery = append(battery, []struct {
		name, mode, in string
		err            string
		kinds          string
	}{
		{"tagged key and a nested mapping at its text's column", "stream", "!00 1:\n    1:\n", "", ""},
		{"anchored first key and the next key under the anchor", "rl", "kind: ResourceList\nitems:\n- &a kind: A\n  apiVersion: v1\n- !!str kind: B\n  metadata: {}\n", "", "A,B"},
		{"anchored key and a block scalar under the anchor", "rl", "kind: ResourceList\nitems:\n- kind: A\n  &x data: |\n   kind: B\n  metadata:\n   name: a\n", "", "A"},
	}...)
}
