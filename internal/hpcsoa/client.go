package hpcsoa

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

// DefaultAPIVersion is the api-version sent when Config.APIVersion is empty: the minimum for
// SOA operations, and what the HPC Pack runtime's own REST client sends.
const DefaultAPIVersion = "2011-11-01"

// Config describes how to reach one HPC Pack web service.
type Config struct {
	Endpoint string // https://headnode[:port]
	// ClusterName non-empty selects the pre-2016 URIs https://host/WindowsHPC/{ClusterName}/...;
	// empty selects the HPC Pack 2016 form https://host/WindowsHPC/...
	ClusterName string
	// Username and Password authenticate every call with HTTP Basic: base64 of
	// "Username:Password" as given (e.g. `CONTOSO\alice`).
	Username string
	Password string
	// APIVersion is sent as the api-version header on every call; default DefaultAPIVersion.
	APIVersion string
	// ResponseFormat is "xml" (default, like the HPC Pack runtime's own client) or "json": the
	// Accept header sent. Answers are parsed by their Content-Type either way.
	ResponseFormat string
	// BatchEndpoint chooses where batch operations (send, commit, status, responses, purge)
	// go: BatchEndpointHeadNode (default, "") or BatchEndpointBrokerNode, the BrokerNode the
	// session reports (see broker.go). Session operations always go to Endpoint.
	BatchEndpoint string

	CACertificateFile  string
	InsecureSkipVerify bool
	UserAgent          string
	Retry              transport.RetryPolicy
}

// Client performs the SOA session and batch operations of the HPC Pack REST web service.
// It is safe for concurrent use.
type Client struct {
	http       *http.Client
	base       string // scheme://host[:port][/prefix]/WindowsHPC[/cluster], escaped
	apiVersion string
	// brokers routes batch operations to the sessions' broker nodes; nil sends them to base.
	brokers  *brokerRoutes
	accept   string
	username string
	redact   transport.Redactor
	retry    transport.RetryPolicy
}

// New validates cfg and builds a client. Errors name the offending setting.
func New(cfg Config) (*Client, error) {
	endpoint := strings.TrimSpace(cfg.Endpoint)
	u, err := url.Parse(endpoint)
	if endpoint == "" || err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("endpoint %q is not an absolute https URL such as https://headnode.contoso.com", cfg.Endpoint)
	}
	if u.User != nil {
		return nil, fmt.Errorf("endpoint must not contain credentials; set username and password instead")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("endpoint %q must not contain a query or fragment", cfg.Endpoint)
	}
	prefix := strings.TrimRight(u.EscapedPath(), "/")
	if strings.Contains(strings.ToLower(prefix), "/windowshpc") {
		return nil, fmt.Errorf("endpoint %q must be the head node's base URL (https://headnode[:port]), without /WindowsHPC: the client adds it", cfg.Endpoint)
	}
	if cfg.Username == "" {
		return nil, errors.New(`username is required (for example CONTOSO\alice or alice@contoso.com)`)
	}
	if strings.Contains(cfg.Username, ":") {
		return nil, errors.New("username must not contain ':' (HTTP Basic authentication cannot carry it)")
	}
	if hasControl(cfg.Username) {
		return nil, errors.New("username must not contain control characters")
	}
	if cfg.Password == "" {
		return nil, errors.New("password is required")
	}
	tail := "/WindowsHPC"
	if cfg.ClusterName != "" {
		if strings.TrimSpace(cfg.ClusterName) != cfg.ClusterName || hasControl(cfg.ClusterName) || strings.ContainsAny(cfg.ClusterName, "/\\") {
			return nil, fmt.Errorf("cluster_name %q is not a valid cluster name", cfg.ClusterName)
		}
		tail += "/" + url.PathEscape(cfg.ClusterName)
	}
	base := u.Scheme + "://" + u.Host + prefix + tail
	var brokers *brokerRoutes
	switch cfg.BatchEndpoint {
	case "", BatchEndpointHeadNode:
	case BatchEndpointBrokerNode:
		brokers = newBrokerRoutes(u, tail)
	default:
		return nil, fmt.Errorf("batch_endpoint %q must be %s or %s", cfg.BatchEndpoint, BatchEndpointHeadNode, BatchEndpointBrokerNode)
	}
	apiVersion := cfg.APIVersion
	if apiVersion == "" {
		apiVersion = DefaultAPIVersion
	}
	if strings.ContainsFunc(apiVersion, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }) {
		return nil, fmt.Errorf("api_version %q is not a valid version such as %s", apiVersion, DefaultAPIVersion)
	}
	var accept string
	switch strings.ToLower(cfg.ResponseFormat) {
	case "", "xml":
		accept = "application/xml"
	case "json":
		accept = "application/json"
	default:
		return nil, fmt.Errorf("response_format %q must be xml or json", cfg.ResponseFormat)
	}

	username, password := cfg.Username, cfg.Password
	token := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
	secrets := []string{password, token}
	httpClient, err := transport.NewClient(transport.Options{
		Service:            "hpcpack",
		UserAgent:          cfg.UserAgent,
		CACertificateFile:  cfg.CACertificateFile,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		Retry:              cfg.Retry,
		Secrets:            secrets,
		Signer: transport.SignerFunc(func(r *http.Request) error {
			r.Header.Set("Authorization", "Basic "+token)
			return nil
		}),
	})
	if err != nil {
		return nil, err
	}
	// A redirect would lose the Authorization header (or send it somewhere else): report it.
	httpClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{
		http:       httpClient,
		base:       base,
		apiVersion: apiVersion,
		accept:     accept,
		username:   username,
		brokers:    brokers,
		redact:     transport.NewRedactor(secrets...),
		retry:      cfg.Retry,
	}, nil
}

