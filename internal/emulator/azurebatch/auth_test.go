package azurebatch

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The worked examples of shared/specs/test-vectors.md.
func TestSharedKeyTestVectors(t *testing.T) {
	const (
		account = "examplebatch"
		key     = "ZXhhbXBsZS1iYXRjaC1hY2NvdW50LWtleS0zMmJ5dGU="
		date    = "Sun, 22 Nov 2026 12:00:00 GMT"
	)
	postBody := `{"id":"task-1","commandLine":"/bin/sh -c 'echo hi'"}`
	postBody += strings.Repeat(" ", 57-len(postBody))
	putBody := `{"constraints":{"maxTaskRetryCount":1}}`
	putBody += strings.Repeat(" ", 42-len(putBody))

	vectors := []struct {
		name, method, target, body, ifMatch string
		sts, sig                            string
		wantStatus                          int
	}{
		{
			name: "get", method: "GET", target: "/jobs/job-1/tasks/task-1?api-version=2024-07-01.20.0",
			sts:        "GET\n\n\n\n\n\n\n\n\n\n\n\nocp-date:Sun, 22 Nov 2026 12:00:00 GMT\n/examplebatch/jobs/job-1/tasks/task-1\napi-version:2024-07-01.20.0",
			sig:        "kdQ+7G0lPKVmjcY3/dPhMUjmOF5F+c95tFoLMf7B1Lc=",
			wantStatus: http.StatusNotFound, // authenticated; the task does not exist
		},
		{
			name: "delete", method: "DELETE", target: "/jobs/job-1/tasks/task-1?api-version=2024-07-01.20.0&timeout=30",
			sts:        "DELETE\n\n\n\n\n\n\n\n\n\n\n\nocp-date:Sun, 22 Nov 2026 12:00:00 GMT\n/examplebatch/jobs/job-1/tasks/task-1\napi-version:2024-07-01.20.0\ntimeout:30",
			sig:        "buHSbwzdokrIPLTZO24YWw3CRbo0X+e+Pk3NKPU/n2A=",
			wantStatus: http.StatusNotFound,
		},
		{
			name: "post", method: "POST", target: "/jobs/job-1/tasks?api-version=2024-07-01.20.0", body: postBody,
			sts:        "POST\n\n\n57\n\napplication/json; odata=minimalmetadata\n\n\n\n\n\n\nocp-date:Sun, 22 Nov 2026 12:00:00 GMT\n/examplebatch/jobs/job-1/tasks\napi-version:2024-07-01.20.0",
			sig:        "sbXPI25ojXuqJ8NCqowd9fGcSljE1I38VLdz2GJgNNE=",
			wantStatus: http.StatusCreated,
		},
		{
			name: "put", method: "PUT", target: "/jobs/job-1/tasks/task-1?api-version=2024-07-01.20.0", body: putBody, ifMatch: "0x8D4EDFEBFADF4AB",
			sts:        "PUT\n\n\n42\n\napplication/json; odata=minimalmetadata\n\n\n0x8D4EDFEBFADF4AB\n\n\n\nocp-date:Sun, 22 Nov 2026 12:00:00 GMT\n/examplebatch/jobs/job-1/tasks/task-1\napi-version:2024-07-01.20.0",
			sig:        "+zRc/xCeAZs/QkDoVHzFJDF86AGG1Q3+NiEfcjp1lIA=",
			wantStatus: http.StatusPreconditionFailed, // authenticated; the ETag differs
		},
	}
	vectorTime := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	build := func(method, target, body, ifMatch, auth string) *http.Request {
		var r *http.Request
		if body != "" {
			r = httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json; odata=minimalmetadata")
			r.Header.Set("Content-Length", "57")
			if method == "PUT" {
				r.Header.Set("Content-Length", "42")
			}
		} else {
			r = httptest.NewRequest(method, target, nil)
		}
		r.Header.Set("ocp-date", date)
		if ifMatch != "" {
			r.Header.Set("If-Match", ifMatch)
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	for _, tc := range []string{"fixed now", "outside window"} {
		// One service for all vectors: the POST creates task-1, which the
		// PUT then finds (with a different ETag).
		cfg := Config{Account: account, Key: key, Jobs: []Job{{ID: "job-1"}}}
		cfg.AuthNow = func() time.Time { return vectorTime.Add(3 * time.Minute) }
		if tc == "outside window" {
			cfg.AuthNow = func() time.Time { return vectorTime.Add(16 * time.Minute) }
		}
		svc, err := New(cfg, func() time.Time { return vectorTime })
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vectors {
			t.Run(tc+"/"+v.name, func(t *testing.T) {
				r := build(v.method, v.target, v.body, v.ifMatch, "")
				if got := StringToSign(r, account); got != v.sts {
					t.Fatalf("string to sign:\n got %q\nwant %q", got, v.sts)
				}
				k, _ := decodeKey(key)
				if got := ComputeSignature(k, v.sts); got != v.sig {
					t.Fatalf("signature = %s, want %s", got, v.sig)
				}
				rec := httptest.NewRecorder()
				svc.ServeHTTP(rec, build(v.method, v.target, v.body, v.ifMatch, "SharedKey "+account+":"+v.sig))
				want := v.wantStatus
				if tc == "outside window" {
					want = http.StatusForbidden // ocp-date is 16 minutes old
				}
				if rec.Code != want {
					t.Fatalf("status = %d, want %d: %s", rec.Code, want, rec.Body)
				}
				if tc == "fixed now" {
					// a tampered signature fails
					rec := httptest.NewRecorder()
					svc.ServeHTTP(rec, build(v.method, v.target, v.body, v.ifMatch, "SharedKey "+account+":"+strings.Replace(v.sig, v.sig[:4], "AAAA", 1)))
					if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), codeAuthenticationFailed) {
						t.Fatalf("tampered: %d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}

func decodeKey(k string) ([]byte, error) {
	s, err := New(Config{Key: k}, nil)
	if err != nil {
		return nil, err
	}
	return s.key, nil
}

// The test helper signer agrees with the server on requests sent by Go's
// net/http (including paths with escapes and several query parameters).
func TestClientSignerAgrees(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "a_b-1", "commandLine": "x"})
	r := e.do(http.MethodGet, e.url("/jobs/job-1/tasks", "$filter", "startswith(id,'a') and state eq 'active'", "maxresults", "5", "timeOut", "30"), nil)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = e.do(http.MethodGet, e.srv.URL+"/jobs/job-1/tasks/a%5Fb-1?api-version="+APIVersion, nil)
	if r.status != http.StatusOK {
		t.Fatalf("escaped path: %d %s", r.status, r.body)
	}
}

func TestAuthenticationFailures(t *testing.T) {
	e := newEnv(t)
	u := e.url("/jobs/job-1/tasks/none")
	mk := func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		return req
	}

	// no Authorization header
	expectError(t, e.send(mk()), http.StatusUnauthorized, codeInvalidAuthenticationInfo)

	// unknown scheme
	req := mk()
	req.Header.Set("Authorization", "Digest abc")
	expectError(t, e.send(req), http.StatusUnauthorized, codeInvalidAuthenticationInfo)

	// malformed SharedKey header
	req = mk()
	req.Header.Set("ocp-date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Authorization", "SharedKey "+testAccount)
	expectError(t, e.send(req), http.StatusBadRequest, codeInvalidAuthenticationInfo)

	// wrong key
	req = mk()
	testSign(req, testAccount, "d3Jvbmcta2V5", time.Now())
	r := e.send(req)
	expectError(t, r, http.StatusForbidden, codeAuthenticationFailed)
	if !strings.Contains(string(r.body), "string to sign") {
		t.Errorf("the error should show the server's string to sign: %s", r.body)
	}

	// wrong account
	req = mk()
	testSign(req, "otheracct", testKey, time.Now())
	expectError(t, e.send(req), http.StatusForbidden, codeAuthenticationFailed)

	// stale and future dates
	for _, d := range []time.Duration{-16 * time.Minute, 16 * time.Minute} {
		req = mk()
		testSign(req, testAccount, testKey, time.Now().Add(d))
		expectError(t, e.send(req), http.StatusForbidden, codeAuthenticationFailed)
	}
	// within the window
	req = mk()
	testSign(req, testAccount, testKey, time.Now().Add(-10*time.Minute))
	expectError(t, e.send(req), http.StatusNotFound, codeTaskNotFound)

	// Date instead of ocp-date: the Date line is signed
	req = mk()
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	sts := testStringToSign(req, testAccount)
	sts = strings.Replace(sts, "\n\n\n\n\n\n\n", "\n\n\n\n\n\n"+req.Header.Get("Date")+"\n", 1)
	k, _ := decodeKey(testKey)
	req.Header.Set("Authorization", "SharedKey "+testAccount+":"+ComputeSignature(k, sts))
	expectError(t, e.send(req), http.StatusNotFound, codeTaskNotFound)

	// no date at all
	req = mk()
	req.Header.Set("Authorization", "SharedKey "+testAccount+":"+testSignature(req, testAccount, testKey))
	expectError(t, e.send(req), http.StatusForbidden, codeAuthenticationFailed)

	// azbatch formats ocp-date with time.RFC1123 ("UTC" instead of "GMT")
	req = mk()
	req.Header.Set("ocp-date", time.Now().UTC().Format(time.RFC1123))
	req.Header.Set("Authorization", "SharedKey "+testAccount+":"+testSignature(req, testAccount, testKey))
	expectError(t, e.send(req), http.StatusNotFound, codeTaskNotFound)

	// Microsoft Entra ID bearer token
	req = mk()
	req.Header.Set("Authorization", "Bearer entra-token")
	expectError(t, e.send(req), http.StatusNotFound, codeTaskNotFound)
	req = mk()
	req.Header.Set("Authorization", "Bearer wrong")
	expectError(t, e.send(req), http.StatusUnauthorized, codeInvalidAuthenticationInfo)
}

func TestAuthDateWindowIgnoresEmulatorClock(t *testing.T) {
	e := newEnv(t)
	e.clock.Advance(48 * time.Hour)
	r := e.getTask("job-1", "none")
	expectError(t, r, http.StatusNotFound, codeTaskNotFound)
}
