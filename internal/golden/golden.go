// Package golden compares test output with golden files and shows a
// mismatch as a unified diff; `go test -update` rewrites the files instead.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Update is the -update flag of every test binary that imports the package.
var Update = flag.Bool("update", false, "rewrite the golden files with what the tests got (read the diff before committing it)")

// Check compares got with the golden file at path, or with -update writes
// got there.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	Compare(t, path, got)
}

// Compare compares got with the file at path, which -update does not
// rewrite (a second golden copy, or an input that must come out unchanged).
func Compare(t testing.TB, path string, got []byte) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites the golden files; read the diff):\n%s", path, Diff(path, "got", string(want), string(got)))
	}
}

// context is the number of unchanged lines shown around a change.
const context = 3

// maxCells bounds the LCS table; beyond it the changed middle is shown as
// removed and added whole, which is still a correct diff.
const maxCells = 4 << 20

// Diff is a unified diff from want to got, "" when they are equal.
func Diff(wantName, gotName, want, got string) string {
	if want == got {
		return ""
	}
	a, b := lines(want), lines(got)
	ops := edits(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", wantName, gotName)
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// A hunk: from context lines before this change to context lines
		// after the last change that is at most 2*context lines further.
		start := max(i-context, 0)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		end = min(end+context, len(ops))
		aStart, bStart := ops[start].a, ops[start].b
		var aLen, bLen int
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				aLen++
			}
			if o.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", span(aStart, aLen), span(bStart, bLen))
		for _, o := range ops[start:end] {
			out.WriteByte(o.kind)
			out.WriteString(o.text)
			out.WriteByte('\n')
		}
		i = end
	}
	return out.String()
}

// lines splits text into lines; a last line without a newline is marked,
// as diff(1) does.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	l := strings.Split(s, "\n")
	if l[len(l)-1] == "" {
		return l[:len(l)-1]
	}
	l[len(l)-1] += "\n\\ No newline at end of file"
	return l
}

type op struct {
	kind byte // ' ', '-' or '+'
	a, b int  // the line's index in want and got (where it would be)
	text string
}

// edits is a shortest edit script by longest common subsequence, after
// the common prefix and suffix.
func edits(a, b []string) []op {
	var ops []op
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		ops = append(ops, op{' ', p, p, a[p]})
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	n, m := len(ma), len(mb)
	if (n+1)*(m+1) > maxCells {
		for i, l := range ma {
			ops = append(ops, op{'-', p + i, p, l})
		}
		for j, l := range mb {
			ops = append(ops, op{'+', p + n, p + j, l})
		}
	} else {
		// lcs[i][j]: the LCS length of ma[i:] and mb[j:].
		lcs := make([]int32, (n+1)*(m+1))
		at := func(i, j int) int32 { return lcs[i*(m+1)+j] }
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i*(m+1)+j] = at(i+1, j+1) + 1
				} else {
					lcs[i*(m+1)+j] = max(at(i+1, j), at(i, j+1))
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && ma[i] == mb[j]:
				ops = append(ops, op{' ', p + i, p + j, ma[i]})
				i, j = i+1, j+1
			case i < n && (j == m || at(i+1, j) >= at(i, j+1)):
				ops = append(ops, op{'-', p + i, p + j, ma[i]})
				i++
			default:
				ops = append(ops, op{'+', p + i, p + j, mb[j]})
				j++
			}
		}
	}
	for k := 0; k < s; k++ {
		ops = append(ops, op{' ', len(a) - s + k, len(b) - s + k, a[len(a)-s+k]})
	}
	return ops
}

// span is a hunk header's range: 1-based start and length, with the line
// before an empty range as its start, as diff -u writes it.
func span(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
