package azurebatch

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// MaxClockSkew is how far ocp-date (or Date) may be from the real time.
const MaxClockSkew = 15 * time.Minute

// StringToSign returns the Shared Key string to sign of a received request
// (spec §6.1): the upper-case verb, then the values of Content-Encoding,
// Content-Language, Content-Length (the received header value, or empty when
// the header is absent), Content-MD5, Content-Type, Date (empty when ocp-date
// is present), If-Modified-Since, If-Match, If-None-Match,
// If-Unmodified-Since and Range, each followed by "\n"; then the canonicalized
// ocp-* headers ("name:value\n", names lower-cased and sorted, line breaks in
// values collapsed to a space, values trimmed); then "/" + account + the path
// exactly as received (still escaped); then for each query parameter, names
// URL-decoded, lower-cased and sorted, "\nname:value" with the decoded values
// of one name sorted and joined by commas.
func StringToSign(r *http.Request, account string) string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(r.Method))
	b.WriteByte('\n')
	date := r.Header.Get("Date")
	if r.Header.Get("ocp-date") != "" {
		date = ""
	}
	for _, v := range []string{
		r.Header.Get("Content-Encoding"),
		r.Header.Get("Content-Language"),
		r.Header.Get("Content-Length"),
		r.Header.Get("Content-MD5"),
		r.Header.Get("Content-Type"),
		date,
		r.Header.Get("If-Modified-Since"),
		r.Header.Get("If-Match"),
		r.Header.Get("If-None-Match"),
		r.Header.Get("If-Unmodified-Since"),
		r.Header.Get("Range"),
	} {
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteString(canonicalizedHeaders(r.Header))
	path, rawQuery := requestTarget(r)
	b.WriteString(canonicalizedResource(account, path, rawQuery))
	return b.String()
}

func canonicalizedHeaders(h http.Header) string {
	type kv struct{ k, v string }
	var hs []kv
	for name, vals := range h {
		lname := strings.ToLower(name)
		if !strings.HasPrefix(lname, "ocp-") {
			continue
		}
		v := strings.Join(vals, ",")
		v = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(v)
		hs = append(hs, kv{lname, strings.TrimSpace(v)})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].k < hs[j].k })
	var b strings.Builder
	for _, p := range hs {
		b.WriteString(p.k)
		b.WriteByte(':')
		b.WriteString(p.v)
		b.WriteByte('\n')
	}
	return b.String()
}

func canonicalizedResource(account, path, rawQuery string) string {
	var b strings.Builder
	b.WriteByte('/')
	b.WriteString(account)
	b.WriteString(path)
	params := map[string][]string{} // names lower-cased
	for k, vs := range servicekit.DecodeQuery(rawQuery) {
		k = strings.ToLower(k)
		params[k] = append(params[k], vs...)
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		vs := params[k]
		sort.Strings(vs)
		b.WriteByte('\n')
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(strings.Join(vs, ","))
	}
	return b.String()
}

// requestTarget returns the escaped path and raw query exactly as received.
func requestTarget(r *http.Request) (string, string) {
	uri := r.RequestURI
	if uri == "" || !strings.HasPrefix(uri, "/") {
		path := r.URL.EscapedPath()
		return path, r.URL.RawQuery
	}
	path, q, _ := strings.Cut(uri, "?")
	return path, q
}

