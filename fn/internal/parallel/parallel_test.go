package parallel

import (
	"sync/atomic"
	"testing"
)

// TestEach: every piece runs once, whether the work is split or not.
func TestEach(t *testing.T) {
	for _, n := range []int{0, 1, 31, 32, 1000} {
		counts := make([]atomic.Int32, n)
		Each(n, 32, func(i int) { counts[i].Add(1) })
		for i := range counts {
			if c := counts[i].Load(); c != 1 {
				t.Fatalf("n=%d: piece %d ran %d times, want once", n, i, c)
			}
		}
	}
}

// TestEachSmallRunsInOrder: below the threshold the pieces run in order on
// the caller's goroutine, so that small inputs pay nothing.
func TestEachSmallRunsInOrder(t *testing.T) {
	var got []int
	Each(10, 32, func(i int) { got = append(got, i) })
	for i, v := range got {
		if v != i {
			t.Fatalf("got order %v, want 0..9", got)
		}
	}
	if len(got) != 10 {
		t.Fatalf("ran %d pieces, want 10", len(got))
	}
}
