// Package emulator runs local emulators of the batch-compute services the
// provider manages, so that tests and the demo run without the real services.
//
// Start mounts each emulated service on its own HTTPS listener (loopback,
// random port, a fresh in-memory CA per run, HTTP/1.1 only), so every endpoint
// is a plain base URL. Around every service the emulator records each request
// (see Request), injects faults (see Faults and FaultRule: error statuses,
// latency, lost responses, malformed answers) and offers a
// controllable clock (see Clock) that drives the services' state machines. A
// small plain-HTTP admin API (see AdminURL) exposes the same controls to
// scripts.
//
// Adding a service means writing a sub-package whose service type implements
// Service and mounting it with one line in Start.
package emulator

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/entra"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
)

// Service is one emulated API. The emulator serves it on its own listener
// and wraps it with request recording and fault injection.
type Service interface {
	http.Handler
	// Name is the service's short name, e.g. "azurebatch"; it keys
	// Config.Faults, RequestsFor and the admin endpoints.
	Name() string
	// WriteFault writes the service's own error response (status line,
	// headers and error body) for an injected status fault such as 429, 500
	// or 503. The emulator has already set Retry-After when one is configured;
	// the request has not been handled and nothing has changed.
	WriteFault(w http.ResponseWriter, r *http.Request, status int)
}

// baseURLSetter is implemented by services that want to know their own
// base URL (for links they build outside of a request).
type baseURLSetter interface {
	SetBaseURL(string)
}

// bodyRedactor is implemented by services whose request bodies can carry
// secrets (for example the HPC Pack run-as password of Create Session).
// RedactBody gets the request and the recorded copy of its body (at most
// MaxRecordedBody bytes, possibly cut in the middle of a secret) and
// returns what the request log keeps; the service still receives the
// original body.
type bodyRedactor interface {
	RedactBody(r *http.Request, body []byte) []byte
}

// Service names.
const (
	ServiceAzureBatch = "azurebatch"
	ServiceHPCPack    = "hpcpack"
	ServiceMRS        = "mrs"
	ServiceEntra      = "entra"
)

// Config configures Start.
type Config struct {
	Host             string            // listen host, default "127.0.0.1"
	Seed             int64             // seeds fault injection
	Clock            *Clock            // nil: NewClock() following wall time
	AzureBatch       azurebatch.Config // the Azure Batch service
	HPCPack          hpcpack.Config    // the HPC Pack SOA web service
	MRS              mrs.Config        // the Huawei Cloud MRS V2 job API
	Entra            entra.Config      // the Microsoft Entra ID authority whose tokens the Azure Batch account accepts
	Faults           map[string]Faults // keyed by service name ("azurebatch", "hpcpack", "mrs")
	RequestLogWriter io.Writer         // optional: every recorded request is also written here as one text line (writes serialised)
}

