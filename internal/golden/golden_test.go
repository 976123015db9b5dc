package golden

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	want := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	got := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n"
	const unified = `--- want
+++ got
@@ -1,5 +1,5 @@
 a
-b
+B
 c
 d
 e
@@ -11,3 +11,4 @@
 k
 l
 m
+n
`
	if d := Diff("want", "got", want, got); d != unified {
		t.Errorf("got:\n%s\nwant:\n%s", d, unified)
	}
	if d := Diff("w", "g", "x\n", "x"); d != "--- w\n+++ g\n@@ -1 +1 @@\n-x\n+x\n\\ No newline at end of file\n" {
		t.Errorf("a missing final newline must show:\n%s", d)
	}
	if d := Diff("w", "g", "same\n", "same\n"); d != "" {
		t.Errorf("equal texts: %q", d)
	}
	if d := Diff("w", "g", "", "new\n"); d != "--- w\n+++ g\n@@ -0,0 +1 @@\n+new\n" {
		t.Errorf("from nothing:\n%s", d)
	}
}

// TestDiffPatches checks the diffs of random texts with patch(1): applied
// to want, each gives got.
func TestDiffPatches(t *testing.T) {
	patch, err := exec.LookPath("patch")
	if err != nil {
		t.Skip("patch(1) is not installed")
	}
	r := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(strconv.Itoa(r.IntN(5)) + "\n")
		}
		return b.String()
	}
	dir := t.TempDir()
	for i := range 200 {
		want, got := text(), text()
		d := Diff("a/f", "b/f", want, got)
		f := filepath.Join(dir, "f")
		if err := os.WriteFile(f, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(patch, "-s", "-F0", "-p1")
		cmd.Dir, cmd.Stdin = dir, strings.NewReader(d)
		if d != "" {
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("case %d: patch: %v\n%s\ndiff:\n%s", i, err, out, d)
			}
		}
		if b, _ := os.ReadFile(f); string(b) != got {
			t.Fatalf("case %d: the diff does not turn want into got:\n%s", i, d)
		}
	}
}

// Beyond the LCS table's bound the diff is coarse but still right.
func TestDiffLarge(t *testing.T) {
	var a, b strings.Builder
	for i := range 3000 {
		a.WriteString(strconv.Itoa(i) + "\n")
		b.WriteString(strconv.Itoa(-i-1) + "\n")
	}
	d := Diff("w", "g", "head\n"+a.String(), "head\n"+b.String())
	if !strings.HasPrefix(d, "--- w\n+++ g\n@@ -1,3001 +1,3001 @@\n head\n-0\n") || strings.Count(d, "\n-") != 3000 {
		t.Errorf("got %.200s", d)
	}
}
