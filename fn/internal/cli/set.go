package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/csi-placement/csi-placement/fn/internal/config"
	"sigs.k8s.io/yaml"
)

// withSets applies --set KEY=VALUE overrides to a config document (nil:
// none, the default policy) before it is parsed, so the result is checked
// like any config. In a PlacementPolicy KEY is a dotted path under spec
// (`mode`, `podAntiAffinity.type`) and VALUE is YAML (`3`, `false`,
// `[a, b]`); in a ConfigMap KEY is a data key and VALUE a string.
func withSets(doc []byte, sets []string) ([]byte, error) {
	if len(sets) == 0 {
		return doc, nil
	}
	obj := map[string]any{}
	if len(strings.TrimSpace(string(doc))) > 0 {
		if err := yaml.Unmarshal(doc, &obj); err != nil || obj == nil {
			return doc, nil // config.Parse says what is wrong with it
		}
	}
	if len(obj) == 0 {
		obj = map[string]any{"apiVersion": config.APIVersion, "kind": config.Kind}
	}
	configMap := obj["kind"] == "ConfigMap"
	root := "spec"
	if configMap {
		root = "data"
	}
	for _, s := range sets {
		key, value, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("--set %q: want KEY=VALUE", s)
		}
		var v any = value
		if !configMap {
			var unsupported *json.UnsupportedValueError
			if err := yaml.Unmarshal([]byte(value), &v); errors.As(err, &unsupported) {
				v = value // .inf, .nan: JSON cannot hold them; config.Parse names the field
			} else if err != nil {
				return nil, fmt.Errorf("--set %s: the value must be YAML: %v", key, err)
			}
		}
		m, _ := obj[root].(map[string]any)
		if m == nil {
			m = map[string]any{}
			obj[root] = m
		}
		path := strings.Split(key, ".")
		if configMap {
			path = []string{key}
		}
		for i, k := range path[:len(path)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				if m[k] != nil {
					return nil, fmt.Errorf("--set %s: `%s.%s` is not a mapping", key, root, strings.Join(path[:i+1], "."))
				}
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[path[len(path)-1]] = v
	}
	return json.Marshal(obj)
}
