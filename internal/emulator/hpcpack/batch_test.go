package hpcpack

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (e *env) status(sid int, batch string, hdr ...string) string {
	e.t.Helper()
	r := e.batchOp("GET", sid, batch, "Status", "", hdr...)
	expectStatus(e.t, r, 200)
	return string(r.body)
}

func statusXML(v string) string {
	return `<BrokerClientStatus xmlns="http://hpc.microsoft.com">` + v + `</BrokerClientStatus>`
}

func TestBatchLifecycleAndStatus(t *testing.T) {
	for _, asNumber := range []bool{false, true} {
		t.Run(fmt.Sprintf("StatusXMLAsNumber=%t", asNumber), func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.StatusXMLAsNumber = asNumber })
			sid := e.createSession("EchoService", false)
			name := func(n, s string) string {
				if asNumber {
					return statusXML(n)
				}
				return statusXML(s)
			}
			json := []string{"Accept", "application/json"}
			// unknown batch: Ready, not created
			if got := e.status(sid, "b1"); got != name("1", "Ready") {
				t.Fatalf("unknown batch status %s", got)
			}
			if got := e.status(sid, "b1", json...); got != "1" {
				t.Fatalf("JSON status %s", got)
			}
			if _, ok := e.svc.Batch(sid, "b1"); ok {
				t.Error("Status created the batch")
			}
			// five requests in two sends (2 workers, 1s each)
			var reqs []testReq
			for i := 0; i < 5; i++ {
				reqs = append(reqs, testReq{id: msgID(i), userData: fmt.Sprintf("row-%d", i), input: fmt.Sprintf("hello %d", i)})
			}
			expectStatus(t, e.send(sid, "b1", envelopeArray(reqs[:3]...), "commit=false"), 200)
			expectStatus(t, e.send(sid, "b1", strings.NewReader(envelopeArray(reqs[3:]...)), "commit=False&genericservice=false"), 200) // chunked
			if got := e.status(sid, "b1"); got != name("1", "Ready") {
				t.Fatalf("status before commit %s", got)
			}
			bv, _ := e.svc.Batch(sid, "b1")
			if bv.RequestCount != 5 || bv.Committed || bv.Status != StatusReady || bv.Owner != testUser || bv.MessageIDs[4] != msgID(4) || bv.Requests[2].UserData != "row-2" {
				t.Fatalf("batch view %+v", bv)
			}
			if !strings.HasPrefix(bv.Requests[0].Body, `<Echo xmlns="http://tempuri.org/"><input>hello 0</input></Echo>`) {
				t.Errorf("stored body %q", bv.Requests[0].Body)
			}
			e.clock.Advance(time.Hour) // nothing happens before the commit
			if got := e.status(sid, "b1", json...); got != "1" {
				t.Fatalf("status %s", got)
			}
			expectStatus(t, e.batchOp("POST", sid, "b1", "Commit", ""), 201)
			if got := e.status(sid, "b1"); got != name("2", "Processing") {
				t.Fatalf("status after commit %s", got)
			}
			// answers at +1s (0,1), +2s (2,3), +3s (4)
			e.clock.Advance(2999 * time.Millisecond)
			if got := e.status(sid, "b1", json...); got != "2" {
				t.Fatalf("status at 2.999s %s", got)
			}
			if bv, _ := e.svc.Batch(sid, "b1"); bv.Answered != 4 || bv.Status != StatusProcessing {
				t.Errorf("answered %d", bv.Answered)
			}
			e.clock.Advance(time.Millisecond)
			if got := e.status(sid, "b1"); got != name("3", "Finished") {
				t.Fatalf("status at 3s %s", got)
			}
			if got := e.status(sid, "b1", json...); got != "3" {
				t.Fatalf("JSON status %s", got)
			}
			// second commit, send after commit
			expectFault(t, e.batchOp("POST", sid, "b1", "Commit", ""), 400, CodeBrokerEOMRejectEndRequests)
			expectFault(t, e.send(sid, "b1", envelopeArray(reqs[0]), ""), 400, CodeBrokerEOMRejected)
			// commit without requests
			expectFault(t, e.batchOp("POST", sid, "empty", "Commit", ""), 400, CodeBrokerEOMRejectNoRequest)
			expectFault(t, e.send(sid, "empty", envelopeArray(), "commit=true"), 400, CodeBrokerEOMRejectNoRequest)
			// commit=true in the send: 201 and Processing
			expectStatus(t, e.send(sid, "b2", envelopeArray(reqs...), "commit=true"), 201)
			if got := e.status(sid, "b2", json...); got != "2" {
				t.Fatalf("b2 status %s", got)
			}
		})
	}
}

