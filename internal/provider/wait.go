package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// waitSettings are the intervals and the clock of every wait and retry of the provider: its
// polls, its clients' retries and its own repeats. The zero value is production's; tests pass
// shorter intervals to newProvider.
type waitSettings struct {
	poll  wait.PollOptions      // intervals of the waits for completion; zero: wait.DefaultPoll
	retry transport.RetryPolicy // retries of the clients; zero: transport.DefaultRetry
	clock wait.Clock            // nil: real time
}

// retryPolicy is the clients' retry policy, on the settings' clock.
func (w waitSettings) retryPolicy() transport.RetryPolicy {
	p := w.retry.OrDefault()
	p.Clock = w.clock
	return p
}

// pollUntil waits for what (see wait.Poll) with the provider's poll intervals. It logs at INFO
// the status it starts from and every change, so that TF_LOG_PROVIDER=INFO shows a long
// wait's progress.
func (d *providerData) pollUntil(ctx context.Context, what, status string, check func(ctx context.Context) (done bool, status string, err error)) error {
	return wait.Poll(ctx, d.pollOptions(ctx, what), what, status, check)
}

// pollOptions are the provider's poll intervals and clock, logging each status of the wait for
// what at INFO; clients that wait (for killed jobs, say) take them too.
func (d *providerData) pollOptions(ctx context.Context, what string) wait.PollOptions {
	opts := d.waits.poll
	opts.Clock = d.waits.clock
	opts.OnStatus = func(s string) {
		tflog.Info(ctx, "waiting for "+what, map[string]any{"status": s})
	}
	return opts
}
