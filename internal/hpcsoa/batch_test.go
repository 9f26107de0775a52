package hpcsoa

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestBatchStatusForms(t *testing.T) {
	cases := []struct {
		name, ct, body string
		want           BatchStatus
		wantErr        string
	}{
		{"json number", "application/json; charset=utf-8", "2", StatusProcessing, ""},
		{"json number spaces", "application/json", " 3\n", StatusFinished, ""},
		{"xml name", "application/xml; charset=utf-8", `<BrokerClientStatus xmlns="http://hpc.microsoft.com">Processing</BrokerClientStatus>`, StatusProcessing, ""},
		{"xml number", "application/xml", `<BrokerClientStatus xmlns="http://hpc.microsoft.com">1</BrokerClientStatus>`, StatusReady, ""},
		{"xml unknown member", "application/xml", `<BrokerClientStatus xmlns="http://hpc.microsoft.com">Unknown</BrokerClientStatus>`, StatusUnknown, ""},
		{"sniffed xml", "", `<?xml version="1.0" encoding="utf-8"?><BrokerClientStatus xmlns="http://hpc.microsoft.com">Finished</BrokerClientStatus>`, StatusFinished, ""},
		{"xml bad name", "application/xml", `<BrokerClientStatus xmlns="http://hpc.microsoft.com">Exploded</BrokerClientStatus>`, 0, `"Exploded"`},
		{"xml out of range", "application/xml", `<BrokerClientStatus xmlns="http://hpc.microsoft.com">7</BrokerClientStatus>`, 0, `"7"`},
		{"json out of range", "application/json", `-1`, 0, `"-1"`},
		{"json fraction", "application/json", `2.5`, 0, `"2.5"`},
		{"json object", "application/json", `{"Status":2}`, 0, `{\"Status\":2}`},
		{"json garbage", "application/json", `2 3`, 0, "malformed"},
		{"xml other root", "application/xml", `<Status>2</Status>`, 0, "BrokerClientStatus"},
		{"xml nested", "application/xml", `<BrokerClientStatus><x>2</x></BrokerClientStatus>`, 0, "BrokerClientStatus"},
		{"xml malformed", "application/xml", `<BrokerClientStatus>2`, 0, "malformed"},
		{"empty", "", ``, 0, "neither XML nor JSON"},
		{"huge number", "application/json", `99999999999999999999999`, 0, `"99999999999999999999999"`},
	}
	for _, tc := range cases {
		rec := newRecorder(t, false, reply(http.StatusOK, tc.ct, tc.body))
		c := testClient(t, rec.srv.URL)
		got, err := c.BatchStatus(context.Background(), 9, "b-1")
		if tc.wantErr == "" {
			if err != nil || got != tc.want {
				t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "get batch status: ") {
			t.Errorf("%s: want an error quoting %s, got %v", tc.name, tc.wantErr, err)
		}
	}
}

func TestBatchStatusURI(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusOK, "application/json", "1"))
	c := testClient(t, rec.srv.URL, func(c *Config) { c.ClusterName = "HN" })
	if _, err := c.BatchStatus(context.Background(), 9, "b-1"); err != nil {
		t.Fatal(err)
	}
	if s := rec.last(t); s.Method != http.MethodGet || s.RequestURI != "/WindowsHPC/HN/session/9/batch/b-1/Status" {
		t.Errorf("got %s %s", s.Method, s.RequestURI)
	}
}

func TestBatchStatusString(t *testing.T) {
	for s, want := range map[BatchStatus]string{0: "Unknown", 1: "Ready", 2: "Processing", 3: "Finished", 4: "BatchStatus(4)", -1: "BatchStatus(-1)"} {
		if s.String() != want {
			t.Errorf("%d: %q", int(s), s.String())
		}
	}
}

func TestCommitAndPurgeURIs(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusCreated, "", ""))
	c := testClient(t, rec.srv.URL)
	if err := c.Commit(context.Background(), 3, "{b}"); err != nil {
		t.Fatal(err)
	}
	if err := c.Purge(context.Background(), 3, "{b}"); err != nil {
		t.Fatal(err)
	}
	r := rec.requests()
	if r[0].Method != http.MethodPost || r[0].RequestURI != "/WindowsHPC/session/3/batch/%7Bb%7D/Commit" || r[0].Path != "/WindowsHPC/session/3/batch/{b}/Commit" {
		t.Errorf("commit: %s %s", r[0].Method, r[0].RequestURI)
	}
	if r[1].Method != http.MethodPost || r[1].RequestURI != "/WindowsHPC/session/3/batch/%7Bb%7D/Purge" {
		t.Errorf("purge: %s %s", r[1].Method, r[1].RequestURI)
	}
}

func TestCommitAndPurgeAreRetriedAfterAmbiguousFailures(t *testing.T) {
	for _, op := range []string{"commit", "purge", "close"} {
		calls := 0
		rec := newRecorder(t, false, func(w http.ResponseWriter, _ *http.Request, _ seen) {
			calls++
			if calls == 1 {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.WriteHeader(http.StatusOK)
		})
		c := testClient(t, rec.srv.URL)
		var err error
		switch op {
		case "commit":
			err = c.Commit(context.Background(), 1, "b")
		case "purge":
			err = c.Purge(context.Background(), 1, "b")
		case "close":
			err = c.CloseSession(context.Background(), 1)
		}
		if err != nil || calls != 2 {
			t.Errorf("%s: err %v after %d calls", op, err, calls)
		}
	}
}

func TestValidBatchName(t *testing.T) {
	for _, ok := range []string{"a", "Batch_1-{x}", strings.Repeat("z", 128)} {
		if err := ValidBatchName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a\tb", "a/b", "ä", "a.b", "a%20", strings.Repeat("z", 129)} {
		if err := ValidBatchName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	rec := newRecorder(t, false, reply(http.StatusOK, "", ""))
	c := testClient(t, rec.srv.URL)
	ctx := context.Background()
	errs := []error{
		c.Commit(ctx, 1, "a b"), c.Purge(ctx, 1, "a/b"),
		func() error { _, err := c.BatchStatus(ctx, 1, ""); return err }(),
		func() error { _, err := c.GetResponses(ctx, 1, "x.y", ResponseOptions{}, nil); return err }(),
		c.Commit(ctx, -1, "b"),
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d accepted a bad name or id", i)
		}
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d calls reached the server", n)
	}
}