// Emulator is a running set of emulated services.
type Emulator struct {
	cfg      Config
	host     string
	clock    *Clock
	ca       *certAuthority
	dir      string
	caFile   string
	mounted  []*mounted
	byName   map[string]*mounted
	azure    *azurebatch.Service
	hpc      *hpcpack.Service
	mrs      *mrs.Service
	entra    *entra.Service
	admin    *http.Server
	adminURL string
	// hpcBroker serves the HPC Pack broker node (hpcpack.Config.BrokerNode), if any;
	// hpcBrokerLn is its listener until it is mounted.
	hpcBroker   *mounted
	hpcBrokerLn net.Listener

	mu       sync.Mutex
	seq      int64
	requests []Request

	faultsMu sync.Mutex
	faults   map[string]*faultState

	logMu sync.Mutex

	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

type mounted struct {
	svc    Service
	server *http.Server
	ln     net.Listener
	url    string
}

// Start starts one HTTPS listener per service on Host with a random port, and
// the admin listener.
func Start(cfg Config) (*Emulator, error) {
	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	clock := cfg.Clock
	if clock == nil {
		clock = NewClock()
	}
	ca, err := newCertAuthority(host, brokerHost(cfg.HPCPack.BrokerNode))
	if err != nil {
		return nil, fmt.Errorf("emulator: generate certificates: %w", err)
	}
	dir, err := os.MkdirTemp("", "batchops-emulator-")
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e := &Emulator{
		cfg:    cfg,
		host:   host,
		clock:  clock,
		ca:     ca,
		dir:    dir,
		caFile: filepath.Join(dir, "ca.pem"),
		byName: map[string]*mounted{},
		faults: map[string]*faultState{},
	}
	if err := os.WriteFile(e.caFile, ca.caPEM, 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("emulator: write CA file: %w", err)
	}
	for name, f := range cfg.Faults {
		if err := f.Validate(); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("emulator: faults for %s: %w", name, err)
		}
		e.faultState(name).set(f)
	}

	// Tokens expire in real time, as the clients that hold them see it.
	e.entra, err = entra.New(cfg.Entra, nil)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("emulator: %w", err)
	}
	azureCfg := cfg.AzureBatch
	if azureCfg.Tokens == nil {
		azureCfg.Tokens = func(token string) (string, bool) {
			g, ok := e.entra.Lookup(token)
			return g.Audience, ok
		}
	}
	e.azure, err = azurebatch.New(azureCfg, clock.Now)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e.hpc, err = hpcpack.New(cfg.HPCPack, clock.Now)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e.mrs, err = mrs.New(cfg.MRS, clock.Now)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("emulator: %w", err)
	}
	// One line per service:
	for _, svc := range []Service{e.azure, e.hpc, e.mrs, e.entra} {
		if err := e.mount(svc); err != nil {
			_ = e.Close()
			return nil, err
		}
	}
	if err := e.startAdmin(); err != nil {
		_ = e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Emulator) mount(svc Service) error {
	ln, err := e.listen(svc)
	if err != nil {
		return fmt.Errorf("emulator: listen for %s: %w", svc.Name(), err)
	}
	urlHost := e.host
	if ip := net.ParseIP(urlHost); ip != nil && ip.IsUnspecified() {
		urlHost = "127.0.0.1"
	}
	m := e.serve(svc, ln, urlHost)
	if s, ok := svc.(baseURLSetter); ok {
		s.SetBaseURL(m.url)
	}
	e.mounted = append(e.mounted, m)
	e.byName[svc.Name()] = m
	return e.mountBroker(svc)
}

// serve starts serving svc on ln; urlHost names the listener's host in its URL.
func (e *Emulator) serve(svc Service, ln net.Listener, urlHost string) *mounted {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	m := &mounted{svc: svc, ln: ln, url: "https://" + net.JoinHostPort(urlHost, port)}
	m.server = &http.Server{
		Handler:           e.wrap(svc),
		TLSConfig:         e.ca.serverTLSConfig(),
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		_ = m.server.ServeTLS(ln, "", "")
	}()
	return m
}

// Close stops all listeners and removes the temporary directory holding the
// CA file.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		var errs []error
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		servers := []*http.Server{}
		for _, m := range e.mounted {
			servers = append(servers, m.server)
		}
		if e.hpcBroker != nil {
			servers = append(servers, e.hpcBroker.server)
		} else if e.hpcBrokerLn != nil {
			_ = e.hpcBrokerLn.Close()
		}
		if e.admin != nil {
			servers = append(servers, e.admin)
		}
		for _, s := range servers {
			if err := s.Shutdown(ctx); err != nil {
				_ = s.Close()
			}
		}
		e.wg.Wait()
		if err := os.RemoveAll(e.dir); err != nil {
			errs = append(errs, err)
		}
		e.closeErr = errors.Join(errs...)
	})
	return e.closeErr
}

// URL returns the base URL of the named service ("" if not mounted).
func (e *Emulator) URL(service string) string {
	if m, ok := e.byName[service]; ok {
		return m.url
	}
	return ""
}

// Services returns the names of the mounted services.
func (e *Emulator) Services() []string {
	out := make([]string, 0, len(e.mounted))
	for _, m := range e.mounted {
		out = append(out, m.svc.Name())
	}
	return out
}