func TestSendValidation(t *testing.T) {
	e := newEnv(t)
	sid := e.createSession("EchoService", false)
	gid := e.createSession("GenericService", false)
	ok := envelopeArray(testReq{id: msgID(1), input: "x"})
	// Content-Type
	r := e.do("POST", e.path(fmt.Sprintf("/session/%d/batch/b", sid)), ok, "Content-Type", "application/xml")
	expectFault(t, r, 415, CodeArgumentError)
	// batch names
	expectStatus(t, e.send(sid, "{A-b_c}%20d", ok, ""), 200)
	if _, found := e.svc.Batch(sid, "{A-b_c} d"); !found {
		t.Error("batch with whitespace and braces")
	}
	expectStatus(t, e.send(sid, strings.Repeat("n", 128), ok, ""), 200)
	expectFault(t, e.send(sid, strings.Repeat("n", 129), ok, ""), 400, CodeBrokerInvalidClientIDOrTooLong)
	expectFault(t, e.send(sid, "a.b", ok, ""), 400, CodeBrokerInvalidClientIDOrTooLong)
	expectFault(t, e.batchOp("GET", sid, "a%2Fb", "Status", ""), 400, CodeBrokerInvalidClientIDOrTooLong)
	expectFault(t, e.batchOp("POST", sid, "a$b", "Purge", ""), 400, CodeBrokerInvalidClientIDOrTooLong)
	// generic mismatch both ways
	expectFault(t, e.send(gid, "b", ok, ""), 400, CodeArgumentError)
	expectFault(t, e.send(sid, "b", "in\uFFFF\u0000", "genericservice=true"), 400, CodeArgumentError)
	expectFault(t, e.send(sid, "b", ok, "commit=yes"), 400, CodeArgumentError)
	// malformed bodies store nothing
	bad := map[string]string{
		"not xml":              "hello",
		"empty":                "",
		"unclosed":             `<Root>` + envelope(testReq{id: msgID(1), input: "x"}),
		"soap 1.1":             `<Root><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Echo/></s:Body></s:Envelope></Root>`,
		"no action":            `<Root><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Echo/></s:Body></s:Envelope></Root>`,
		"no body":              `<Root><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>x</a:Action></s:Header></s:Envelope></Root>`,
		"empty body":           `<Root><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>x</a:Action></s:Header><s:Body></s:Body></s:Envelope></Root>`,
		"bad message id":       envelopeArray(testReq{id: "uuid:1234", input: "x"}),
		"second ok, third bad": envelopeArray(testReq{id: msgID(1)}, testReq{id: msgID(2)}) + "<x/>",
		"long user data":       envelopeArray(testReq{id: msgID(1), userData: strings.Repeat("u", 1025)}),
	}
	for name, body := range bad {
		r := e.send(sid, "bad", body, "")
		if r.status != 400 || r.fault(t).Code != CodeArgumentError {
			t.Errorf("%s: %s", name, r)
		}
	}
	if _, found := e.svc.Batch(sid, "bad"); found {
		t.Error("a malformed body created the batch")
	}
	// batch-name header must match the URI
	body := strings.Replace(ok, "</s:Header>", `<HPCServer2008_Broker_ClientIdNS xmlns="http://www.microsoft.com/hpc">other</HPCServer2008_Broker_ClientIdNS></s:Header>`, 1)
	expectFault(t, e.send(sid, "bad", body, ""), 400, CodeBrokerClientIDNotMatch)
	body = strings.Replace(ok, "</s:Header>", `<HPCPack2008_Broker_ClientIdNS xmlns="http://www.microsoft.com/hpc">cid</HPCPack2008_Broker_ClientIdNS><HPCPack2008_Broker_UserDataNS xmlns="http://www.microsoft.com/hpc">docs-spelling</HPCPack2008_Broker_UserDataNS></s:Header>`, 1)
	expectStatus(t, e.send(sid, "cid", body, ""), 200)
	if bv, _ := e.svc.Batch(sid, "cid"); bv.Requests[0].UserData != "docs-spelling" {
		t.Errorf("docs header spelling: %+v", bv.Requests)
	}
	// another user may not touch the batch unless the session is shared
	e.user, e.pass = otherUser, otherPass
	expectFault(t, e.send(sid, "cid", ok, ""), 403, CodeBrokerUserNameNotMatch)
	expectFault(t, e.batchOp("GET", sid, "cid", "Status", ""), 403, CodeBrokerUserNameNotMatch)
	expectFault(t, e.batchOp("POST", sid, "cid", "Purge", ""), 403, CodeBrokerUserNameNotMatch)
	expectStatus(t, e.send(sid, "bobs", ok, ""), 200)
	// ...unless the session is shared
	e.user, e.pass = testUser, testPass
	shared := startInfoXML("MaxMessageSize", "1", "Password", testPass, "Runtime", "-1", "ServiceName", "EchoService", "ShareSession", "true", "Username", testUser)
	expectStatus(t, e.do("POST", e.path("/sessions/Create?durable=false"), shared, "Content-Type", "application/xml"), 201)
	shid := e.svc.Sessions()[len(e.svc.Sessions())-1].ID
	expectStatus(t, e.send(shid, "s", ok, ""), 200)
	e.user, e.pass = otherUser, otherPass
	expectStatus(t, e.send(shid, "s", ok, "commit=true"), 201)
	if bv, _ := e.svc.Batch(shid, "s"); bv.RequestCount != 2 || bv.Owner != testUser {
		t.Errorf("shared batch %+v", bv)
	}
}

