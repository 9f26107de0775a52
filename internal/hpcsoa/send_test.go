package hpcsoa

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type wireEnvelope struct {
	XMLName xml.Name
	Header  struct {
		Action struct {
			MustUnderstand string `xml:"http://www.w3.org/2003/05/soap-envelope mustUnderstand,attr"`
			Value          string `xml:",chardata"`
		} `xml:"http://www.w3.org/2005/08/addressing Action"`
		MessageID string  `xml:"http://www.w3.org/2005/08/addressing MessageID"`
		UserData  *string `xml:"http://www.microsoft.com/hpc HPCServer2008_Broker_UserDataNS"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
	Body struct {
		Inner string `xml:",innerxml"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

// decodeArray reads a message array incrementally, calling each per envelope.
func decodeArray(r io.Reader, each func(int, *wireEnvelope)) (root string, n int, err error) {
	dec := xml.NewDecoder(r)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root, n, nil
		}
		if err != nil {
			return root, n, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
				continue
			}
			var env wireEnvelope
			if err := dec.DecodeElement(&env, &se); err != nil {
				return root, n, err
			}
			if each != nil {
				each(n, &env)
			}
			n++
		}
	}
}

func TestSendRequestsWritesSOAPEnvelopes(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusOK, "", ""))
	c := testClient(t, rec.srv.URL, func(c *Config) { c.ClusterName = "HN" })
	reqs := []Request{
		{Action: "http://tempuri.org/IEchoSvc/Echo", Body: `<Echo xmlns="http://tempuri.org/"><input>hi &amp; bye</input></Echo>`, UserData: "row<1>&", MessageID: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"},
		{Action: "http://tempuri.org/IEchoSvc/Echo", Body: `  <p:Echo xmlns:p="http://tempuri.org/"><p:input/></p:Echo>`},
	}
	if err := c.SendRequests(context.Background(), 42, "batch_{1}-x", false, reqs); err != nil {
		t.Fatal(err)
	}
	s := rec.last(t)
	if s.Method != http.MethodPost || s.Path != "/WindowsHPC/HN/session/42/batch/batch_{1}-x" || s.Query.Get("commit") != "False" || s.Query.Has("genericservice") {
		t.Errorf("got %s %s", s.Method, s.RequestURI)
	}
	if !strings.Contains(s.RequestURI, "batch_%7B1%7D-x") {
		t.Errorf("batch name not path-escaped: %s", s.RequestURI)
	}
	if s.Header.Get("Content-Type") != "application/octet-stream" || !s.Chunked {
		t.Errorf("Content-Type %q, chunked %v", s.Header.Get("Content-Type"), s.Chunked)
	}
	if !validMessageID(reqs[1].MessageID) {
		t.Errorf("the missing message id was not filled in: %q", reqs[1].MessageID)
	}
	var envs []wireEnvelope
	root, n, err := decodeArray(strings.NewReader(string(s.Body)), func(_ int, e *wireEnvelope) { envs = append(envs, *e) })
	if err != nil || n != 2 || root != "HPCServer2008_WebAPI_MessageArray" {
		t.Fatalf("root %q, %d envelopes, err %v:\n%s", root, n, err, s.Body)
	}
	for i, e := range envs {
		if e.XMLName.Space != "http://www.w3.org/2003/05/soap-envelope" || e.XMLName.Local != "Envelope" {
			t.Errorf("envelope %d: %v", i, e.XMLName)
		}
		if e.Header.Action.Value != reqs[i].Action || e.Header.Action.MustUnderstand != "1" || e.Header.MessageID != reqs[i].MessageID {
			t.Errorf("envelope %d headers %+v", i, e.Header)
		}
		if e.Body.Inner != reqs[i].Body {
			t.Errorf("envelope %d body %q, want it verbatim %q", i, e.Body.Inner, reqs[i].Body)
		}
	}
	if envs[0].Header.UserData == nil || *envs[0].Header.UserData != "row<1>&" {
		t.Errorf("user data %v", envs[0].Header.UserData)
	}
	if envs[1].Header.UserData != nil {
		t.Errorf("empty user data should be omitted")
	}
	if !strings.HasPrefix(string(s.Body), `<HPCServer2008_WebAPI_MessageArray><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">http://tempuri.org/IEchoSvc/Echo</a:Action><a:MessageID>urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e</a:MessageID><HPCServer2008_Broker_UserDataNS xmlns="http://www.microsoft.com/hpc">row&lt;1&gt;&amp;</HPCServer2008_Broker_UserDataNS></s:Header><s:Body><Echo`) {
		t.Errorf("unexpected wire form:\n%s", s.Body)
	}
}

