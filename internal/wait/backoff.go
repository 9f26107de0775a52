package wait

import (
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff with jitter: the step of attempt n (counted from 1) is
// Min·2^(n-1), capped at Max (no cap when Max <= 0), and the wait is a random duration between
// half the step and the whole step.
//
// That is "equal jitter", not "full jitter" (anywhere between zero and the step): the waits are
// between attempts that a busy or failing server has just refused, and full jitter would
// sometimes send the next one at once. Half the step is still random enough that clients that
// failed together do not come back together.
type Backoff struct {
	Min, Max time.Duration
	// Rand returns a uniformly random number in [0, n); nil uses math/rand/v2. Tests fix it.
	Rand func(n int64) int64
}

// Step is the wait of attempt n before jitter.
func (b Backoff) Step(n int) time.Duration {
	if b.Min <= 0 {
		return 0
	}
	shift := max(n-1, 0)
	limit := b.Max
	if limit <= 0 {
		limit = time.Duration(1<<63 - 1)
	}
	// Shifting past the limit (or past 63 bits) would overflow: check before shifting.
	if shift >= 63 || b.Min > limit>>shift {
		return limit
	}
	return b.Min << shift
}

// Delay is the wait after failed attempt n (counted from 1), jitter included.
func (b Backoff) Delay(n int) time.Duration {
	step := b.Step(n)
	half := step / 2
	random := b.Rand
	if random == nil {
		random = rand.Int64N
	}
	return half + time.Duration(random(int64(step-half)+1))
}
