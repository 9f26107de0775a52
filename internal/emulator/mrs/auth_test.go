package mrs

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The published SDK-HMAC-SHA256 example (spec §2, HWC-WEB
// api-sign-algorithm-003/004).
const (
	vecAK   = "QTWAOYTTINDUT2QVKYUC"
	vecSK   = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	vecURL  = "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"
	vecDate = "20191115T033655Z"
	vecSig  = "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
	vecHash = "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
)

func vectorRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, vecURL, nil)
	r.Host = "service.region.example.com"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Sdk-Date", vecDate)
	r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+vecAK+", SignedHeaders=content-type;host;x-sdk-date, Signature="+vecSig)
	return r
}

var vecNow = time.Date(2019, 11, 15, 3, 40, 0, 0, time.UTC)

func TestPublishedVector(t *testing.T) {
	r := vectorRequest()
	signed := []string{"content-type", "host", "x-sdk-date"}
	cr := CanonicalRequest(r, signed, PayloadHash(r, nil))
	want := "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n" +
		"content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n" +
		"content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if cr != want {
		t.Fatalf("canonical request\n%q\nwant\n%q", cr, want)
	}
	sts := StringToSign(vecDate, cr)
	if !strings.HasSuffix(sts, "\n"+vecHash) {
		t.Fatalf("string to sign %q", sts)
	}
	if got := Signature(vecSK, sts); got != vecSig {
		t.Fatalf("signature %s", got)
	}
	c := Credentials{AccessKey: vecAK, SecretKey: vecSK}
	if err := Verify(r, nil, c, vecNow); err != nil {
		t.Fatalf("verify: %v", err)
	}
	// the date window is 15 minutes either side of the (injected) real time
	if err := Verify(r, nil, c, vecNow.Add(11*time.Minute)); err != nil {
		t.Errorf("within the window: %v", err)
	}
	for _, now := range []time.Time{vecNow.Add(20 * time.Minute), vecNow.Add(-20 * time.Minute), time.Now()} {
		var ae *AuthError
		if err := Verify(r, nil, c, now); !errors.As(err, &ae) || !strings.Contains(ae.Detail, "15 minutes") {
			t.Errorf("stale date at %v: %v", now, err)
		}
	}
	// SignRequest reproduces the vector too
	r2 := httptest.NewRequest(http.MethodGet, vecURL, nil)
	r2.Host = "service.region.example.com"
	r2.Header.Set("Content-Type", "application/json")
	at, _ := time.Parse(DateFormat, vecDate)
	SignRequest(r2, nil, vecAK, vecSK, at, "content-type", "host", "x-sdk-date")
	if got := r2.Header.Get("Authorization"); got != vectorRequest().Header.Get("Authorization") {
		t.Errorf("SignRequest: %s", got)
	}
}