func TestSendRequestsGenericFormat(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusOK, "", ""))
	c := testClient(t, rec.srv.URL)
	err := c.SendRequests(context.Background(), 3, "g", true, []Request{{Body: "input one", UserData: "u1"}, {Body: "zwei <2> ü"}})
	if err != nil {
		t.Fatal(err)
	}
	s := rec.last(t)
	if s.Query.Get("genericservice") != "true" || s.Query.Get("commit") != "False" {
		t.Errorf("query %s", s.RequestURI)
	}
	if want := "input one\uFFFFu1\x00zwei <2> ü\uFFFF\x00"; string(s.Body) != want {
		t.Errorf("body %q, want %q", s.Body, want)
	}
}

func TestSendRequestsRejectsBadRequestsBeforeSending(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusOK, "", ""))
	c := testClient(t, rec.srv.URL)
	good := Request{Action: "http://tempuri.org/I/Op", Body: `<Op xmlns="http://tempuri.org/"/>`}
	cases := []struct {
		name    string
		generic bool
		bad     Request
		want    string
	}{
		{"not xml", false, Request{Action: good.Action, Body: `<Op>`}, "not closed"},
		{"mismatched", false, Request{Action: good.Action, Body: `<Op></Other>`}, "well-formed"},
		{"two roots", false, Request{Action: good.Action, Body: `<A/><B/>`}, "more than one root"},
		{"text", false, Request{Action: good.Action, Body: `hello`}, "outside the root"},
		{"empty", false, Request{Action: good.Action, Body: ` `}, "empty"},
		{"declaration", false, Request{Action: good.Action, Body: `<?xml version="1.0"?><Op/>`}, "processing instruction"},
		{"doctype", false, Request{Action: good.Action, Body: `<!DOCTYPE Op><Op/>`}, "DOCTYPE"},
		{"undeclared prefix", false, Request{Action: good.Action, Body: `<s:Op/>`}, "prefix"},
		{"undeclared attr prefix", false, Request{Action: good.Action, Body: `<Op q:x="1"/>`}, "prefix"},
		{"closing the envelope", false, Request{Action: good.Action, Body: `</s:Body></s:Envelope><x/>`}, "well-formed"},
		{"bad entity", false, Request{Action: good.Action, Body: `<Op>&nbsp;</Op>`}, "well-formed"},
		{"control char", false, Request{Action: good.Action, Body: "<Op>\x01</Op>"}, "well-formed"},
		{"no action", false, Request{Body: good.Body}, "action"},
		{"bad message id", false, Request{Action: good.Action, Body: good.Body, MessageID: "42"}, "urn:uuid"},
		{"duplicate message id", false, Request{Action: good.Action, Body: good.Body, MessageID: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"}, "also used"},
		{"long user data", false, Request{Action: good.Action, Body: good.Body, UserData: strings.Repeat("ü", 1025)}, "1024"},
		{"generic field separator", true, Request{Body: "a\uFFFFb"}, "U+FFFF"},
		{"generic record separator", true, Request{Body: "a\x00b"}, "U+0000"},
		{"generic user data separator", true, Request{Body: "a", UserData: "x\x00"}, "U+0000"},
		{"generic invalid utf-8", true, Request{Body: "a\xffb"}, "UTF-8"},
	}
	for _, tc := range cases {
		first := good
		if tc.name == "duplicate message id" {
			first.MessageID = tc.bad.MessageID
		}
		reqs := []Request{first, tc.bad}
		if tc.generic {
			reqs = []Request{{Body: "ok"}, tc.bad}
		}
		err := c.SendRequests(context.Background(), 1, "b", tc.generic, reqs)
		var re *RequestError
		if !errors.As(err, &re) || re.Index != 1 || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "request 1") {
			t.Errorf("%s: want a request 1 error mentioning %q, got %v", tc.name, tc.want, err)
		}
	}
	if err := c.SendRequests(context.Background(), 1, "b", false, nil); err == nil {
		t.Error("an empty request list was accepted")
	}
	if err := c.SendRequests(context.Background(), 1, "bad name", false, []Request{good}); err == nil {
		t.Error("a batch name with a space was accepted")
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("invalid input reached the server %d times", n)
	}
}

