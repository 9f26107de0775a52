package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// The admin API is plain HTTP on its own loopback listener (see AdminURL):
//
//	GET    /info                      {"services":{"azurebatch":"https://…","hpcpack":"https://…","mrs":"https://…"},"caFile":"…","now":"…"}
//	GET    /requests[?service=NAME]   JSON array of Request, in arrival order
//	DELETE /requests                  forget recorded requests (204)
//	GET    /clock                     {"now":"…"}
//	POST   /clock/advance?by=90s      advance the clock by a Go duration; {"now":"…"}
//	POST   /clock/set?time=RFC3339    set the clock; {"now":"…"}
//	GET    /faults/{service}          {"faults":Faults,"rules":[FaultRule…]}
//	PUT    /faults/{service}          body: Faults JSON; replaces the random faults (200, echoes them)
//	POST   /faults/{service}/rules    body: FaultRule JSON; appends a rule (201)
//	DELETE /faults/{service}/rules    removes all rules of the service (204)
//
// Errors are {"error":"…"} with status 400 (bad input) or 404 (unknown
// service).
func (e *Emulator) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, r *http.Request) {
		svcs := map[string]string{}
		for _, m := range e.mounted {
			svcs[m.svc.Name()] = m.url
		}
		writeAdminJSON(w, http.StatusOK, map[string]any{"services": svcs, "caFile": e.caFile, "now": e.clock.Now()})
	})
	mux.HandleFunc("GET /requests", func(w http.ResponseWriter, r *http.Request) {
		var rs []Request
		if svc := r.URL.Query().Get("service"); svc != "" {
			rs = e.RequestsFor(svc)
		} else {
			rs = e.Requests()
		}
		if rs == nil {
			rs = []Request{}
		}
		writeAdminJSON(w, http.StatusOK, rs)
	})
	mux.HandleFunc("DELETE /requests", func(w http.ResponseWriter, r *http.Request) {
		e.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /clock", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, map[string]any{"now": e.clock.Now()})
	})
	mux.HandleFunc("POST /clock/advance", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("by"))
		if err != nil {
			adminError(w, http.StatusBadRequest, "query parameter by must be a Go duration such as 90s: %v", err)
			return
		}
		e.clock.Advance(d)
		writeAdminJSON(w, http.StatusOK, map[string]any{"now": e.clock.Now()})
	})
	mux.HandleFunc("POST /clock/set", func(w http.ResponseWriter, r *http.Request) {
		t, err := time.Parse(time.RFC3339Nano, r.URL.Query().Get("time"))
		if err != nil {
			adminError(w, http.StatusBadRequest, "query parameter time must be an RFC 3339 time: %v", err)
			return
		}
		e.clock.Set(t)
		writeAdminJSON(w, http.StatusOK, map[string]any{"now": e.clock.Now()})
	})
	mux.HandleFunc("GET /faults/{service}", e.forService(func(w http.ResponseWriter, r *http.Request, svc string) {
		rules := e.FaultRules(svc)
		writeAdminJSON(w, http.StatusOK, map[string]any{"faults": e.Faults(svc), "rules": rules})
	}))
	mux.HandleFunc("PUT /faults/{service}", e.forService(func(w http.ResponseWriter, r *http.Request, svc string) {
		var f Faults
		if !readValidAdminJSON(w, r, "Faults", &f) {
			return
		}
		e.SetFaults(svc, f)
		writeAdminJSON(w, http.StatusOK, f)
	}))
	mux.HandleFunc("POST /faults/{service}/rules", e.forService(func(w http.ResponseWriter, r *http.Request, svc string) {
		var fr FaultRule
		if !readValidAdminJSON(w, r, "FaultRule", &fr) {
			return
		}
		e.AddFaultRule(svc, fr)
		writeAdminJSON(w, http.StatusCreated, fr)
	}))
	mux.HandleFunc("DELETE /faults/{service}/rules", e.forService(func(w http.ResponseWriter, r *http.Request, svc string) {
		e.ClearFaultRules(svc)
		w.WriteHeader(http.StatusNoContent)
	}))
	return mux
}

// forService adapts a handler of the /faults/{service} routes: an unknown
// service is 404 before h runs.
func (e *Emulator) forService(h func(w http.ResponseWriter, r *http.Request, svc string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		svc := r.PathValue("service")
		if _, ok := e.byName[svc]; !ok {
			adminError(w, http.StatusNotFound, "unknown service %q", svc)
			return
		}
		h(w, r, svc)
	}
}

func (e *Emulator) startAdmin() error {
	host := "127.0.0.1"
	if ip := net.ParseIP(e.host); (ip != nil && ip.IsLoopback()) || e.host == "localhost" {
		host = e.host
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return fmt.Errorf("emulator: listen for admin API: %w", err)
	}
	e.adminURL = "http://" + ln.Addr().String()
	e.admin = &http.Server{
		Handler:           e.adminHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		_ = e.admin.Serve(ln)
	}()
	return nil
}

// readValidAdminJSON decodes the body (what names its type in the error)
// into v and validates it; when either fails it has answered 400 and
// returns false.
func readValidAdminJSON(w http.ResponseWriter, r *http.Request, what string, v interface{ Validate() error }) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		adminError(w, http.StatusBadRequest, "invalid %s JSON: %v", what, err)
		return false
	}
	if err := v.Validate(); err != nil {
		adminError(w, http.StatusBadRequest, "%v", err)
		return false
	}
	return true
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func adminError(w http.ResponseWriter, status int, format string, args ...any) {
	writeAdminJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}