func TestVerifyRejects(t *testing.T) {
	c := Credentials{AccessKey: vecAK, SecretKey: vecSK}
	cases := map[string]func(r *http.Request){
		"no authorization": func(r *http.Request) { r.Header.Del("Authorization") },
		"token auth":       func(r *http.Request) { r.Header.Del("Authorization"); r.Header.Set("X-Auth-Token", "tok") },
		"other algorithm": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SDK-HMAC-SHA256", "SDK-HMAC-SM3", 1))
		},
		"comma after algorithm": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SHA256 ", "SHA256,", 1))
		},
		"bad signature": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), vecSig, strings.Repeat("0", 64), 1))
		},
		"unknown AK": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), vecAK, "OTHERAK", 1))
		},
		"date not signed": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-sdk-date", "", 1))
		},
		"no date":               func(r *http.Request) { r.Header.Del("X-Sdk-Date") },
		"malformed date":        func(r *http.Request) { r.Header.Set("X-Sdk-Date", "2019-11-15T03:36:55Z") },
		"changed signed header": func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") },
		"changed query":         func(r *http.Request) { r.URL.RawQuery = "limit=3"; r.RequestURI = r.URL.RequestURI() },
		"changed host":          func(r *http.Request) { r.Host = "other.example.com" },
		"body not signed":       func(r *http.Request) {}, // body passed below
		"permanent key with token": func(r *http.Request) {
			r.Header.Set("X-Security-Token", "tok")
		},
		"missing Signature": func(r *http.Request) {
			r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+vecAK+", SignedHeaders=content-type;host;x-sdk-date")
		},
	}
	for name, mod := range cases {
		r := vectorRequest()
		mod(r)
		var body []byte
		if name == "body not signed" {
			body = []byte("{}")
		}
		var ae *AuthError
		if err := Verify(r, body, c, vecNow); !errors.As(err, &ae) {
			t.Errorf("%s: accepted (%v)", name, err)
		} else if strings.Contains(ae.Error(), vecSK) {
			t.Errorf("%s: secret in message", name)
		}
	}
	// project header and temporary credentials are checked once the
	// signature is good
	r := vectorRequest()
	r.Header.Set("X-Project-Id", "other")
	r.Header.Set("Authorization", "")
	SignRequest(r, nil, vecAK, vecSK, vecNow)
	if err := Verify(r, nil, Credentials{AccessKey: vecAK, SecretKey: vecSK, ProjectID: "mine"}, vecNow); err == nil || !strings.Contains(err.Error(), "X-Project-Id") {
		t.Errorf("wrong project header: %v", err)
	}
	if err := Verify(r, nil, Credentials{AccessKey: vecAK, SecretKey: vecSK, ProjectID: "other"}, vecNow); err != nil {
		t.Errorf("right project header: %v", err)
	}
	tmp := Credentials{AccessKey: vecAK, SecretKey: vecSK, SecurityToken: "sts-token"}
	r = vectorRequest()
	SignRequest(r, nil, vecAK, vecSK, vecNow)
	if err := Verify(r, nil, tmp, vecNow); err == nil || !strings.Contains(err.Error(), "X-Security-Token") {
		t.Errorf("missing token: %v", err)
	}
	r.Header.Set("X-Security-Token", "wrong")
	SignRequest(r, nil, vecAK, vecSK, vecNow)
	if err := Verify(r, nil, tmp, vecNow); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong token: %v", err)
	}
	r.Header.Set("X-Security-Token", "sts-token")
	SignRequest(r, nil, vecAK, vecSK, vecNow)
	if err := Verify(r, nil, tmp, vecNow); err != nil {
		t.Errorf("good token: %v", err)
	}
	// a failed signature shows the canonical request without the token
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Signature=", "Signature=0", 1))
	if err := Verify(r, nil, tmp, vecNow); err == nil || strings.Contains(err.Error(), "sts-token") || !strings.Contains(err.Error(), `x-security-token:***`) {
		t.Errorf("canonical request in the message: %v", err)
	}
}

// The Huawei Go SDK signs user-agent;x-project-id;x-sdk-date (not host, not
// content-type) and, for non-JSON bodies, UNSIGNED-PAYLOAD.
func TestVerifySDKStyle(t *testing.T) {
	c := Credentials{AccessKey: "AK", SecretKey: "SK", ProjectID: "p1"}
	body := []byte(`{"job_id_list":["a b"]}`)
	r := httptest.NewRequest(http.MethodPost, "https://mrs.example.com/v2/p1/clusters/c%201/job-executions/batch-delete?x=a%2Fb&x=%20&y", strings.NewReader(string(body)))
	r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	r.Header.Set("X-Project-Id", "p1")
	r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	SignRequest(r, body, "AK", "SK", time.Now(), "user-agent", "x-project-id", "x-sdk-date")
	if !strings.Contains(r.Header.Get("Authorization"), "SignedHeaders=user-agent;x-project-id;x-sdk-date,") {
		t.Fatalf("authorization %s", r.Header.Get("Authorization"))
	}
	if err := Verify(r, body, c, time.Now()); err != nil {
		t.Fatalf("SDK style: %v", err)
	}
	// content-type is not signed, so changing it keeps the signature valid
	r.Header.Set("Content-Type", "application/json")
	if err := Verify(r, body, c, time.Now()); err != nil {
		t.Errorf("unsigned header changed: %v", err)
	}
	// a different body breaks it ...
	if err := Verify(r, []byte(`{}`), c, time.Now()); err == nil {
		t.Error("body change accepted")
	}
	// ... unless the payload is unsigned
	r.Header.Set("X-Sdk-Content-Sha256", UnsignedPayload)
	SignRequest(r, body, "AK", "SK", time.Now(), "user-agent", "x-project-id", "x-sdk-content-sha256", "x-sdk-date")
	if err := Verify(r, []byte(`{}`), c, time.Now()); err != nil {
		t.Errorf("unsigned payload: %v", err)
	}
	if got := CanonicalURI("/v2/p1/clusters/c%201/job-executions/batch-delete"); got != "/v2/p1/clusters/c%201/job-executions/batch-delete/" {
		t.Errorf("canonical URI %s", got)
	}
	if got := CanonicalURI(""); got != "/" {
		t.Errorf("empty URI %s", got)
	}
	if got := CanonicalQueryString("x=a%2Fb&x=%20&y&b=c+d"); got != "b=c%20d&x=%20&x=a%2Fb&y=" {
		t.Errorf("canonical query %s", got)
	}
}
