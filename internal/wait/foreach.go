package wait

import "golang.org/x/sync/errgroup"

// ForEach calls do(0), ..., do(n-1), at most limit of them at a time, and returns when all
// have returned: the bounded fan-out of the clients' bulk operations.
func ForEach(n, limit int, do func(i int)) {
	var g errgroup.Group
	g.SetLimit(limit)
	for i := range n {
		g.Go(func() error {
			do(i)
			return nil
		})
	}
	_ = g.Wait()
}