func TestSendManyEnvelopesAndDuplicates(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Workers = 100; c.RequestTime = 10 * time.Millisecond })
	sid := e.createSession("EchoService", false)
	const n = 10000
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, `<?xml version="1.0" encoding="utf-8"?><HPCServer2008_WebAPI_MessageArray>`)
		for i := 0; i < n; i++ {
			q := testReq{id: msgID(i), userData: fmt.Sprint(i), input: fmt.Sprintf("in-%d", i)}
			if i%1000 == 999 {
				q.id = msgID(0) // duplicates are kept
			}
			if i == 5 {
				q.id = "" // the broker generates one
			}
			_, _ = io.WriteString(pw, envelope(q))
		}
		_, _ = io.WriteString(pw, `</HPCServer2008_WebAPI_MessageArray>`)
		_ = pw.Close()
	}()
	expectStatus(t, e.send(sid, "big", pr, "commit=true"), 201)
	bv, _ := e.svc.Batch(sid, "big")
	if bv.RequestCount != n || bv.Duplicates != 10 || bv.DistinctMessageIDs != n-10 || bv.MessageIDs[999] != msgID(0) {
		t.Fatalf("count %d dup %d distinct %d", bv.RequestCount, bv.Duplicates, bv.DistinctMessageIDs)
	}
	if !bv.Requests[5].GeneratedMessageID || !messageIDRe.MatchString(bv.MessageIDs[5]) || bv.Requests[4].GeneratedMessageID {
		t.Errorf("generated id %q", bv.MessageIDs[5])
	}
	if bv.Requests[9999].UserData != "9999" || !strings.Contains(bv.Requests[9999].Body, "in-9999") {
		t.Errorf("last request %+v", bv.Requests[9999])
	}
	// 100 workers × 10ms: all answered after 100 rounds = 1s
	e.clock.Advance(999 * time.Millisecond)
	if got := e.status(sid, "big", "Accept", "application/json"); got != "2" {
		t.Fatalf("status %s", got)
	}
	e.clock.Advance(time.Millisecond)
	r := e.batchOp("POST", sid, "big", "Response", "count=-1&reset=true&action=&clientdata=cd")
	expectStatus(t, r, 200)
	resps, eom := parseResponses(t, r.body)
	if len(resps) != n || eom.Count != n || eom.Reason != "Success" {
		t.Fatalf("%d responses, EOM %+v", len(resps), eom)
	}
	if resps[1234].RelatesTo != msgID(1234) || resps[1234].Result != "in-1234" || resps[999].RelatesTo != msgID(0) || resps[5].RelatesTo != bv.MessageIDs[5] {
		t.Errorf("responses %+v", resps[1234])
	}
}

