package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Faults configures random fault injection for one service. Every request the
// service receives draws two numbers from a math/rand source seeded from
// Config.Seed and the service name, and two more from a second source seeded
// from Config.Seed and the service name (so the malformed answers, added
// later, changed none of the earlier outcomes of a seed), whatever the rates
// are, so the outcome is deterministic for a given seed and request sequence:
//
//   - the first draw u picks a status fault: u < Rate429 gives 429,
//     u < Rate429+Rate500 gives 500, u < Rate429+Rate500+Rate503 gives 503;
//   - when no status fault was picked, the second draw v < LostResponseRate
//     gives a lost response;
//   - when neither was picked, the third draw w < MalformedRate gives a
//     malformed answer, whose shape the fourth draw picks (uniformly among
//     MalformedShapes).
//
// Latency is added (in real time) before every request of the service is
// handled. RetryAfter, when positive, is sent as a Retry-After header (whole
// seconds, rounded up) with every injected status fault.
//
// In JSON (admin endpoint PUT /faults/{service}) the fields are rate429,
// rate500, rate503, lostResponseRate, malformedRate (numbers between 0 and 1)
// and retryAfter, latency (Go duration strings such as "2s", or numbers of
// nanoseconds).
type Faults struct {
	Rate429          float64
	Rate500          float64
	Rate503          float64
	RetryAfter       time.Duration
	Latency          time.Duration
	LostResponseRate float64
	// MalformedRate is the share of requests that are handled (the work is
	// done, as for a lost response) and then answered with a malformed body
	// (see MalformedShape).
	MalformedRate float64
}

// FaultRule is a deterministic one-off fault. Rules of a service are checked
// in the order they were added before the random faults; the first rule whose
// Method (empty: any; compared case-insensitively) and PathRegexp (empty: any;
// matched against the escaped request path, without the query) match and whose
// Times is not used up fires, and its Times is decremented.
//
// A rule with Lost set produces a lost response; a rule with Malformed set
// lets the service do the work and answers with a malformed body of shape
// MalformedShape (empty: drawn from the seeded source, as for MalformedRate);
// otherwise the rule returns Status (an HTTP status code such as 429, 500 or
// 503) with the service's own error body and, when RetryAfter > 0, a
// Retry-After header. Times = 0 when the rule is added means 1; a negative
// Times never runs out.
//
// In JSON (admin endpoint POST /faults/{service}/rules) the fields are method,
// pathRegexp, status, lost, malformed, malformedShape, retryAfter (duration
// string or nanoseconds) and times.
type FaultRule struct {
	Method         string
	PathRegexp     string
	Status         int
	Lost           bool
	Malformed      bool
	MalformedShape MalformedShape
	RetryAfter     time.Duration
	Times          int
}

// Validate reports whether the rule can be added.
func (r FaultRule) Validate() error {
	if _, err := regexp.Compile(r.PathRegexp); err != nil {
		return fmt.Errorf("fault rule: invalid pathRegexp: %w", err)
	}
	switch {
	case r.Lost && r.Malformed:
		return fmt.Errorf("fault rule: lost and malformed exclude each other")
	case r.MalformedShape != "" && !r.Malformed:
		return fmt.Errorf("fault rule: malformedShape needs malformed")
	case r.Malformed && !r.MalformedShape.valid():
		return fmt.Errorf("fault rule: unknown malformedShape %q (want one of %s)", r.MalformedShape, shapeList())
	case (r.Lost || r.Malformed) && r.Status != 0:
		return fmt.Errorf("fault rule: status must not be set with lost or malformed")
	case !r.Lost && !r.Malformed && (r.Status < 400 || r.Status > 599):
		return fmt.Errorf("fault rule: status must be an HTTP error status (400-599) unless lost or malformed is set, got %d", r.Status)
	}
	return nil
}

// Validate reports whether the rates are within [0, 1] and the durations are
// not negative.
func (f Faults) Validate() error {
	for name, v := range map[string]float64{"rate429": f.Rate429, "rate500": f.Rate500, "rate503": f.Rate503, "lostResponseRate": f.LostResponseRate, "malformedRate": f.MalformedRate} {
		if v < 0 || v > 1 || math.IsNaN(v) {
			return fmt.Errorf("faults: %s must be between 0 and 1, got %v", name, v)
		}
	}
	if f.Rate429+f.Rate500+f.Rate503 > 1.0000001 {
		return fmt.Errorf("faults: rate429+rate500+rate503 must not exceed 1")
	}
	if f.RetryAfter < 0 || f.Latency < 0 {
		return fmt.Errorf("faults: retryAfter and latency must not be negative")
	}
	return nil
}

type faultsJSON struct {
	Rate429          float64  `json:"rate429"`
	Rate500          float64  `json:"rate500"`
	Rate503          float64  `json:"rate503"`
	RetryAfter       *jsonDur `json:"retryAfter,omitempty"`
	Latency          *jsonDur `json:"latency,omitempty"`
	LostResponseRate float64  `json:"lostResponseRate"`
	MalformedRate    float64  `json:"malformedRate"`
}

// MarshalJSON writes the JSON form described on Faults.
func (f Faults) MarshalJSON() ([]byte, error) {
	ra, l := jsonDur(f.RetryAfter), jsonDur(f.Latency)
	return json.Marshal(faultsJSON{Rate429: f.Rate429, Rate500: f.Rate500, Rate503: f.Rate503, RetryAfter: &ra, Latency: &l,
		LostResponseRate: f.LostResponseRate, MalformedRate: f.MalformedRate})
}

