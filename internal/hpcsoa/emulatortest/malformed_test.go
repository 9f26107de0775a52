package emulatortest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

// TestMalformedCreateSessionFindsTheSession: the session exists (the emulator did the work), the
// answer does not say its id: the client finds it by the service job name it sent and returns
// it, never a second session and never an empty id.
func TestMalformedCreateSessionFindsTheSession(t *testing.T) {
	for _, format := range []string{"xml", "json"} {
		emu, c, ctx := startFrozen(t, "", format)
		for i, shape := range emulator.MalformedShapes {
			emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: "POST", PathRegexp: `/sessions/Create$`, Malformed: true, MalformedShape: shape})
			info, err := c.CreateSession(ctx, echoStart())
			if err != nil || info.ID != i+1 {
				t.Fatalf("%s/%s: want session %d, got %+v, %v", format, shape, i+1, info, err)
			}
			if n := emu.HPCPack().SessionCount(); n != i+1 {
				t.Errorf("%s/%s: %d sessions, want %d", format, shape, n, i+1)
			}
			if v, _ := emu.HPCPack().Session(info.ID); v.StartInfo.ServiceJobName == "" || v.StartInfo.ServiceJobName != info.ServiceJobName {
				t.Errorf("%s/%s: the session's job is named %q, the client returned %q", format, shape, v.StartInfo.ServiceJobName, info.ServiceJobName)
			}
		}
		info, err := c.CreateSession(ctx, echoStart())
		if err != nil || info.ID != len(emulator.MalformedShapes)+1 {
			t.Fatalf("%s: create after the faults: %+v, %v", format, info, err)
		}
	}
}

// TestMalformedReadsAreErrors: Attach and Get Request Status answered malformed on every
// attempt are clear errors; the next call reads the right value. Get Responses is not
// repeated (the callback has seen the responses read so far) and is an error too.
func TestMalformedReadsAreErrors(t *testing.T) {
	for _, format := range []string{"xml", "json"} {
		emu, c, ctx := startFrozen(t, "", format)
		info, err := c.CreateSession(ctx, echoStart())
		if err != nil {
			t.Fatal(err)
		}
		req := []hpcsoa.Request{{Action: "http://tempuri.org/IEchoSvc/Echo", Body: `<Echo xmlns="http://tempuri.org/"><input>hi</input></Echo>`}}
		if err := c.SendFinalRequests(ctx, info.ID, "b1", false, req); err != nil {
			t.Fatal(err)
		}
		emu.Clock().Advance(time.Hour)
		for _, shape := range emulator.MalformedShapes {
			name := format + "/" + string(shape)
			emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: "GET", PathRegexp: `/Attach$`, Malformed: true, MalformedShape: shape, Times: fastRetry.MaxAttempts})
			got, err := c.AttachSession(ctx, info.ID, false)
			if got != nil || !hpcsoa.IsMalformed(err) || errors.Is(err, hpcsoa.ErrAmbiguous) || !strings.HasPrefix(err.Error(), "attach session: malformed answer (HTTP 200): ") {
				t.Errorf("%s: attach: %+v, %v", name, got, err)
			}
			if shape == emulator.MalformedHTML && (err == nil || !strings.Contains(err.Error(), "the answer is an HTML page (text/html")) {
				t.Errorf("%s: attach: the error does not say what came instead: %v", name, err)
			}
			if got, err := c.AttachSession(ctx, info.ID, false); err != nil || got.ID != info.ID {
				t.Errorf("%s: attach after the fault: %+v, %v", name, got, err)
			}

			emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: "GET", PathRegexp: `/Status$`, Malformed: true, MalformedShape: shape, Times: fastRetry.MaxAttempts})
			st, err := c.BatchStatus(ctx, info.ID, "b1")
			if !hpcsoa.IsMalformed(err) || !strings.HasPrefix(err.Error(), "get batch status: malformed answer (HTTP 200): ") {
				t.Errorf("%s: status: %v, %v", name, st, err)
			}
			if st, err := c.BatchStatus(ctx, info.ID, "b1"); err != nil || st != hpcsoa.StatusFinished {
				t.Errorf("%s: status after the fault: %v, %v", name, st, err)
			}

			emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: "POST", PathRegexp: `/Response$`, Malformed: true, MalformedShape: shape})
			eom, err := c.GetResponses(ctx, info.ID, "b1", hpcsoa.ResponseOptions{Reset: true}, nil)
			if !hpcsoa.IsMalformed(err) || !strings.HasPrefix(err.Error(), fmt.Sprintf(`get responses of batch "b1" in session %d: malformed answer (HTTP 200): `, info.ID)) {
				t.Errorf("%s: responses: %+v, %v", name, eom, err)
			}
			if eom, err := c.GetResponses(ctx, info.ID, "b1", hpcsoa.ResponseOptions{Reset: true}, nil); err != nil || eom.Count != 1 {
				t.Errorf("%s: responses after the fault: %+v, %v", name, eom, err)
			}
		}
	}
}

// TestMalformedAnswersToCallsWithoutResults: send, commit, purge and close read nothing from
// a success answer, so a malformed one reports the success (the work was done).
func TestMalformedAnswersToCallsWithoutResults(t *testing.T) {
	emu, c, ctx := startFrozen(t, "", "xml")
	info, err := c.CreateSession(ctx, echoStart())
	if err != nil {
		t.Fatal(err)
	}
	emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: "POST", Malformed: true, MalformedShape: emulator.MalformedHTML, Times: -1})
	req := []hpcsoa.Request{{Action: "http://tempuri.org/IEchoSvc/Echo", Body: `<Echo xmlns="http://tempuri.org/"><input>hi</input></Echo>`}}
	if err := c.SendRequests(ctx, info.ID, "b1", false, req); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(ctx, info.ID, "b1"); err != nil {
		t.Fatal(err)
	}
	if b, ok := emu.HPCPack().Batch(info.ID, "b1"); !ok || b.RequestCount != 1 || !b.Committed {
		t.Fatalf("batch after send and commit: %+v", b)
	}
	if err := c.Purge(ctx, info.ID, "b1"); err != nil {
		t.Fatal(err)
	}
	if b, _ := emu.HPCPack().Batch(info.ID, "b1"); !b.Purged {
		t.Errorf("batch after purge: %+v", b)
	}
	if err := c.CloseSession(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if n := emu.HPCPack().SessionCount(); n != 0 {
		t.Errorf("%d open sessions after close", n)
	}
}