// AzureBatchURL returns the Azure Batch account endpoint, e.g.
// "https://127.0.0.1:PORT".
func (e *Emulator) AzureBatchURL() string { return e.URL(ServiceAzureBatch) }

// AzureBatch returns the Azure Batch service, for direct inspection.
func (e *Emulator) AzureBatch() *azurebatch.Service { return e.azure }

// HPCPackURL returns the HPC Pack web service endpoint, e.g.
// "https://127.0.0.1:PORT"; operations live under
// HPCPack().PathPrefix() ("/WindowsHPC" or "/WindowsHPC/{cluster}").
func (e *Emulator) HPCPackURL() string { return e.URL(ServiceHPCPack) }

// HPCPack returns the HPC Pack SOA service, for direct inspection.
func (e *Emulator) HPCPack() *hpcpack.Service { return e.hpc }

// MRSURL returns the MRS endpoint, e.g. "https://127.0.0.1:PORT"; the job
// API lives under /v2/{project_id}/clusters/{cluster_id}/job-executions
// (MRS().JobsPath(cluster)).
func (e *Emulator) MRSURL() string { return e.URL(ServiceMRS) }

// MRS returns the MRS job service, for direct inspection.
func (e *Emulator) MRS() *mrs.Service { return e.mrs }

// EntraURL returns the Microsoft Entra ID authority host, e.g. "https://127.0.0.1:PORT": what
// azidentity takes as its authority host (cloud.Configuration.ActiveDirectoryAuthorityHost).
func (e *Emulator) EntraURL() string { return e.URL(ServiceEntra) }

// Entra returns the Microsoft Entra ID authority, for federated tokens and the issued grants.
func (e *Emulator) Entra() *entra.Service { return e.entra }

// CAFile returns the path of a PEM file holding the emulator's CA
// certificate. The file lives in a temporary directory that Close removes.
func (e *Emulator) CAFile() string { return e.caFile }

// CACertPEM returns the emulator's CA certificate in PEM form.
func (e *Emulator) CACertPEM() []byte { return bytes.Clone(e.ca.caPEM) }

// Clock returns the clock driving the services' state machines.
func (e *Emulator) Clock() *Clock { return e.clock }

// AdminURL returns the base URL of the plain-HTTP admin API, e.g.
// "http://127.0.0.1:PORT".
func (e *Emulator) AdminURL() string { return e.adminURL }

// Requests returns every request received so far, all services, in arrival
// order. A request appears once its response has been written (or lost).
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Request, len(e.requests))
	copy(out, e.requests)
	return out
}

// RequestsFor returns the requests one service received, in arrival order.
func (e *Emulator) RequestsFor(service string) []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Request
	for _, r := range e.requests {
		if r.Service == service {
			out = append(out, r)
		}
	}
	return out
}

