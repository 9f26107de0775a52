package azurebatch

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SharedKeySigner signs requests with the account's Shared Key ("Authenticate requests to the
// Batch service"). It runs inside the transport for every attempt rather than as an azcore
// policy, because retries live in the transport and each attempt needs a fresh ocp-date.
type SharedKeySigner struct {
	account string
	key     []byte
	now     func() time.Time
}

// NewSharedKeySigner decodes the base64 account key.
func NewSharedKeySigner(account, base64Key string) (*SharedKeySigner, error) {
	key, err := base64.StdEncoding.DecodeString(base64Key)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("the account key is not valid base64")
	}
	return &SharedKeySigner{account: account, key: key, now: time.Now}, nil
}

// Sign sets ocp-date and the SharedKey Authorization header.
func (s *SharedKeySigner) Sign(req *http.Request) error {
	req.Header.Set("ocp-date", s.now().UTC().Format(http.TimeFormat))
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(StringToSign(req, s.account)))
	req.Header.Set("Authorization", "SharedKey "+s.account+":"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return nil
}

// StringToSign builds the Shared Key string-to-sign: the verb, eleven standard header values,
// the canonicalised ocp-* headers and the canonicalised resource.
func StringToSign(req *http.Request, account string) string {
	h := req.Header
	date := h.Get("Date")
	if h.Get("ocp-date") != "" {
		date = ""
	}
	lines := []string{
		strings.ToUpper(req.Method),
		h.Get("Content-Encoding"),
		h.Get("Content-Language"),
		contentLength(req),
		h.Get("Content-MD5"),
		h.Get("Content-Type"),
		date,
		h.Get("If-Modified-Since"),
		h.Get("If-Match"),
		h.Get("If-None-Match"),
		h.Get("If-Unmodified-Since"),
		h.Get("Range"),
	}
	return strings.Join(lines, "\n") + "\n" + canonicalHeaders(h) + canonicalResource(req.URL, account)
}

// contentLength is the value net/http will send: POST and PUT always carry one (0 when
// empty); GET and DELETE without a body carry none, which signs as an empty line.
func contentLength(req *http.Request) string {
	if v := req.Header.Get("Content-Length"); v != "" {
		return v
	}
	if req.ContentLength > 0 || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		return strconv.FormatInt(max(req.ContentLength, 0), 10)
	}
	return ""
}

func canonicalHeaders(h http.Header) string {
	var names []string
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), "ocp-") {
			names = append(names, strings.ToLower(name))
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		value := strings.Join(h.Values(name), ",")
		value = strings.NewReplacer("\r\n", " ", "\n", " ").Replace(value)
		b.WriteString(name + ":" + strings.TrimSpace(value) + "\n")
	}
	return b.String()
}

func canonicalResource(u *url.URL, account string) string {
	var b strings.Builder
	b.WriteString("/" + account + u.EscapedPath())
	q := u.Query()
	params := make(map[string][]string, len(q))
	for name, values := range q {
		lower := strings.ToLower(name)
		params[lower] = append(params[lower], values...)
	}
	names := slices.Sorted(maps.Keys(params))
	for _, name := range names {
		values := params[name]
		sort.Strings(values)
		b.WriteString("\n" + name + ":" + strings.Join(values, ","))
	}
	return b.String()
}
