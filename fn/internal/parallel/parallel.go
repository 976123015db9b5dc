// Package parallel runs independent pieces of work on every core.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Each runs f for 0..n-1, on every core when there are at least minEach
// pieces per extra core (below that the goroutines cost more than they
// save), else in order on the calling goroutine. The pieces must be
// independent; Each returns when all are done.
func Each(n, minEach int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n/max(minEach, 1)+1)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}
