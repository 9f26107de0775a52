package mrs

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// SDK-HMAC-SHA256 constants (spec §2).
const (
	Algorithm           = "SDK-HMAC-SHA256"
	DateFormat          = "20060102T150405Z" // X-Sdk-Date, UTC
	UnsignedPayload     = "UNSIGNED-PAYLOAD"
	HeaderSdkDate       = "X-Sdk-Date"
	HeaderContentSha256 = "X-Sdk-Content-Sha256"
	HeaderProjectID     = "X-Project-Id"
	HeaderSecurityToken = "X-Security-Token"
	HeaderAuthToken     = "X-Auth-Token"
	// MaxClockSkew is how far X-Sdk-Date may be from the real time.
	MaxClockSkew = 15 * time.Minute
)

// escape percent-encodes everything except the unreserved characters
// A-Z a-z 0-9 - _ . ~, with upper-case hex digits (the SDK signer's escape).
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

// requestTarget returns the escaped path and the raw query of r: as received
// (RequestURI) on the server side, from r.URL on the client side.
func requestTarget(r *http.Request) (string, string) {
	if uri := r.RequestURI; strings.HasPrefix(uri, "/") {
		p, q, _ := strings.Cut(uri, "?")
		return p, q
	}
	return r.URL.EscapedPath(), r.URL.RawQuery
}

// CanonicalURI returns the canonical URI of an escaped path: each segment is
// decoded, then re-encoded with the unreserved set A-Za-z0-9-_.~, and the
// result always ends with "/".
func CanonicalURI(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		segs[i] = escape(s)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// CanonicalQueryString returns the canonical query of a raw query string:
// names and values decoded, sorted by name then value, re-encoded like path
// segments and joined as k=v with "&" ("" when there is no query).
func CanonicalQueryString(rawQuery string) string {
	params := servicekit.DecodeQuery(rawQuery)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		vs := params[k]
		sort.Strings(vs)
		for _, v := range vs {
			out = append(out, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(out, "&")
}

// hostOf returns the Host the request was sent to.
func hostOf(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}

// CanonicalHeaders returns the canonical header block for the signed header
// names (lower case, in the given order): for each name, one line
// "name:trimmed value\n" per value of the header (values sorted); host is
// taken from the request's Host. A signed header the request does not carry
// contributes no line (as in the SDK signer).
func CanonicalHeaders(r *http.Request, signed []string) string {
	byName := map[string][]string{}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		byName[lk] = append(byName[lk], vs...)
	}
	var lines []string
	for _, name := range signed {
		vals := append([]string(nil), byName[name]...)
		if name == "host" {
			vals = []string{hostOf(r)}
		}
		sort.Strings(vals)
		for _, v := range vals {
			lines = append(lines, name+":"+strings.TrimSpace(v))
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// PayloadHash returns the payload hash of the canonical request:
// UNSIGNED-PAYLOAD when the X-Sdk-Content-Sha256 header says so, else the
// lower-case hex SHA-256 of body.
func PayloadHash(r *http.Request, body []byte) string {
	if strings.TrimSpace(r.Header.Get(HeaderContentSha256)) == UnsignedPayload {
		return UnsignedPayload
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// CanonicalRequest returns the canonical request of r (spec §2 step 2):
// method, canonical URI, canonical query, canonical headers, the signed
// header names joined by ";", and the payload hash, joined by "\n".
func CanonicalRequest(r *http.Request, signed []string, payloadHash string) string {
	path, query := requestTarget(r)
	return strings.Join([]string{
		r.Method,
		CanonicalURI(path),
		CanonicalQueryString(query),
		CanonicalHeaders(r, signed),
		strings.Join(signed, ";"),
		payloadHash,
	}, "\n")
}

// StringToSign returns "SDK-HMAC-SHA256\n" + sdkDate + "\n" + hex(sha256(canonicalRequest)).
func StringToSign(sdkDate, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(sum[:])
}

// Signature returns hex(HMAC-SHA256(key = secretKey, stringToSign)).
func Signature(secretKey, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secretKey))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// Authorization is a parsed "SDK-HMAC-SHA256 Access=…, SignedHeaders=…,
// Signature=…" header.
type Authorization struct {
	Access        string
	SignedHeaders []string // lower case, in the order given
	Signature     string
}

// ParseAuthorization parses an SDK-HMAC-SHA256 Authorization value. The
// algorithm must be followed by a space; the three parameters are separated
// by commas (spaces around them are ignored) and may come in any order.
func ParseAuthorization(v string) (Authorization, error) {
	var a Authorization
	v = strings.TrimSpace(v)
	alg, rest, ok := strings.Cut(v, " ")
	if !ok || alg != Algorithm {
		if alg == "" {
			alg = v
		}
		return a, fmt.Errorf("the signing algorithm %q is not supported; use %s", alg, Algorithm)
	}
	seen := map[string]bool{}
	for _, p := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return a, fmt.Errorf("the Authorization header is malformed near %q", strings.TrimSpace(p))
		}
		switch k {
		case "Access":
			a.Access = val
		case "SignedHeaders":
			for _, h := range strings.Split(val, ";") {
				if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
					a.SignedHeaders = append(a.SignedHeaders, h)
				}
			}
		case "Signature":
			a.Signature = val
		default:
			return a, fmt.Errorf("the Authorization header has an unknown parameter %q", k)
		}
		seen[k] = true
	}
	for _, k := range []string{"Access", "SignedHeaders", "Signature"} {
		if !seen[k] {
			return a, fmt.Errorf("the Authorization header lacks %s", k)
		}
	}
	if a.Access == "" || len(a.SignedHeaders) == 0 || a.Signature == "" {
		return a, fmt.Errorf("the Authorization header has an empty Access, SignedHeaders or Signature")
	}
	return a, nil
}

// Credentials are what Verify checks a request against.
type Credentials struct {
	AccessKey     string
	SecretKey     string
	SecurityToken string // non-empty: temporary credentials, X-Security-Token must equal it
	ProjectID     string // non-empty: an X-Project-Id header, when sent, must equal it
}

// AuthError is a failed verification; Detail completes the gateway message
// "Incorrect IAM authentication information: …". It never holds a signature
// or a key.
type AuthError struct{ Detail string }

func (e *AuthError) Error() string { return "Incorrect IAM authentication information: " + e.Detail }

func authFail(format string, args ...any) *AuthError {
	return &AuthError{Detail: fmt.Sprintf(format, args...)}
}

// Verify checks the SDK-HMAC-SHA256 signature of a received request whose
// body is body (see README.md, "Authentication"); now is the real time for
// the 15-minute X-Sdk-Date window. It returns nil or an *AuthError.
func Verify(r *http.Request, body []byte, c Credentials, now time.Time) error {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		if r.Header.Get(HeaderAuthToken) != "" {
			return authFail("token authentication (X-Auth-Token) is not supported by the emulator; sign the request with AK/SK (%s)", Algorithm)
		}
		return authFail("the Authorization header is missing")
	}
	a, err := ParseAuthorization(h)
	if err != nil {
		return authFail("%v", err)
	}
	hasDate := false
	for _, n := range a.SignedHeaders {
		if n == "x-sdk-date" {
			hasDate = true
		}
	}
	if !hasDate {
		return authFail("x-sdk-date must be one of the SignedHeaders")
	}
	dv := strings.TrimSpace(r.Header.Get(HeaderSdkDate))
	if dv == "" {
		return authFail("the X-Sdk-Date header is missing")
	}
	t, err := time.Parse(DateFormat, dv)
	if err != nil {
		return authFail("the X-Sdk-Date header %q is not of the form YYYYMMDDTHHMMSSZ", dv)
	}
	if d := now.Sub(t); d > MaxClockSkew || d < -MaxClockSkew {
		return authFail("the X-Sdk-Date %s is more than 15 minutes from the server time %s", dv, now.UTC().Format(DateFormat))
	}
	if a.Access != c.AccessKey {
		return authFail("the access key %q does not exist", a.Access)
	}
	cr := CanonicalRequest(r, a.SignedHeaders, PayloadHash(r, body))
	want := Signature(c.SecretKey, StringToSign(dv, cr))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(a.Signature))) != 1 {
		return authFail("verify aksk signature fail; the server's canonical request was %q", redactCanonical(cr))
	}
	if p := r.Header.Get(HeaderProjectID); p != "" && c.ProjectID != "" && p != c.ProjectID {
		return authFail("the X-Project-Id %q does not belong to these credentials", p)
	}
	tok := r.Header.Get(HeaderSecurityToken)
	switch {
	case c.SecurityToken != "" && tok == "":
		return authFail("the access key is a temporary credential: the X-Security-Token header is required")
	case c.SecurityToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(c.SecurityToken)) != 1:
		return authFail("the X-Security-Token is invalid or expired")
	case c.SecurityToken == "" && tok != "":
		return authFail("an X-Security-Token was sent with a permanent access key")
	}
	return nil
}

