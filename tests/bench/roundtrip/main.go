// Command roundtrip is the benchmarks' baseline: a bare yaml.v3 decode of a
// ResourceList and an item-by-item encode of it, the least any function
// that decodes its whole input pays.
package main

import (
	"bufio"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		panic(err)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "items" {
			enc := yaml.NewEncoder(w)
			enc.SetIndent(2)
			if err := enc.Encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}); err != nil {
				panic(err)
			}
			continue
		}
		w.WriteString("items:\n")
		for _, it := range v.Content {
			enc := yaml.NewEncoder(w)
			enc.SetIndent(2)
			enc.CompactSeqIndent()
			if err := enc.Encode(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{it}}); err != nil {
				panic(err)
			}
			enc.Close()
		}
	}
}