func TestGetResponses(t *testing.T) {
	e := newEnv(t) // 2 workers, 1s per request
	sid := e.createSession("EchoService", false)
	reqs := []testReq{
		{id: msgID(0), userData: "u0", input: "a &amp; b"},
		{id: msgID(1), op: "Square", input: "3"},
		{id: msgID(2), userData: "u2", input: "c"},
		{id: msgID(3), op: "Square", input: "4"},
		{id: msgID(4), input: "e"},
	}
	expectStatus(t, e.send(sid, "b", envelopeArray(reqs...), ""), 200)
	get := func(query string) ([]parsedResponse, parsedEOM, resp) {
		t.Helper()
		r := e.batchOp("POST", sid, "b", "Response", query, "Accept", "application/json")
		expectStatus(t, r, 200)
		if len(r.te) == 0 || r.te[0] != "chunked" {
			t.Errorf("not streamed: %v", r.te)
		}
		if !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
			t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
		}
		rs, eom := parseResponses(t, r.body)
		return rs, eom, r
	}
	// before commit: nothing, Success
	rs, eom, _ := get("reset=true&count=-1")
	if len(rs) != 0 || eom != (parsedEOM{0, "Success"}) {
		t.Fatalf("before commit: %v %+v", rs, eom)
	}
	expectStatus(t, e.batchOp("POST", sid, "b", "Commit", ""), 201)
	e.clock.Advance(time.Second) // 0 and 1 answered
	rs, eom, r := get("reset=true&count=-1&clientdata=cb-1")
	if len(rs) != 2 || eom.Count != 2 {
		t.Fatalf("after 1s: %+v %+v", rs, eom)
	}
	want := parsedResponse{"http://tempuri.org/IEchoSvc/EchoResponse", msgID(0), "http://tempuri.org/IEchoSvc/Echo", "u0", "cb-1", "a & b"}
	if rs[0] != want || rs[1].Action != "http://tempuri.org/IEchoSvc/SquareResponse" || rs[1].Result != "3" || rs[1].UserData != "" {
		t.Errorf("responses %+v", rs)
	}
	if !strings.Contains(string(r.body), `<SquareResponse xmlns="http://tempuri.org/"><SquareResult>3</SquareResult></SquareResponse>`) ||
		!strings.Contains(string(r.body), `<EndOfResponses xmlns="http://tempuri.org/"><Count>2</Count><Reason>Success</Reason></EndOfResponses>`) ||
		!strings.HasPrefix(string(r.body), "<HPCServer2008_WebAPI_MessageArray>") {
		t.Errorf("body %s", r.body)
	}
	// reset=true again returns the same (nothing deleted)
	if rs, _, _ := get("reset=true"); len(rs) != 2 {
		t.Fatalf("reset again: %d", len(rs))
	}
	e.clock.Advance(2 * time.Second) // all answered
	// count windows: reset=true count=2, then reset=false windows
	rs, eom, _ = get("reset=true&count=2")
	if len(rs) != 2 || rs[0].RelatesTo != msgID(0) || eom.Count != 2 {
		t.Fatalf("window 1 %+v", rs)
	}
	rs, eom, _ = get("reset=false&count=2")
	if len(rs) != 2 || rs[0].RelatesTo != msgID(2) || rs[1].RelatesTo != msgID(3) {
		t.Fatalf("window 2 %+v", rs)
	}
	// interactive session: the reset=false call deleted what window 1 returned
	if bv, _ := e.svc.Batch(sid, "b"); bv.Deleted != 2 || !bv.Requests[0].Deleted || bv.Requests[2].Deleted {
		t.Errorf("deleted %d", bv.Deleted)
	}
	rs, eom, _ = get("reset=false&count=2")
	if len(rs) != 1 || rs[0].RelatesTo != msgID(4) || eom.Count != 1 {
		t.Fatalf("window 3 %+v", rs)
	}
	rs, eom, _ = get("reset=false")
	if len(rs) != 0 || eom.Count != 0 || eom.Reason != "Success" {
		t.Fatalf("window 4 %+v %+v", rs, eom)
	}
	// everything has been retrieved and deleted now (0..4)
	if rs, _, _ := get("reset=true"); len(rs) != 0 {
		t.Fatalf("after deletion %+v", rs)
	}
	// status is still Finished
	if got := e.status(sid, "b", "Accept", "application/json"); got != "3" {
		t.Errorf("status %s", got)
	}

	// action filter and durable sessions (never deleted)
	dsid := e.createSession("EchoService", true)
	expectStatus(t, e.send(dsid, "d", envelopeArray(reqs...), "commit=true"), 201)
	e.clock.Advance(time.Minute)
	rs, _, _ = get2(t, e, dsid, "d", "reset=true&action=http://tempuri.org/IEchoSvc/SquareResponse")
	if len(rs) != 2 || rs[0].Result != "3" || rs[1].Result != "4" {
		t.Fatalf("filtered %+v", rs)
	}
	rs, _, _ = get2(t, e, dsid, "d", "reset=true&action=http://tempuri.org/IEchoSvc/Echo")
	if len(rs) != 3 {
		t.Fatalf("filtered by request action %+v", rs)
	}
	_, _, _ = get2(t, e, dsid, "d", "reset=true&count=3")
	_, _, _ = get2(t, e, dsid, "d", "reset=false&count=3")
	if rs, _, _ := get2(t, e, dsid, "d", "reset=true"); len(rs) != 5 {
		t.Fatalf("durable session lost responses: %d", len(rs))
	}
	// bad parameters
	expectFault(t, e.batchOp("POST", sid, "b", "Response", "count=x"), 400, CodeArgumentError)
	expectFault(t, e.batchOp("POST", sid, "b", "Response", "count=-2"), 400, CodeArgumentError)
	expectFault(t, e.batchOp("POST", sid, "b", "Response", "reset=maybe"), 400, CodeArgumentError)
	expectFault(t, e.batchOp("POST", sid, "b", "Response", "genericservice=true"), 400, CodeArgumentError)
}