func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// call is one HTTP exchange.
type call struct {
	op     string // names the operation in errors: "create session"
	method string
	// base replaces the head node's base URL (a broker node's, see broker.go); "" = head node.
	base  string
	path  string // escaped, relative to the base, starting with "/"
	query string // encoded, without "?"
	// body, when set, produces the request body (it is called again for each retry);
	// bodyLen is its length, or -1 to stream it chunked. A POST without body sends
	// Content-Length: 0.
	body        func() io.ReadCloser
	bodyLen     int64
	contentType string
	idempotent  bool
	// secrets are extra values to mask in errors of this call (run-as passwords).
	secrets []string
	// hint is added to auth failures of this call.
	authHint string
}

// do sends the call and returns the 2xx answer; anything else becomes a *Fault. The caller
// closes the body.
func (c *Client) do(ctx context.Context, cl call) (*http.Response, error) {
	base := c.base
	if cl.base != "" {
		base = cl.base
	}
	target := base + cl.path
	if cl.query != "" {
		target += "?" + cl.query
	}
	if cl.idempotent {
		ctx = transport.WithIdempotent(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, target, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: building the request: %w", cl.op, err)
	}
	switch {
	case cl.body != nil:
		req.Body = cl.body()
		req.ContentLength = cl.bodyLen
		req.GetBody = func() (io.ReadCloser, error) { return cl.body(), nil }
	case cl.method == http.MethodPost:
		// HPC Pack requires Content-Length: 0 on body-less POSTs (411 otherwise). A non-nil
		// empty body with length 0 makes net/http send exactly that header.
		req.Body = http.NoBody
		req.ContentLength = 0
		req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	req.Header.Set("api-version", c.apiVersion)
	req.Header.Set("Accept", c.accept)
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	} else if cl.method == http.MethodPost {
		req.Header.Set("Content-Type", c.accept+"; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// Transport errors carry the URL, never the credentials (they are in a header).
		if cl.base != "" {
			return nil, fmt.Errorf("%s: %w; %s", cl.op, err, brokerHint(req.URL.Host))
		}
		return nil, fmt.Errorf("%s: %w", cl.op, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	f := readFault(resp)
	f.Message = c.mask(f.Message, cl.secrets)
	for k, v := range f.Values {
		f.Values[k] = c.mask(v, cl.secrets)
	}
	switch {
	case isAuthFault(f.StatusCode, f.Code):
		f.hint = fmt.Sprintf("the credentials of user %s were rejected: check hpc_pack.username and hpc_pack.password (HPC_PACK_USERNAME / HPC_PACK_PASSWORD)", c.username)
		if cl.authHint != "" {
			f.hint += cl.authHint
		}
		if cl.base != "" {
			f.hint += "; " + brokerHint(req.URL.Host)
		}
	case f.Code == 0 && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed):
		f.hint = fmt.Sprintf("the web service does not serve %s %s: check hpc_pack.endpoint and hpc_pack.cluster_name (set it for clusters before HPC Pack 2016; leave it empty for HPC Pack 2016 and later)", cl.method, req.URL.Path)
		if cl.base != "" {
			f.hint += "; " + brokerHint(req.URL.Host)
		}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		f.hint = fmt.Sprintf("the web service redirected to %q: set hpc_pack.endpoint to the address it expects", resp.Header.Get("Location"))
	}
	return nil, f
}

// mask removes the configured and per-call secrets from s.
func (c *Client) mask(s string, extra []string) string {
	return c.redact.With(extra...).Redact(s)
}

// drain reads what is left of a body (bounded) so the connection can be reused, and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// maxAnswer bounds the answers read into memory (session info, status).
const maxAnswer = 4 << 20

func readAnswer(op string, resp *http.Response) ([]byte, error) {
	defer drain(resp.Body)
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %w", op, err)
	}
	if len(data) > maxAnswer {
		return nil, fmt.Errorf("%s: the answer is larger than %d bytes", op, maxAnswer)
	}
	return data, nil
}

// decodeAnswer reads a bounded answer and decodes it by its content type. An HTML page (a
// proxy's or IIS's error page) or a body that does not decode is a MalformedError, which the
// read calls repeat; notA names what the body should be ("" leaves the decoder's words alone).
func decodeAnswer[T any](op string, resp *http.Response, notA string, decode func(contentType string, data []byte) (T, error)) (T, error) {
	var zero T
	data, err := readAnswer(op, resp)
	if err != nil {
		return zero, err
	}
	contentType := resp.Header.Get("Content-Type")
	if page := htmlPage(contentType); page != "" {
		return zero, &MalformedError{Op: op, StatusCode: resp.StatusCode, Detail: page}
	}
	v, err := decode(contentType, data)
	if err != nil {
		detail := err.Error()
		if notA != "" {
			detail = "the answer is not " + notA + ": " + detail
		}
		return zero, &MalformedError{Op: op, StatusCode: resp.StatusCode, Detail: detail}
	}
	return v, nil
}

func sessionPath(id int) (string, error) {
	if id <= 0 {
		return "", fmt.Errorf("session id %d is not a positive integer", id)
	}
	return "/session/" + strconv.Itoa(id), nil
}

func batchPath(sessionID int, batch string) (string, error) {
	p, err := sessionPath(sessionID)
	if err != nil {
		return "", err
	}
	if err := ValidBatchName(batch); err != nil {
		return "", err
	}
	return p + "/batch/" + url.PathEscape(batch), nil
}

// dotnetBool writes a bool the way .NET's ToString does (True/False), as the HPC Pack runtime
// client puts it into query strings.
func dotnetBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// quote shortens v for an error message.
func quote(v string) string {
	const maxLen = 120
	if len(v) > maxLen {
		v = v[:maxLen] + "…"
	}
	return strconv.Quote(v)
}
