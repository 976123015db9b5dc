package krmio

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// list makes a ResourceList of n ConfigMaps and Deployments.
func list(n int) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&b, "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c%d\n    annotations: {config.kubernetes.io/index: '0'}\n  data:\n    a: |\n      line one\n      line two\n    b: \"x\"\n", i)
			continue
		}
		fmt.Fprintf(&b, "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d%d}\n  spec:\n    replicas: 2\n    template:\n      spec:\n        containers:\n        - name: web\n          image: nginx\n          args: [--a, --b]\n", i)
	}
	return b.Bytes()
}

// BenchmarkReadWrite compares the lexer path with a full decode: reading a
// list and writing it back unchanged.
func BenchmarkReadWrite(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		data := list(n)
		for name, parse := range map[string]func([]byte) (*ResourceList, error){
			"lexer":       ParseResourceList,
			"full-decode": DecodeResourceList,
		} {
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					rl, err := parse(data)
					if err != nil {
						b.Fatal(err)
					}
					if err := rl.Write(io.Discard, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
