package provider

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// After a send whose answer was lost, the batch resource waits the retry policy's backoff, on
// the provider's clock, before it purges the batch and sends it again.
func TestSOABatchResendWaitsBeforePurging(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	client, err := hpcsoa.New(hpcsoa.Config{Endpoint: e.HPCPackURL(), Username: hpcUser, Password: hpcPassword, CACertificateFile: e.CAFile(), Retry: testWaits.retry})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	info, err := client.CreateSession(ctx, hpcsoa.SessionStartInfo{ServiceName: "EchoService", MaxMessageSize: 65536, RuntimeSeconds: -1, Username: hpcUser, Password: hpcPassword})
	if err != nil {
		t.Fatal(err)
	}
	e.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `(?i)/batch/b1$`, Lost: true, Times: 1})

	clock := wait.NewFake(time.Now())
	waits := testWaits
	waits.clock = clock
	r := &hpcSOABatchResource{data: &providerData{waits: waits}}
	requests := make([]hpcsoa.Request, 3)
	for i := range requests {
		requests[i] = hpcsoa.Request{Action: "http://tempuri.org/IEchoSvc/Echo", Body: `<Echo xmlns="http://tempuri.org/"><input>x</input></Echo>`, MessageID: hpcsoa.NewMessageID()}
	}
	result := make(chan error, 1)
	go func() { result <- r.send(ctx, client, info.ID, "b1", false, true, requests) }()

	blocked := make(chan error, 1)
	go func() { blocked <- clock.BlockUntil(ctx, 1) }()
	select {
	case err := <-result:
		t.Fatalf("the resend did not wait: send returned %v", err)
	case err := <-blocked:
		if err != nil {
			t.Fatal(err)
		}
	}
	purge := regexp.MustCompile(`(?i)/batch/b1/Purge$`)
	if n := countRequests(e, http.MethodPost, purge); n != 0 {
		t.Fatalf("%d purges before the wait ended", n)
	}
	waited, err := clock.AdvanceToNext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if step := testWaits.retry.MinBackoff; waited < step/2 || waited > step {
		t.Errorf("waited %v, want the first backoff: between %v and %v", waited, step/2, step)
	}
	if n := countRequests(e, http.MethodPost, purge); n != 1 {
		t.Errorf("%d purges, want 1", n)
	}
	if n := countRequests(e, http.MethodPost, regexp.MustCompile(`(?i)/batch/b1$`)); n != 2 {
		t.Errorf("%d sends, want 2", n)
	}
	if b, ok := e.HPCPack().Batch(info.ID, "b1"); !ok || b.RequestCount != len(requests) || b.Duplicates != 0 {
		t.Errorf("want %d distinct requests after the resend, got %+v", len(requests), b)
	}
}

func countRequests(e *emulator.Emulator, method string, path *regexp.Regexp) int {
	n := 0
	for _, r := range e.RequestsFor(emulator.ServiceHPCPack) {
		if r.Method == method && path.MatchString(r.Path) {
			n++
		}
	}
	return n
}