// manyRequests returns n requests that share one body string, so the input costs little memory
// while the wire body is large.
func manyRequests(n, bodyBytes int) []Request {
	body := `<Echo xmlns="http://tempuri.org/"><input>` + strings.Repeat("x", bodyBytes) + `</input></Echo>`
	reqs := make([]Request, n)
	for i := range reqs {
		reqs[i] = Request{Action: "http://tempuri.org/IEchoSvc/Echo", Body: body, UserData: fmt.Sprint(i)}
	}
	return reqs
}

func TestSendRequestsStreamsTenThousandRequests(t *testing.T) {
	const n = 10000
	reqs := manyRequests(n, 2000)
	var bodyBytes atomic.Int64
	var count atomic.Int64
	var midwayHeap atomic.Uint64
	var chunked atomic.Bool
	rec := newRecorder(t, true, func(w http.ResponseWriter, r *http.Request, s seen) {
		chunked.Store(s.Chunked && s.ContentLength == -1)
		cr := &countingReader{r: r.Body, n: &bodyBytes}
		_, got, err := decodeArray(cr, func(i int, e *wireEnvelope) {
			if e.Header.UserData == nil || *e.Header.UserData != fmt.Sprint(i) {
				t.Errorf("envelope %d out of order", i)
			}
			if i == n/2 {
				// Half-way through the stream: what is alive is the input and buffers, not the body.
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				midwayHeap.Store(ms.HeapAlloc)
			}
		})
		if err != nil {
			t.Errorf("server decoding: %v", err)
		}
		count.Store(int64(got))
	})
	c := testClient(t, rec.srv.URL)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := c.SendRequests(context.Background(), 7, "big", false, reqs); err != nil {
		t.Fatal(err)
	}
	if count.Load() != n {
		t.Fatalf("server counted %d envelopes, want %d", count.Load(), n)
	}
	if !chunked.Load() {
		t.Error("the body was not sent chunked (with unknown length)")
	}
	total := bodyBytes.Load()
	growth := int64(midwayHeap.Load()) - int64(before.HeapAlloc)
	t.Logf("body %d bytes; live heap growth half-way %d bytes", total, growth)
	if total < 20<<20 {
		t.Fatalf("body only %d bytes; the test needs a large one", total)
	}
	if growth > total/8 {
		t.Errorf("live heap grew by %d bytes half-way through a %d-byte body: the body is being buffered", growth, total)
	}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

func TestSendRequestsRetryAfter503ResendsTheWholeBody(t *testing.T) {
	const n = 500
	reqs := manyRequests(n, 100)
	var attempts atomic.Int32
	var counts []int
	var ids [][]string
	rec := newRecorder(t, true, func(w http.ResponseWriter, r *http.Request, _ seen) {
		var got []string
		_, k, err := decodeArray(r.Body, func(_ int, e *wireEnvelope) { got = append(got, e.Header.MessageID) })
		if err != nil {
			t.Errorf("attempt %d: %v", attempts.Load()+1, err)
		}
		counts = append(counts, k)
		ids = append(ids, got)
		if attempts.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	c := testClient(t, rec.srv.URL)
	if err := c.SendRequests(context.Background(), 1, "b", false, reqs); err != nil {
		t.Fatal(err)
	}
	if attempts.Load() != 2 || counts[0] != n || counts[1] != n {
		t.Fatalf("attempts %d, envelopes per attempt %v, want 2 attempts of %d", attempts.Load(), counts, n)
	}
	for i := range ids[0] {
		if ids[0][i] != ids[1][i] || ids[0][i] != reqs[i].MessageID {
			t.Fatalf("envelope %d: message ids differ between attempts (%s, %s)", i, ids[0][i], ids[1][i])
		}
	}
}

func TestSendRequestsIsNotRepeatedAfterAnAmbiguousFailure(t *testing.T) {
	var attempts atomic.Int32
	rec := newRecorder(t, false, func(w http.ResponseWriter, _ *http.Request, _ seen) {
		attempts.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	})
	c := testClient(t, rec.srv.URL)
	err := c.SendRequests(context.Background(), 1, "b", false, manyRequests(3, 1))
	if err == nil || attempts.Load() != 1 {
		t.Fatalf("err %v after %d attempts; a 500 must not be repeated", err, attempts.Load())
	}
}

func TestSendRequestsStopsWhenTheContextEnds(t *testing.T) {
	release := make(chan struct{})
	rec := newRecorder(t, true, func(w http.ResponseWriter, r *http.Request, _ seen) {
		buf := make([]byte, 1024)
		_, _ = r.Body.Read(buf) // read a little, then stall
		<-release
	})
	defer close(release)
	c := testClient(t, rec.srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.SendRequests(ctx, 1, "b", false, manyRequests(20000, 1000))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}