func get2(t *testing.T, e *env, sid int, batch, query string) ([]parsedResponse, parsedEOM, resp) {
	t.Helper()
	r := e.batchOp("POST", sid, batch, "Response", query)
	expectStatus(t, r, 200)
	rs, eom := parseResponses(t, r.body)
	return rs, eom, r
}

func TestPurge(t *testing.T) {
	e := newEnv(t)
	sid := e.createSession("EchoService", false)
	expectStatus(t, e.send(sid, "p", envelopeArray(testReq{id: msgID(1), input: "x"}), "commit=true"), 201)
	e.clock.Advance(time.Minute)
	expectStatus(t, e.batchOp("POST", sid, "p", "Purge", ""), 200)
	bv, ok := e.svc.Batch(sid, "p")
	if !ok || !bv.Purged || bv.RequestCount != 0 || bv.Status != StatusReady {
		t.Fatalf("purged view %+v", bv)
	}
	rs, eom, r := get2(t, e, sid, "p", "reset=true&clientdata=z")
	if len(rs) != 0 || eom != (parsedEOM{0, "ClientPurged"}) || !strings.Contains(string(r.body), "HPCServer2008_Broker_ResponseCallbackId") {
		t.Fatalf("after purge %+v %s", eom, r.body)
	}
	if got := e.status(sid, "p", "Accept", "application/json"); got != "1" {
		t.Errorf("status after purge %s", got)
	}
	// idempotent, also for unknown names
	expectStatus(t, e.batchOp("POST", sid, "p", "Purge", ""), 200)
	expectStatus(t, e.batchOp("POST", sid, "never", "Purge", ""), 200)
	if _, eom, _ := get2(t, e, sid, "never", ""); eom.Reason != "ClientPurged" {
		t.Errorf("unknown purged name: %+v", eom)
	}
	// the name is reused by Send Requests: a fresh batch
	expectStatus(t, e.send(sid, "p", envelopeArray(testReq{id: msgID(2), input: "y"}), "commit=true"), 201)
	e.clock.Advance(time.Minute)
	rs, eom, _ = get2(t, e, sid, "p", "reset=true")
	if len(rs) != 1 || rs[0].RelatesTo != msgID(2) || eom.Reason != "Success" {
		t.Fatalf("reused %+v %+v", rs, eom)
	}
	// out of band
	if !e.svc.PurgeBatch(sid, "p") || e.svc.PurgeBatch(sid, "p") || e.svc.PurgeBatch(999, "p") {
		t.Error("PurgeBatch results")
	}
	if _, eom, _ := get2(t, e, sid, "p", ""); eom.Reason != "ClientPurged" {
		t.Errorf("after PurgeBatch %+v", eom)
	}
	names := []string{}
	for _, b := range e.svc.Batches(sid) {
		names = append(names, b.Name)
	}
	if strings.Join(names, ",") != "p,never" {
		t.Errorf("batches %v", names)
	}
	// a purged batch of a closed session is gone with it
	expectStatus(t, e.do("POST", e.path(fmt.Sprintf("/session/%d/Close", sid)), nil), 200)
	expectFault(t, e.batchOp("POST", sid, "p", "Purge", ""), 400, CodeInvalidSessionID)
}

