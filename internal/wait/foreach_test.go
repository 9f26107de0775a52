package wait

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestForEachCallsEachOnceWithinTheLimit(t *testing.T) {
	const n, limit = 50, 4
	var running, most atomic.Int32
	var mu sync.Mutex
	calls := make([]int, n)
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		ForEach(n, limit, func(i int) {
			now := running.Add(1)
			for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
			}
			<-release
			mu.Lock()
			calls[i]++
			mu.Unlock()
			running.Add(-1)
		})
		close(done)
	}()
	for range n {
		release <- struct{}{}
	}
	<-done
	if m := most.Load(); m > limit {
		t.Errorf("%d calls ran at once; the limit is %d", m, limit)
	}
	for i, c := range calls {
		if c != 1 {
			t.Errorf("do(%d) called %d times", i, c)
		}
	}
}