// UnmarshalJSON reads the JSON form described on Faults.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	*f = Faults{Rate429: j.Rate429, Rate500: j.Rate500, Rate503: j.Rate503, LostResponseRate: j.LostResponseRate, MalformedRate: j.MalformedRate}
	if j.RetryAfter != nil {
		f.RetryAfter = time.Duration(*j.RetryAfter)
	}
	if j.Latency != nil {
		f.Latency = time.Duration(*j.Latency)
	}
	return nil
}

type faultRuleJSON struct {
	Method         string         `json:"method,omitempty"`
	PathRegexp     string         `json:"pathRegexp,omitempty"`
	Status         int            `json:"status,omitempty"`
	Lost           bool           `json:"lost,omitempty"`
	Malformed      bool           `json:"malformed,omitempty"`
	MalformedShape MalformedShape `json:"malformedShape,omitempty"`
	RetryAfter     *jsonDur       `json:"retryAfter,omitempty"`
	Times          int            `json:"times"`
}

// MarshalJSON writes the JSON form described on FaultRule.
func (r FaultRule) MarshalJSON() ([]byte, error) {
	j := faultRuleJSON{Method: r.Method, PathRegexp: r.PathRegexp, Status: r.Status, Lost: r.Lost,
		Malformed: r.Malformed, MalformedShape: r.MalformedShape, Times: r.Times}
	if r.RetryAfter != 0 {
		ra := jsonDur(r.RetryAfter)
		j.RetryAfter = &ra
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the JSON form described on FaultRule.
func (r *FaultRule) UnmarshalJSON(b []byte) error {
	var j faultRuleJSON
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	*r = FaultRule{Method: j.Method, PathRegexp: j.PathRegexp, Status: j.Status, Lost: j.Lost,
		Malformed: j.Malformed, MalformedShape: j.MalformedShape, Times: j.Times}
	if j.RetryAfter != nil {
		r.RetryAfter = time.Duration(*j.RetryAfter)
	}
	return nil
}

// strictUnmarshal rejects unknown fields, so typos in admin requests show.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// jsonDur is a time.Duration that reads a Go duration string or a number of
// nanoseconds and writes a duration string.
type jsonDur time.Duration

func (d jsonDur) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *jsonDur) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = jsonDur(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration must be a string like \"2s\" or a number of nanoseconds")
	}
	*d = jsonDur(n)
	return nil
}

// fault is the decision for one request.
type fault struct {
	status     int
	lost       bool
	malformed  MalformedShape // "" unless the answer is to be malformed
	retryAfter time.Duration
	latency    time.Duration
}

func (f fault) label() string {
	var parts []string
	if f.latency > 0 {
		parts = append(parts, "latency")
	}
	switch {
	case f.lost:
		parts = append(parts, "lost")
	case f.malformed != "":
		parts = append(parts, "malformed:"+string(f.malformed))
	case f.status != 0:
		parts = append(parts, fmt.Sprint(f.status))
	}
	return strings.Join(parts, ",")
}

type compiledRule struct {
	FaultRule
	re *regexp.Regexp
}

// faultState holds the fault configuration and random source of one service.
type faultState struct {
	mu     sync.Mutex
	faults Faults
	rules  []*compiledRule
	rnd    *rand.Rand
	// mrnd draws the malformed answers: a source of its own, so that the
	// draws of rnd, and with them the outcomes of a seed, stay as they were
	// before malformed answers existed.
	mrnd *rand.Rand
}

func newFaultState(seed int64, service string, f Faults) *faultState {
	h := fnv.New64a()
	h.Write([]byte(service))
	m := fnv.New64a()
	m.Write([]byte(service + "/malformed"))
	return &faultState{faults: f, rnd: rand.New(rand.NewSource(seed ^ int64(h.Sum64()))),
		mrnd: rand.New(rand.NewSource(seed ^ int64(m.Sum64())))}
}

func (s *faultState) set(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

func (s *faultState) get() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

func (s *faultState) addRule(r FaultRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.Times == 0 {
		r.Times = 1
	}
	re := regexp.MustCompile(r.PathRegexp)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, &compiledRule{FaultRule: r, re: re})
	return nil
}

func (s *faultState) clearRules() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = nil
}

func (s *faultState) listRules() []FaultRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FaultRule, 0, len(s.rules))
	for _, r := range s.rules {
		out = append(out, r.FaultRule)
	}
	return out
}

// decide picks the fault for one request.
func (s *faultState) decide(method, path string) fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := fault{latency: s.faults.Latency}
	// Always draw, so the sequence does not depend on rules or rates.
	u, v := s.rnd.Float64(), s.rnd.Float64()
	w, x := s.mrnd.Float64(), s.mrnd.Float64()
	for _, r := range s.rules {
		if r.Times == 0 {
			continue
		}
		if r.Method != "" && !strings.EqualFold(r.Method, method) {
			continue
		}
		if !r.re.MatchString(path) {
			continue
		}
		if r.Times > 0 {
			r.Times--
		}
		f.lost, f.retryAfter = r.Lost, r.RetryAfter
		switch {
		case r.Malformed && r.MalformedShape != "":
			f.malformed = r.MalformedShape
		case r.Malformed:
			f.malformed = drawShape(x)
		case !r.Lost:
			f.status = r.Status
		}
		return f
	}
	fs := s.faults
	switch {
	case u < fs.Rate429:
		f.status = 429
	case u < fs.Rate429+fs.Rate500:
		f.status = 500
	case u < fs.Rate429+fs.Rate500+fs.Rate503:
		f.status = 503
	case v < fs.LostResponseRate:
		f.lost = true
	case w < fs.MalformedRate:
		f.malformed = drawShape(x)
	}
	if f.status != 0 {
		f.retryAfter = fs.RetryAfter
	}
	return f
}