func TestGenericService(t *testing.T) {
	e := newEnv(t)
	sid := e.createSession("GenericService", false)
	body := "first input\uFFFFud-1\u0000second\uFFFF\u0000" + "third \u00e9\u4e2d\uFFFFud-3\u0000"
	r := e.do("POST", e.path(fmt.Sprintf("/session/%d/batch/g?genericservice=true&commit=true", sid)), body, "Content-Type", "application/octet-stream")
	expectStatus(t, r, 201)
	bv, _ := e.svc.Batch(sid, "g")
	if bv.RequestCount != 3 || bv.Requests[1].UserData != "" || bv.Requests[2].Body != "third \u00e9\u4e2d" || !bv.Requests[0].GeneratedMessageID {
		t.Fatalf("generic view %+v", bv.Requests)
	}
	e.clock.Advance(time.Second) // 2 answered
	r = e.batchOp("POST", sid, "g", "Response", "genericservice=true&reset=true&count=-1")
	expectStatus(t, r, 200)
	if len(r.te) == 0 || r.te[0] != "chunked" {
		t.Errorf("not streamed %v", r.te)
	}
	const act = "http://hpc.microsoft.com/GenericService/IGenericService/GenericOperationResponse"
	want := act + "\uFFFFfirst input\uFFFFud-1\u0000" + act + "\uFFFFsecond\uFFFF\u0000" +
		"http://hpc.microsoft.com/EndOfGetResponse\uFFFF2\uFFFFSuccess\u0000"
	if string(r.body) != want {
		t.Errorf("generic responses %q", r.body)
	}
	// malformed generic bodies
	for name, b := range map[string]string{
		"no terminator": "in\uFFFFud",
		"no separator":  "in\u0000",
		"two seps":      "a\uFFFFb\uFFFFc\u0000",
		"utf16":         "\xff\xfea\x00",
		"bad utf8":      "\xc3\x28\uFFFF\u0000",
	} {
		r := e.do("POST", e.path(fmt.Sprintf("/session/%d/batch/g2?genericservice=true", sid)), b, "Content-Type", "application/octet-stream")
		if r.status != 400 || r.fault(t).Code != CodeArgumentError {
			t.Errorf("%s: %s", name, r)
		}
	}
	// purge: generic EOM with ClientPurged
	expectStatus(t, e.batchOp("POST", sid, "g", "Purge", ""), 200)
	r = e.batchOp("POST", sid, "g", "Response", "genericservice=true")
	if string(r.body) != "http://hpc.microsoft.com/EndOfGetResponse\uFFFF0\uFFFFClientPurged\u0000" {
		t.Errorf("purged generic %q", r.body)
	}
	_ = http.StatusOK
}
