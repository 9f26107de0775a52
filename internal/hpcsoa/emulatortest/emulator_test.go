package emulatortest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

// TestAgainstTheEmulator runs the whole flow against the project's emulator of the service,
// written independently from the same spec: both URI forms, both answer formats, a
// non-generic and a generic batch.
func TestAgainstTheEmulator(t *testing.T) {
	for _, tc := range []struct{ cluster, format string }{{"", "xml"}, {"HEADNODE", "json"}} {
		t.Run(fmt.Sprintf("cluster=%q/%s", tc.cluster, tc.format), func(t *testing.T) {
			emu, c, ctx := startFrozen(t, tc.cluster, tc.format)

			info, err := c.CreateSession(ctx, hpcsoa.SessionStartInfo{ServiceName: "EchoService", MaxMessageSize: 65536, RuntimeSeconds: -1,
				Environment: map[string]string{"K": "V"}, Username: hpcpack.DefaultUsername, Password: hpcpack.DefaultPassword})
			if err != nil {
				t.Fatal(err)
			}
			if info.ID <= 0 {
				t.Fatalf("session %+v", info)
			}
			if got, err := c.AttachSession(ctx, info.ID, false); err != nil || got.ID != info.ID {
				t.Fatalf("attach: %+v %v", got, err)
			}
			if id, found, err := c.FindSessionByJobName(ctx, info.ServiceJobName); err != nil || !found || id != info.ID {
				t.Fatalf("find by job name %q: %d %v %v", info.ServiceJobName, id, found, err)
			}

			reqs := make([]hpcsoa.Request, 25)
			for i := range reqs {
				reqs[i] = hpcsoa.Request{Action: "http://tempuri.org/IEchoSvc/Echo", Body: fmt.Sprintf(`<Echo xmlns="http://tempuri.org/"><input>hello %d &amp; more</input></Echo>`, i), UserData: fmt.Sprint("row-", i)}
			}
			if err := c.SendRequests(ctx, info.ID, "batch1", false, reqs[:10]); err != nil {
				t.Fatal(err)
			}
			if err := c.SendRequests(ctx, info.ID, "batch1", false, reqs[10:]); err != nil {
				t.Fatal(err)
			}
			if st, err := c.BatchStatus(ctx, info.ID, "batch1"); err != nil || st != hpcsoa.StatusReady {
				t.Fatalf("status before commit: %v %v", st, err)
			}
			if err := c.Commit(ctx, info.ID, "batch1"); err != nil {
				t.Fatal(err)
			}
			if err := c.Commit(ctx, info.ID, "batch1"); !hpcsoa.IsAlreadyCommitted(err) {
				t.Errorf("second commit: want already committed, got %v", err)
			}
			emu.Clock().Advance(time.Hour)
			if st, err := c.BatchStatus(ctx, info.ID, "batch1"); err != nil || st != hpcsoa.StatusFinished {
				t.Fatalf("status after the work: %v %v", st, err)
			}
			byID := map[string]hpcsoa.Request{}
			for _, r := range reqs {
				byID[r.MessageID] = r
			}
			n := 0
			eom, err := c.GetResponses(ctx, info.ID, "batch1", hpcsoa.ResponseOptions{Reset: true}, func(r hpcsoa.Response) error {
				n++
				req, ok := byID[r.RelatesTo]
				if !ok || r.UserData != req.UserData || r.Fault != "" || !strings.Contains(r.Body, "EchoResponse") {
					t.Errorf("response %+v does not match a request", r)
				}
				return nil
			})
			if err != nil || n != len(reqs) || eom.Reason != "Success" {
				t.Fatalf("responses: %d, eom %+v, err %v", n, eom, err)
			}

			// Generic service batch in a second session.
			gs, err := c.CreateSession(ctx, hpcsoa.SessionStartInfo{ServiceName: "GenericService", MaxMessageSize: 65536, RuntimeSeconds: -1,
				Username: hpcpack.DefaultUsername, Password: hpcpack.DefaultPassword})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.SendRequests(ctx, gs.ID, "g", true, []hpcsoa.Request{{Body: "one", UserData: "u1"}, {Body: "two"}}); err != nil {
				t.Fatal(err)
			}
			if err := c.Commit(ctx, gs.ID, "g"); err != nil {
				t.Fatal(err)
			}
			emu.Clock().Advance(time.Hour)
			var outs []hpcsoa.Response
			eom, err = c.GetResponses(ctx, gs.ID, "g", hpcsoa.ResponseOptions{Generic: true, Reset: true}, func(r hpcsoa.Response) error {
				outs = append(outs, r)
				return nil
			})
			if err != nil || len(outs) != 2 || eom.Count != 2 {
				t.Fatalf("generic responses %+v, eom %+v, err %v", outs, eom, err)
			}

			if err := c.Purge(ctx, info.ID, "batch1"); err != nil {
				t.Fatal(err)
			}
			if err := c.Purge(ctx, info.ID, "batch1"); err != nil {
				t.Errorf("a second purge: %v", err)
			}
			for _, id := range []int{info.ID, gs.ID} {
				if err := c.CloseSession(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.AttachSession(ctx, info.ID, false); !hpcsoa.IsSessionGone(err) {
				t.Errorf("attach after close: want session gone, got %v", err)
			}
			if _, found, err := c.FindSessionByJobName(ctx, info.ServiceJobName); err != nil || found {
				t.Errorf("find by job name after close: %v %v, want not found (the job has finished)", found, err)
			}
			if err := c.CloseSession(ctx, info.ID); err != nil && !hpcsoa.IsSessionGone(err) {
				t.Errorf("second close: %v", err)
			}

			badCfg := clientConfig(emu, tc.cluster)
			badCfg.Password = "wrong-password"
			bad, _ := hpcsoa.New(badCfg)
			if _, err := bad.AttachSession(ctx, info.ID, false); !hpcsoa.IsAuthFailure(err) || strings.Contains(err.Error(), "wrong-password") {
				t.Errorf("bad password: %v", err)
			}
		})
	}
}
