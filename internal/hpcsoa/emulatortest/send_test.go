package emulatortest

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// After a send whose answer was lost, SendBatch waits the retry policy's backoff, on the
// policy's clock, before it purges the batch and sends it again: the batch ends with each
// request once.
func TestSendBatchResendWaitsBeforePurging(t *testing.T) {
	clock := wait.NewFake(time.Now())
	retry := transport.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: time.Second, Clock: clock}
	emu, c, ctx := start(t, emulator.Config{}, func(c *hpcsoa.Config) { c.Retry = retry })
	info, err := c.CreateSession(ctx, echoStart())
	if err != nil {
		t.Fatal(err)
	}
	emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `(?i)/batch/b1$`, Lost: true, Times: 1})
	requests := echoRequests(3)
	result := make(chan error, 1)
	go func() { result <- c.SendBatch(ctx, info.ID, "b1", false, true, requests) }()

	blocked := make(chan error, 1)
	go func() { blocked <- clock.BlockUntil(ctx, 1) }()
	select {
	case err := <-result:
		t.Fatalf("the resend did not wait: SendBatch returned %v", err)
	case err := <-blocked:
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(pattern string) int {
		n := 0
		for _, r := range emu.RequestsFor(emulator.ServiceHPCPack) {
			if r.Method == http.MethodPost && matches(pattern, r.Path) {
				n++
			}
		}
		return n
	}
	if n := count(`(?i)/batch/b1/Purge$`); n != 0 {
		t.Fatalf("%d purges before the wait ended", n)
	}
	waited, err := clock.AdvanceToNext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if waited < retry.MinBackoff/2 || waited > retry.MinBackoff {
		t.Errorf("waited %v, want the first backoff: between %v and %v", waited, retry.MinBackoff/2, retry.MinBackoff)
	}
	if n := count(`(?i)/batch/b1/Purge$`); n != 1 {
		t.Errorf("%d purges, want 1", n)
	}
	if n := count(`(?i)/batch/b1$`); n != 2 {
		t.Errorf("%d sends, want 2", n)
	}
	if b, ok := emu.HPCPack().Batch(info.ID, "b1"); !ok || b.RequestCount != len(requests) || b.Duplicates != 0 {
		t.Errorf("want %d distinct requests after the resend, got %+v", len(requests), b)
	}
}

// A batch larger than RequestsPerSend goes out in chunks; only the last one commits it.
func TestSendBatchChunksAndCommitsOnTheLast(t *testing.T) {
	emu, c, ctx := startFrozen(t, "", "")
	info, err := c.CreateSession(ctx, echoStart())
	if err != nil {
		t.Fatal(err)
	}
	requests := echoRequests(hpcsoa.RequestsPerSend + 5)
	if err := c.SendBatch(ctx, info.ID, "big", false, true, requests); err != nil {
		t.Fatal(err)
	}
	var commits []bool
	for _, r := range emu.RequestsFor(emulator.ServiceHPCPack) {
		if r.Method == http.MethodPost && matches(`(?i)/batch/big$`, r.Path) {
			commits = append(commits, matches(`(?i)commit=true`, r.Query))
		}
	}
	if len(commits) != 2 || commits[0] || !commits[1] {
		t.Errorf("want two sends, the second committing; got commit flags %v", commits)
	}
	if b, ok := emu.HPCPack().Batch(info.ID, "big"); !ok || b.RequestCount != len(requests) || b.Duplicates != 0 {
		t.Errorf("want %d distinct requests, got %+v", len(requests), b)
	}
}

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
