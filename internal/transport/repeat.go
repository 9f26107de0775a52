package transport

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// Repeat calls call until it succeeds or fails with an error that again does not accept,
// at most p.MaxAttempts times in all (DefaultRetry's when p sets no bounds), with p's backoff
// in between, on p's clock; the last error is returned. The context ends the repeats too.
//
// It is for failures the transport cannot see, because they are in an answer's body: a 200
// whose body is a proxy's HTML page, empty, cut short or of the wrong shape. Clients repeat
// reads (which change nothing) after such answers, as the transport repeats them after a 502;
// a request that creates something is never repeated this way.
func Repeat(ctx context.Context, p RetryPolicy, again func(error) bool, call func() error) error {
	p = p.OrDefault()
	clock := wait.OrReal(p.Clock)
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || attempt >= p.MaxAttempts || !again(err) || ctx.Err() != nil {
			return err
		}
		delay := p.Backoff().Delay(attempt)
		if deadline, ok := ctx.Deadline(); ok && clock.Now().Add(delay).After(deadline) {
			return err
		}
		tflog.Debug(ctx, "repeating a call after a malformed answer", map[string]any{"attempt": attempt, "wait": delay.String(), "error": err.Error()})
		if wait.Sleep(ctx, clock, delay) != nil {
			return err
		}
	}
}