// ComputeSignature returns base64(HMAC-SHA256(key, stringToSign)).
func ComputeSignature(key []byte, stringToSign string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// parseHTTPDate parses an RFC 1123 date in GMT/UTC (also the other forms
// net/http accepts).
func parseHTTPDate(s string) (time.Time, bool) {
	if t, err := http.ParseTime(s); err == nil {
		return t, true
	}
	for _, layout := range []string{time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			if layout == time.RFC1123 {
				if z, _ := t.Zone(); z != "UTC" && z != "GMT" {
					continue
				}
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// authenticate checks the Authorization header (see README.md for the rules
// and statuses).
func (s *Service) authenticate(r *http.Request) *apiError {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if auth == "" {
		return newError(http.StatusUnauthorized, codeInvalidAuthenticationInfo,
			"AuthenticationErrorDetail", "The Authorization header is missing.")
	}
	scheme, cred, _ := strings.Cut(auth, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "SharedKey"):
		return s.checkSharedKey(r, cred)
	case strings.EqualFold(scheme, "Bearer"):
		return s.checkBearer(cred)
	default:
		return newError(http.StatusUnauthorized, codeInvalidAuthenticationInfo,
			"AuthenticationErrorDetail", "The authentication scheme is not supported; use SharedKey or Bearer.")
	}
}

func (s *Service) checkSharedKey(r *http.Request, cred string) *apiError {
	acct, sig, ok := strings.Cut(cred, ":")
	if !ok || acct == "" || sig == "" || strings.ContainsAny(cred, " \t") {
		return newError(http.StatusBadRequest, codeInvalidAuthenticationInfo,
			"AuthenticationErrorDetail", "The SharedKey Authorization header must have the form 'SharedKey account:signature'.")
	}
	if _, err := base64.StdEncoding.DecodeString(sig); err != nil {
		return newError(http.StatusBadRequest, codeInvalidAuthenticationInfo,
			"AuthenticationErrorDetail", "The signature is not valid base64.")
	}
	// Date window, against real time (never the emulator clock).
	dateHeader := "ocp-date"
	dv := r.Header.Get("ocp-date")
	if dv == "" {
		dateHeader, dv = "Date", r.Header.Get("Date")
	}
	if dv == "" {
		return newError(http.StatusForbidden, codeAuthenticationFailed,
			"AuthenticationErrorDetail", "The request must carry an ocp-date or Date header.")
	}
	t, ok := parseHTTPDate(dv)
	if !ok {
		return newError(http.StatusForbidden, codeAuthenticationFailed,
			"AuthenticationErrorDetail", "The "+dateHeader+" header is not a valid RFC 1123 date: '"+dv+"'.")
	}
	now := s.authNow()
	if d := now.Sub(t); d > MaxClockSkew || d < -MaxClockSkew {
		return newError(http.StatusForbidden, codeAuthenticationFailed,
			"AuthenticationErrorDetail", "Request date header too old or too new: '"+dv+"'; the server time is '"+now.UTC().Format(http.TimeFormat)+"' and requests must be within 15 minutes of it.")
	}
	if !strings.EqualFold(acct, s.cfg.Account) {
		return newError(http.StatusForbidden, codeAuthenticationFailed,
			"AuthenticationErrorDetail", "The account name '"+acct+"' in the Authorization header does not match this account.")
	}
	// The canonical resource uses the account name as configured; the
	// lower-cased form (as the Java SDK signs) is accepted too.
	names := []string{s.cfg.Account}
	if l := strings.ToLower(s.cfg.Account); l != s.cfg.Account {
		names = append(names, l)
	}
	var sts string
	for i, name := range names {
		candidate := StringToSign(r, name)
		if i == 0 {
			sts = candidate
		}
		want := ComputeSignature(s.key, candidate)
		if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) == 1 {
			return nil
		}
	}
	return newError(http.StatusForbidden, codeAuthenticationFailed,
		"AuthenticationErrorDetail", "The MAC signature found in the HTTP request is not the same as any computed signature. Server used following string to sign: '"+sts+"'.")
}

// checkBearer accepts the configured static token, or a token the Entra ID authority issued
// for this account's Batch resource (Config.Tokens, Config.Audience).
func (s *Service) checkBearer(token string) *apiError {
	if s.cfg.BearerToken == "" && s.cfg.Tokens == nil {
		return newError(http.StatusUnauthorized, codeInvalidAuthenticationInfo,
			"AuthenticationErrorDetail", "Microsoft Entra ID authentication is not enabled on this account.")
	}
	if token != "" && s.cfg.BearerToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.BearerToken)) == 1 {
		return nil
	}
	if token != "" && s.cfg.Tokens != nil {
		audience, ok := s.cfg.Tokens(token)
		switch {
		case !ok:
		case strings.TrimRight(audience, "/") != strings.TrimRight(s.cfg.Audience, "/"):
			return newError(http.StatusUnauthorized, codeInvalidAuthenticationInfo,
				"AuthenticationErrorDetail", "The access token was issued for the audience '"+audience+"', but this account accepts tokens for '"+s.cfg.Audience+"' only.")
		default:
			return nil
		}
	}
	return newError(http.StatusUnauthorized, codeInvalidAuthenticationInfo,
		"AuthenticationErrorDetail", "The access token is invalid.")
}
