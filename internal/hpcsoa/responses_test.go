package hpcsoa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func responseEnvelope(i int) string {
	return fmt.Sprintf(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">http://tempuri.org/IEchoSvc/EchoResponse</a:Action><a:RelatesTo>urn:uuid:00000000-0000-0000-0000-%012d</a:RelatesTo><a:To s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/anonymous</a:To><HPCServer2008_Broker_RequestActionNS xmlns="http://www.microsoft.com/hpc">http://tempuri.org/IEchoSvc/Echo</HPCServer2008_Broker_RequestActionNS><HPCServer2008_Broker_UserDataNS xmlns="http://www.microsoft.com/hpc">row-%d</HPCServer2008_Broker_UserDataNS><HPCServer2008_Broker_ResponseCallbackId xmlns="http://www.microsoft.com/hpc">cd</HPCServer2008_Broker_ResponseCallbackId></s:Header><s:Body><EchoResponse xmlns="http://tempuri.org/"><EchoResult>hi %d</EchoResult></EchoResponse></s:Body></s:Envelope>`, i, i, i)
}

func eomEnvelope(count int, reason string) string {
	return fmt.Sprintf(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">http://hpc.microsoft.com/EndOfGetResponse</a:Action></s:Header><s:Body><EndOfResponses xmlns="http://tempuri.org/"><Count>%d</Count><Reason>%s</Reason></EndOfResponses></s:Body></s:Envelope>`, count, reason)
}

const faultForRequest = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/soap/fault</a:Action><a:RelatesTo>urn:uuid:00000000-0000-0000-0000-000000000009</a:RelatesTo></s:Header><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">Division by zero</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`

const sessionFailureFault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">http://hpc.microsoft.com/session/SessionFault</a:Action></s:Header><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">The session failed or was canceled.</s:Text></s:Reason><s:Detail><SessionFault xmlns="http://hpc.microsoft.com/session/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Code>33554443</Code><Reason>The session failed or was canceled.</Reason></SessionFault></s:Detail></s:Fault></s:Body></s:Envelope>`

func TestGetResponsesStreamsEnvelopeByEnvelope(t *testing.T) {
	gotFirst := make(chan struct{})
	rec := newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, _ seen) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		fl := w.(http.Flusher)
		_, _ = io.WriteString(w, "<HPCServer2008_WebAPI_MessageArray>"+responseEnvelope(1))
		fl.Flush()
		select { // the client must have handled envelope 1 while the stream is still open
		case <-gotFirst:
		case <-time.After(5 * time.Second):
			t.Error("the callback was not called before the stream ended")
		}
		_, _ = io.WriteString(w, responseEnvelope(2))
		fl.Flush()
		_, _ = io.WriteString(w, faultForRequest+eomEnvelope(3, "Success")+"</HPCServer2008_WebAPI_MessageArray>")
	})
	c := testClient(t, rec.srv.URL, func(c *Config) { c.ClusterName = "HN" })
	var got []Response
	eom, err := c.GetResponses(context.Background(), 42, "b1", ResponseOptions{Reset: true, Action: "http://tempuri.org/IEchoSvc/Echo", ClientData: "my data"}, func(r Response) error {
		if len(got) == 0 {
			close(gotFirst)
		}
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if eom != (EndOfResponses{Count: 3, Reason: "Success"}) {
		t.Errorf("eom %+v", eom)
	}
	if len(got) != 3 {
		t.Fatalf("%d responses: %+v", len(got), got)
	}
	want0 := Response{Action: "http://tempuri.org/IEchoSvc/EchoResponse", RelatesTo: "urn:uuid:00000000-0000-0000-0000-000000000001",
		UserData: "row-1", Body: `<EchoResponse xmlns="http://tempuri.org/"><EchoResult>hi 1</EchoResult></EchoResponse>`}
	if got[0] != want0 {
		t.Errorf("response 0\n %+v\nwant\n %+v", got[0], want0)
	}
	if got[2].Fault != "Division by zero" || got[2].RelatesTo != "urn:uuid:00000000-0000-0000-0000-000000000009" {
		t.Errorf("fault response %+v", got[2])
	}
	s := rec.last(t)
	if s.Method != http.MethodPost || s.Path != "/WindowsHPC/HN/session/42/batch/b1/Response" {
		t.Errorf("got %s %s", s.Method, s.RequestURI)
	}
	q := s.Query
	if q.Get("action") != "http://tempuri.org/IEchoSvc/Echo" || q.Get("clientdata") != "my data" || q.Get("count") != "-1" || q.Get("reset") != "True" || q.Has("genericservice") {
		t.Errorf("query %s", s.RequestURI)
	}
	if strings.Contains(s.RequestURI, "+") {
		t.Errorf("spaces should be %%20: %s", s.RequestURI)
	}
}

func TestGetResponsesEndings(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		wantEOM EndOfResponses
		wantN   int
		wantErr string
		check   func(error) bool
	}{
		{"purged", "<A>" + responseEnvelope(1) + eomEnvelope(1, "ClientPurged") + "</A>", EndOfResponses{1, "ClientPurged"}, 1, "", nil},
		{"timeout numeric", "<A>" + eomEnvelope(0, "2") + "</A>", EndOfResponses{0, "ClientTimeout"}, 0, "", nil},
		{"session fault before eom", "<A>" + responseEnvelope(1) + sessionFailureFault + eomEnvelope(1, "Success") + "</A>", EndOfResponses{}, 1,
			"0x0200000B (Broker_SessionFailure): The session failed or was canceled.", IsSessionGone},
		{"broker unavailable", "<A>" + strings.Replace(eomEnvelope(0, "Success"), "EndOfGetResponse", "BrokerInstanceUnavailable", 1) + "</A>", EndOfResponses{}, 0, "broker instance became unavailable", nil},
		{"no eom", "<A>" + responseEnvelope(1) + "</A>", EndOfResponses{}, 1, "without EndOfResponses", nil},
		{"truncated", "<A>" + responseEnvelope(1) + "<s:Envelope", EndOfResponses{}, 1, "malformed", nil},
		{"empty", "", EndOfResponses{}, 0, "empty", nil},
		{"not xml", "oops", EndOfResponses{}, 0, "not XML", nil},
		{"bad count", "<A>" + eomEnvelope(0, "Success") + "</A>", EndOfResponses{}, 0, "", nil},
	}
	cases[len(cases)-1].body = strings.Replace(cases[len(cases)-1].body, "<Count>0</Count>", "<Count>many</Count>", 1)
	cases[len(cases)-1].wantErr = "count"
	for _, tc := range cases {
		rec := newRecorder(t, false, reply(http.StatusOK, "application/xml", tc.body))
		c := testClient(t, rec.srv.URL)
		n := 0
		eom, err := c.GetResponses(context.Background(), 1, "b", ResponseOptions{}, func(Response) error { n++; return nil })
		if tc.wantErr == "" {
			if err != nil || eom != tc.wantEOM {
				t.Errorf("%s: eom %+v, err %v", tc.name, eom, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) || (tc.check != nil && !tc.check(err)) {
			t.Errorf("%s: want an error with %q, got %v", tc.name, tc.wantErr, err)
		}
		if n != tc.wantN {
			t.Errorf("%s: %d callbacks, want %d", tc.name, n, tc.wantN)
		}
		if q := rec.last(t).Query; q.Get("reset") != "False" || q.Get("count") != "-1" {
			t.Errorf("%s: query %v", tc.name, q)
		}
	}
}

func TestGetResponsesCallbackErrorStopsReading(t *testing.T) {
	body := "<A>" + responseEnvelope(1) + responseEnvelope(2) + eomEnvelope(2, "Success") + "</A>"
	rec := newRecorder(t, false, reply(http.StatusOK, "application/xml", body))
	c := testClient(t, rec.srv.URL)
	stop := errors.New("stop")
	n := 0
	_, err := c.GetResponses(context.Background(), 1, "b", ResponseOptions{Count: 5}, func(Response) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d callbacks", err, n)
	}
	if rec.last(t).Query.Get("count") != "5" {
		t.Error("count not sent")
	}
}

func TestGetResponsesGenericForm(t *testing.T) {
	body := "http://hpc.microsoft.com/GenericService/IGenericService/GenericOperationResponse\uFFFFout one\uFFFFu1\x00" +
		"http://hpc.microsoft.com/GenericService/IGenericService/GenericOperationResponse\uFFFFout <2>\uFFFF\x00" +
		"http://hpc.microsoft.com/EndOfGetResponse\uFFFF2\uFFFFSuccess\x00"
	rec := newRecorder(t, false, reply(http.StatusOK, "application/octet-stream", body))
	c := testClient(t, rec.srv.URL)
	var got []Response
	eom, err := c.GetResponses(context.Background(), 1, "g", ResponseOptions{Generic: true, Reset: true}, func(r Response) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if eom != (EndOfResponses{2, "Success"}) || len(got) != 2 {
		t.Fatalf("eom %+v, %d responses", eom, len(got))
	}
	if got[0].Body != "out one" || got[0].UserData != "u1" || got[1].Body != "out <2>" || got[1].UserData != "" ||
		got[0].Action != "http://hpc.microsoft.com/GenericService/IGenericService/GenericOperationResponse" {
		t.Errorf("responses %+v", got)
	}
	if rec.last(t).Query.Get("genericservice") != "true" {
		t.Error("genericservice not sent")
	}

	for name, bad := range map[string]string{
		"no eom":     "a\uFFFFb\uFFFFc\x00",
		"truncated":  "a\uFFFFb\uFFFFc\x00a\uFFFFb",
		"two fields": "a\uFFFFb\x00",
		"purged":     "http://hpc.microsoft.com/EndOfGetResponse\uFFFF0\uFFFFClientPurged\x00",
	} {
		rec := newRecorder(t, false, reply(http.StatusOK, "application/octet-stream", bad))
		eom, err := testClient(t, rec.srv.URL).GetResponses(context.Background(), 1, "g", ResponseOptions{Generic: true}, nil)
		if name == "purged" {
			if err != nil || eom.Reason != "ClientPurged" {
				t.Errorf("purged: %+v %v", eom, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestGetResponsesHTTPFault(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusBadRequest, "application/json", `{"Code":50331649,"Message":"no session"}`))
	c := testClient(t, rec.srv.URL)
	_, err := c.GetResponses(context.Background(), 1, "b", ResponseOptions{Reset: true}, nil)
	if !IsSessionGone(err) {
		t.Fatalf("got %v", err)
	}
}