// RequestsMatching returns the requests of service made with method (any when "") whose
// escaped path, without the query, matches the regular expression path; it panics on an
// invalid expression, as tests pass literals. Tests use it to assert which calls were made.
func (e *Emulator) RequestsMatching(service, method, path string) []Request {
	re := regexp.MustCompile(path)
	var out []Request
	for _, r := range e.RequestsFor(service) {
		if (method == "" || strings.EqualFold(r.Method, method)) && re.MatchString(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests = nil
}

// SetFaults replaces the random fault configuration of a service. It panics
// if f is invalid (see Faults.Validate).
func (e *Emulator) SetFaults(service string, f Faults) {
	if err := f.Validate(); err != nil {
		panic(err)
	}
	e.faultState(service).set(f)
}

// Faults returns the random fault configuration of a service.
func (e *Emulator) Faults(service string) Faults { return e.faultState(service).get() }

// AddFaultRule appends a one-off fault rule for a service. It panics if the
// rule is invalid (see FaultRule.Validate).
func (e *Emulator) AddFaultRule(service string, r FaultRule) {
	if err := e.faultState(service).addRule(r); err != nil {
		panic(err)
	}
}

// FaultRules returns the rules of a service with their remaining Times.
func (e *Emulator) FaultRules(service string) []FaultRule { return e.faultState(service).listRules() }

// ClearFaultRules removes all fault rules of a service.
func (e *Emulator) ClearFaultRules(service string) { e.faultState(service).clearRules() }

func (e *Emulator) faultState(service string) *faultState {
	e.faultsMu.Lock()
	defer e.faultsMu.Unlock()
	fs, ok := e.faults[service]
	if !ok {
		fs = newFaultState(e.cfg.Seed, service, Faults{})
		e.faults[service] = fs
	}
	return fs
}

// record stores a finished request, keeping the slice ordered by Seq, and
// writes its line to the request log.
func (e *Emulator) record(r Request) {
	e.mu.Lock()
	i := len(e.requests)
	e.requests = append(e.requests, r)
	for i > 0 && e.requests[i-1].Seq > r.Seq {
		e.requests[i], e.requests[i-1] = e.requests[i-1], e.requests[i]
		i--
	}
	e.mu.Unlock()
	if w := e.cfg.RequestLogWriter; w != nil {
		e.logMu.Lock()
		_, _ = io.WriteString(w, r.String()+"\n")
		e.logMu.Unlock()
	}
}

// maxBufferedBody is how much of a body the emulator reads ahead before the
// service runs; the rest (if any) is streamed.
const maxBufferedBody = 64 << 20

// wrap returns the handler that records requests and injects faults around
// svc.
func (e *Emulator) wrap(svc Service) http.Handler {
	name := svc.Name()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.seq++
		seq := e.seq
		e.mu.Unlock()

		path, query := splitRequestURI(r)
		rec := Request{
			Seq: seq, Time: e.clock.Now(), Service: name, Host: r.Host, Method: r.Method,
			Path: path, Query: query, Header: redactHeader(r.Header),
		}
		if r.Body != nil && r.Body != http.NoBody {
			buf, _ := io.ReadAll(io.LimitReader(r.Body, maxBufferedBody))
			rec.Body = bytes.Clone(buf[:min(len(buf), MaxRecordedBody)])
			if red, ok := svc.(bodyRedactor); ok && len(rec.Body) > 0 {
				rec.Body = red.RedactBody(r, rec.Body)
			}
			orig := r.Body
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(buf), orig), orig}
		}

		f := e.faultState(name).decide(r.Method, path)
		rec.Fault = f.label()
		if f.latency > 0 {
			t := time.NewTimer(f.latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
			}
		}

		switch {
		case f.status != 0:
			sw := &statusWriter{ResponseWriter: w}
			if f.retryAfter > 0 {
				sw.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds()))))
			}
			svc.WriteFault(sw, r, f.status)
			rec.Status = sw.statusOr200()
			e.record(rec)
		case f.lost:
			// The work is done, the response is thrown away and the
			// connection dropped.
			bw := &bufferWriter{header: http.Header{}}
			svc.ServeHTTP(bw, r)
			rec.Status = 0
			e.record(rec)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		case f.malformed != "":
			// The work is done, then the answer is replaced (see MalformedShape).
			bw := &bufferWriter{header: http.Header{}}
			svc.ServeHTTP(bw, r)
			status, header, body := malform(f.malformed, bw.statusOr200(), bw.header, bw.body.Bytes())
			for k, vs := range header {
				w.Header()[k] = vs
			}
			w.WriteHeader(status)
			_, _ = w.Write(body)
			rec.Status = status
			e.record(rec)
		default:
			sw := &statusWriter{ResponseWriter: w}
			svc.ServeHTTP(sw, r)
			rec.Status = sw.statusOr200()
			e.record(rec)
		}
	})
}

// splitRequestURI returns the escaped path and raw query exactly as received.
func splitRequestURI(r *http.Request) (string, string) {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	if i := strings.Index(uri, "://"); i >= 0 && !strings.HasPrefix(uri, "/") {
		// absolute-form request target
		rest := uri[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			uri = rest[j:]
		} else {
			uri = "/"
		}
	}
	path, query, _ := strings.Cut(uri, "?")
	return path, query
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) statusOr200() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// bufferWriter collects a response that will never be sent.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferWriter) Header() http.Header { return w.header }
func (w *bufferWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *bufferWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

func (w *bufferWriter) statusOr200() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
