package emulatortest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

// calls lists the HPC Pack requests the emulator recorded, as "METHOD path".
func calls(emu *emulator.Emulator) []string {
	var out []string
	for _, r := range emu.RequestsFor(emulator.ServiceHPCPack) {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// TestLostCreateSessionFindsTheSession: the emulator creates the session and drops the
// connection. The client finds the session by the job name it generated and sent, and returns
// it; exactly one session exists.
func TestLostCreateSessionFindsTheSession(t *testing.T) {
	for _, cluster := range []string{"", "HEADNODE"} {
		emu, c, ctx := startFrozen(t, cluster, "")
		emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `(?i)/sessions/Create$`, Lost: true})
		info, err := c.CreateSession(ctx, echoStart())
		if err != nil {
			t.Fatalf("cluster %q: %v", cluster, err)
		}
		sessions := emu.HPCPack().Sessions()
		if len(sessions) != 1 || sessions[0].ID != info.ID || sessions[0].Closed {
			t.Fatalf("cluster %q: sessions %+v, want only the returned session %d, open", cluster, sessions, info.ID)
		}
		sent := sessions[0].StartInfo.ServiceJobName
		if !regexp.MustCompile(`^batchops-[0-9a-f]{16}$`).MatchString(sent) || info.ServiceJobName != sent {
			t.Errorf("cluster %q: job name sent %q, returned %q", cluster, sent, info.ServiceJobName)
		}
		if info.BrokerNode == "" || info.MaxMessageSize != 65536 {
			t.Errorf("cluster %q: the session info is Attach's: %+v", cluster, info)
		}
		prefix := emu.HPCPack().PathPrefix()
		want := []string{"POST " + prefix + "/sessions/Create", "GET " + prefix + "/Jobs", fmt.Sprintf("GET %s/session/%d/Attach", prefix, info.ID)}
		if got := calls(emu); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("cluster %q: requests\n%s\nwant\n%s", cluster, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if err := c.CloseSession(ctx, info.ID); err != nil {
			t.Fatal(err)
		}
		if n := emu.HPCPack().SessionCount(); n != 0 {
			t.Errorf("cluster %q: %d sessions open after closing the one found", cluster, n)
		}
	}
}

// A job name the caller chose is sent as is and is what the look-up asks for; other sessions,
// open or closed, of other names (or closed of the same name) are not taken.
func TestLostCreateSessionWithChosenJobName(t *testing.T) {
	emu, c, ctx := startFrozen(t, "", "json")
	named := func(name string) hpcsoa.SessionStartInfo {
		s := echoStart()
		s.ServiceJobName = name
		return s
	}
	old, err := c.CreateSession(ctx, named("nightly run"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CloseSession(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	other, err := c.CreateSession(ctx, named("another run"))
	if err != nil {
		t.Fatal(err)
	}
	emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `(?i)/sessions/Create$`, Lost: true})
	info, err := c.CreateSession(ctx, named("nightly run"))
	if err != nil || info.ID == old.ID || info.ID == other.ID || info.ServiceJobName != "nightly run" {
		t.Fatalf("got %+v, %v; the sessions before were %d (closed) and %d", info, err, old.ID, other.ID)
	}
	if v, ok := emu.HPCPack().Session(info.ID); !ok || v.Closed || v.StartInfo.ServiceJobName != "nightly run" {
		t.Errorf("session %+v", v)
	}
	if n := len(emu.HPCPack().Sessions()); n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
}

// The look-up reads every page of the job list.
func TestFindSessionByJobNameReadsEveryPage(t *testing.T) {
	emu, c, ctx := startFrozen(t, "", "xml")
	var last *hpcsoa.SessionInfo
	for range 105 {
		info, err := c.CreateSession(ctx, echoStart())
		if err != nil {
			t.Fatal(err)
		}
		last = info
	}
	before := len(emu.RequestsFor(emulator.ServiceHPCPack))
	id, found, err := c.FindSessionByJobName(ctx, last.ServiceJobName)
	if err != nil || !found || id != last.ID {
		t.Fatalf("got %d %v %v, want session %d", id, found, err, last.ID)
	}
	reqs := emu.RequestsFor(emulator.ServiceHPCPack)[before:]
	if q, _ := url.ParseQuery(reqs[len(reqs)-1].Query); len(reqs) != 2 || q.Get("QueryId") == "" {
		t.Errorf("%d list requests, want 2 pages, the second with the QueryId of the first answer", len(reqs))
	}
}

// When the look-up itself fails, the error still says a session may exist, and names the job.
func TestLostCreateSessionLookupFails(t *testing.T) {
	for name, rule := range map[string]emulator.FaultRule{
		"500":       {Method: http.MethodGet, PathRegexp: `(?i)/Jobs$`, Status: http.StatusInternalServerError, Times: -1},
		"malformed": {Method: http.MethodGet, PathRegexp: `(?i)/Jobs$`, Malformed: true, MalformedShape: emulator.MalformedHTML, Times: -1},
	} {
		emu, c, ctx := startFrozen(t, "", "xml")
		emu.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `(?i)/sessions/Create$`, Lost: true})
		emu.AddFaultRule(emulator.ServiceHPCPack, rule)
		info, err := c.CreateSession(ctx, echoStart())
		sessions := emu.HPCPack().Sessions()
		if len(sessions) != 1 {
			t.Fatalf("%s: %d sessions", name, len(sessions))
		}
		jobName := sessions[0].StartInfo.ServiceJobName
		if info != nil || !errors.Is(err, hpcsoa.ErrAmbiguous) ||
			!strings.Contains(err.Error(), fmt.Sprintf("looking the session up by its service job name %q failed too", jobName)) ||
			!strings.Contains(err.Error(), fmt.Sprintf("look for an open job named %q on the cluster and close it", jobName)) {
			t.Errorf("%s: got %+v, %v", name, info, err)
		}
	}
}