// redactCanonical hides the values of secret headers in a canonical request
// shown in an error message.
func redactCanonical(cr string) string {
	lines := strings.Split(cr, "\n")
	for i, l := range lines {
		for _, n := range []string{"x-security-token:", "authorization:", "x-auth-token:"} {
			if strings.HasPrefix(l, n) {
				lines[i] = n + "***"
			}
		}
	}
	return strings.Join(lines, "\n")
}

// SignRequest signs r as an SDK-HMAC-SHA256 client would (for tests and
// tools; the provider has its own signer): it sets X-Sdk-Date from t and the
// Authorization header over signedHeaders (lower case; default: host,
// x-sdk-date, plus x-project-id and x-security-token when r carries them),
// sorted, with body as the payload.
func SignRequest(r *http.Request, body []byte, ak, sk string, t time.Time, signedHeaders ...string) {
	r.Header.Set(HeaderSdkDate, t.UTC().Format(DateFormat))
	signed := make([]string, 0, len(signedHeaders)+4)
	for _, n := range signedHeaders {
		signed = append(signed, strings.ToLower(n))
	}
	if len(signed) == 0 {
		signed = append(signed, "host", "x-sdk-date")
		for _, n := range []string{HeaderProjectID, HeaderSecurityToken} {
			if r.Header.Get(n) != "" {
				signed = append(signed, strings.ToLower(n))
			}
		}
	}
	sort.Strings(signed)
	cr := CanonicalRequest(r, signed, PayloadHash(r, body))
	sig := Signature(sk, StringToSign(r.Header.Get(HeaderSdkDate), cr))
	r.Header.Set("Authorization", Algorithm+" Access="+ak+", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
}
