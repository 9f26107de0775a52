// Package hpcsoa is a client for the SOA session and batch operations of the Microsoft HPC Pack
// REST web service (/WindowsHPC/...): Create, Attach and Close Session; Send Requests, Commit,
// Get Request Status, Get Responses and Purge of a batch; and the job API's Get Job List, to find
// a session by its service job name. No Go client exists; this one uses
// only the standard library (encoding/xml streaming, encoding/json) over the project's shared
// HTTP layer (internal/transport: TLS options, retries with backoff and Retry-After, logging
// with secrets masked, user agent). It knows nothing of Terraform.
//
// The wire details come from shared/specs/hpc-soa-api.md. Items marked there as inferred [I]
// are choices of this client, listed here so they can be checked against a real cluster.
//
// # URIs and headers
//
//   - Casing follows the HPC Pack runtime's own REST client (Telepathy): WindowsHPC, sessions/Create,
//     session/{id}/Attach|Close, session/{id}/batch/{name}[/Commit|Status|Response|Purge]. The docs
//     mix Session/session; WCF UriTemplate matching is presumed case-insensitive [I].
//   - Config.ClusterName selects the pre-2016 form /WindowsHPC/{cluster}/...; empty selects the HPC
//     Pack 2016 form. There is no automatic detection (Get Clusters, fallback on 404): a bare 404 or
//     405 answer says to check cluster_name [I].
//   - Session operations (Create, Attach, Close, Get Job List) go to Config.Endpoint, the head
//     node. The Endpoint may carry a path prefix (a reverse proxy) but not /WindowsHPC itself.
//   - Batch operations (Send, Commit, Status, Response, Purge) go to the head node too by default
//     (Config.BatchEndpoint head_node: the docs only ever name head_node_name). With broker_node
//     they go to WebSessionInfo.BrokerNode, as the runtime client does (spec §1.9), with the same
//     credentials and TLS settings. See "Broker node" below.
//   - Booleans in queries are written the .NET way, True/False (durable, commit, reset), as the
//     runtime client does; genericservice=true is written lower case as in the docs [I]. Query
//     values escape spaces as %20, not '+'.
//   - api-version (default 2011-11-01) always goes in the header, never the query.
//   - Accept is application/xml (default) or application/json. Answers are parsed by their
//     Content-Type, and by their first byte when the Content-Type says neither.
//   - Body-less POSTs (Close, Commit, Purge, Response) send Content-Length: 0 and a Content-Type
//     matching the Accept format [I: the docs list Content-Type without a value].
//   - Redirects are not followed (they would drop or leak the Authorization header): a 3xx is an
//     error naming the Location.
//
// # Broker node
//
//   - BrokerNode is taken as a bare host name, as the docs show it: the head node endpoint's
//     scheme and port are kept, its path prefix is not (it belongs to whatever fronts the head
//     node) [I]. A value carrying a port (host:port) or a scheme (https://host[:port]) is used as
//     given, the way the runtime client puts the value verbatim into https://{BrokerNode}/...
//     The cluster segment stays cluster_name: the runtime client asks the broker for the
//     cluster's name (Get Clusters), which is the same cluster's name; no call is spent on it.
//   - A session's broker comes from the last WebSessionInfo the client saw for it (CreateSession
//     and AttachSession answers, so the session resource's own calls serve the batches of the
//     same run); otherwise from one Attach, interactive first and durable when the service says
//     the session is durable (AttachSessionAnyKind: one call, two for a durable session). The
//     answer is kept for later operations; CloseSession forgets it.
//   - An empty or unusable BrokerNode fails the batch operation with a message saying so and
//     naming batch_endpoint = head_node; transport failures, 404s and auth failures of calls sent
//     to a broker say the call went to the broker node.
//
// # Authentication
//
// HTTP Basic on every request (set by a transport signer, so every retry carries it), with
// base64 of "Username:Password" exactly as configured, e.g. `CONTOSO\alice:secret` [I: what
// .NET's Basic client and the Microsoft samples send]. The password and the encoded token are
// registered as transport secrets (masked in every log line) and are masked in fault texts too,
// as is the run-as password of Create Session. HTTP 401 and 403, and the AuthenticationFailure
// and WebAPI_AccessDenied codes, are auth failures (IsAuthFailure) whose text says the
// credentials were rejected and names hpc_pack.username / hpc_pack.password
// (HPC_PACK_USERNAME / HPC_PACK_PASSWORD) [I: 401 is presumed; the runtime client knows 403].
//
// # Create Session
//
//   - The body is always DataContract XML (Content-Type application/xml; charset=utf-8), also
//     when ResponseFormat is json: the runtime client does so, and the XML form is the documented
//     one.
//   - Members are written in ordinal order, and only those set: Environments, JobTemplate,
//     MaxMessageSize, MaxUnits, MinUnits, NodeGroupsStr, Password, Priority, ResourceUnitType,
//     Runtime, ServiceJobName, ServiceName, ServiceVersion, ShareSession, Username.
//     MaxMessageSize, Password, Runtime, ServiceName and Username are always written (required).
//     ShareSession is written only when true (false is the default) [I].
//   - ServiceJobName is always written too: the caller's, else a generated "batchops-" and 16
//     random hex digits, so that every session can be found again by name (see Get Job List).
//     It is limited to 80 characters (the documented limit of a job name).
//   - NodeGroupsStr is the node groups joined with commas [I]; a group containing a comma is
//     rejected.
//   - Environments is a Dictionary<string,string>: a:KeyValueOfstringstring items with a:Key and
//     a:Value in ns http://schemas.microsoft.com/2003/10/Serialization/Arrays, keys sorted [I].
//   - ServiceVersion is System.Version: a:_Build, a:_Major, a:_Minor, a:_Revision in ns
//     http://schemas.datacontract.org/2004/07/System, missing components as -1 [I].
//   - MaxMessageSize is sent as given (bytes or KB is an open question of the spec); it must fit
//     an int32. Username ≤ 80 and Password ≤ 127 characters are checked (documented limits).
//   - Create is not marked idempotent: after an ambiguous failure it is not repeated (a second
//     service job could start); only attempts the service cannot have processed (429, 503,
//     refused connections) are retried by the transport.
//
// # WebSessionInfo answers
//
// XML: elements matched by local name; ServiceVersion i:nil → "", _Major/_Minor[/_Build/
// _Revision] children → "major.minor[.build[.revision]]" (-1 components omitted), or plain text
// if the element holds text [I]. JSON: ServiceVersion null, a string, or an object with
// _Major... [I]. An answer without a positive Id, of another root element, an HTML page, or
// malformed is a *MalformedError naming the operation (IsMalformed), never a session; an Attach
// answered for another session id is one too. Attach is asked again after such an answer (a
// read changes nothing), up to the retry policy's MaxAttempts in all, with backoff. Create is
// not (a second service job could start).
//
// # A create whose outcome is unknown
//
// After such an answer to Create, a connection lost once the request may have been sent, or a
// context that ended while the request was in flight, the session may exist though its id is
// unknown. CreateSession then looks for an open job with the service job name it sent (Get Job
// List), attaches to it and returns it as if the create had answered. When the caller's context
// has ended (Terraform cancels it on Ctrl-C), the look-up runs on context.WithoutCancel, bounded
// to ten seconds. Only a failed look-up leaves an error wrapping ErrAmbiguous (it names the job
// to look for); no open job of that name is a plain error (no session was left open, unless the
// service was still creating it); a job found whose Attach fails gives its id with the error.
//
// # Get Job List
//
//   - GET .../Jobs?Properties=Id,Name,State&RowsPerRead=100, with the api-version header as on
//     every call (the docs make it optional for the job API). Sessions are service jobs and the
//     session id is the job id [I, spec §2.12].
//   - Paging: while the answer carries x-ms-continuation-QueryId, its value goes back as the
//     QueryId query parameter for the next page [C DOCS]. RowsPerRead asks for 100 jobs a page
//     instead of the default 10 [I: a parameter an older server may ignore]. At most 1000 pages
//     are read. A page answered malformed starts the whole listing again (the continuation is
//     server state that a repeat could skip), up to the retry policy's MaxAttempts.
//   - The answer is an ArrayOfObject (ns http://schemas.microsoft.com/HPCS2008R2/common, matched
//     by local name) of Object/Properties/Property{Name,Value}, or its JSON form
//     [{"Properties":[{"Name":..,"Value":..}]}] [I]; property names compare case-insensitively
//     [I]; each job must carry Id (a positive integer), Name and State, else the answer is a
//     *MalformedError.
//   - The name is compared exactly. Jobs Finishing, Finished, Failed, Canceling or Canceled
//     (names in any case, or the JobState flag values 64-1024) do not count as open [I: a closed
//     session's job is presumed to end in one of them]; any other state does. Several open jobs
//     of the name are an error: which session is meant cannot be told.
//
// # Send Requests
//
//   - One POST per call, body streamed chunked through an io.Pipe (never built in memory), with
//     GetBody regenerating the stream for transport retries. The body is produced from the
//     []Request slice, which is why a slice and not an iterator is taken.
//   - Non-generic body: <HPCServer2008_WebAPI_MessageArray> holding one SOAP 1.2 envelope per
//     request, with a:Action (mustUnderstand=1), a:MessageID and, when set, the user data header
//     HPCServer2008_Broker_UserDataNS (ns http://www.microsoft.com/hpc; the docs' HPCPack2008_*
//     names are taken to be a doc artefact [I]). No XML declaration and no batch-name header
//     (the URI carries the batch) [I].
//   - Bodies are placed verbatim in s:Body after a check (well-formed, one root, no DOCTYPE or
//     processing instruction, every namespace prefix declared inside the body); a broken body
//     would corrupt the whole array. Failures are *RequestError with the request's index.
//   - Missing message ids are generated (urn:uuid, random version 4) and written back into the
//     slice; duplicates within a call are refused.
//   - UserData is limited to 1024 characters (runes) of the unescaped value [I: the runtime's
//     limit is on the serialised header].
//   - Generic body: UTF-8 [I: the encoding is undocumented], "input U+FFFF userdata U+0000" per
//     request; input and user data containing U+FFFF or U+0000 are refused. Generic requests
//     carry no action and no message id on the wire.
//   - Send is never marked idempotent (a repeat would add the requests twice); commit=False is
//     always sent, Commit is a separate call.
//
// # Commit, Purge, Close
//
// All three are marked idempotent for the transport, so they are repeated after ambiguous
// failures (500, 502, 504, dropped connections): a repeated Commit is answered with
// Broker_EOMReject_EndRequests (IsAlreadyCommitted; the caller treats it as success); a
// repeated Purge finds nothing to remove and succeeds (the broker creates unknown batches) [I];
// a repeated Close finds the session closed, a fault IsSessionGone recognises. Faults are
// returned to the caller, which decides (the runtime ignores session faults on Close).
//
// # Get Request Status
//
// JSON: a bare number (a JSON string holding a member name is accepted too). XML: a
// BrokerClientStatus element holding the member name [I: DataContract enum convention] or a
// number. Anything else (another element, an unknown name, a number outside 0-3, malformed
// text, an HTML page) is a *MalformedError quoting the value, asked again like Attach. An
// unknown batch presumably reports Ready, not an error.
//
// # Get Responses
//
//   - Query: action, clientdata (both always sent, possibly empty, as the runtime client does),
//     count (-1 = all; a zero Count in ResponseOptions means all), reset, and genericservice=true
//     for generic services. With Reset the call is non-destructive and marked idempotent;
//     without it a repeat could skip responses, so it is not.
//   - The XML stream is decoded envelope by envelope with an xml.Decoder; the root element's name
//     is ignored. Header values are matched by local name (Action, RelatesTo, and
//     HPCServer2008_Broker_UserDataNS or HPCPack2008_Broker_UserDataNS). Response.Body is the
//     inner XML of s:Body, trimmed; namespace declarations made on the envelope are not copied
//     into it.
//   - A SOAP Fault body with RelatesTo answers a request: it is passed on with Response.Fault set
//     (the Reason text, else faultstring, else the SessionFault reason or the fault code). A
//     fault without RelatesTo is taken to be about the stream itself [I]: it ends the call with a
//     *Fault (StatusCode 200) whose Code comes from its SessionFault detail when present.
//   - An envelope with action http://hpc.microsoft.com/BrokerInstanceUnavailable ends the call
//     with an error. A stream that is empty, not XML (an HTML page), syntactically broken or
//     ends without EndOfResponses is a *MalformedError. It is not asked again: the callback has
//     already seen the responses read before the fault.
//   - EndOfResponses: Count and Reason (Success, ClientPurged, ClientTimeout; the numbers 0-2 are
//     mapped to these names [I]). Count is returned as sent; it is not compared with the number
//     of responses seen.
//   - The generic stream is read record by record (U+0000 separated, three U+FFFF separated
//     fields: action, output, user data), ending with the EndOfGetResponse record (count,
//     reason). A record whose action is the WS-Addressing fault action has Fault set to the
//     output [I]. Generic responses carry no RelatesTo. The format is chosen by the first byte:
//     '<' is XML even when a generic stream was asked for.
//
// # Faults
//
// Send Requests, Commit, Purge and Close read nothing from a success answer, so a malformed
// body there changes nothing. Non-2xx answers become *Fault: HpcWebServiceFault in XML (ns
// http://schemas.microsoft.com/HPCS2008R2/common; Values as a:KeyValuePairOfstringstring with
// a:key/a:value [I]) or JSON ({"Code":n,"Message":..,"Values":[{"key":..,"value":..}]|null} [I];
// {"Key","Value"} items and a plain object are accepted too), or the legacy <string> body. The
// Message's {n} placeholders are filled from the values in wire order, as the runtime does with
// string.Format. Empty or unrecognised bodies give a Fault with the status and its text. Codes are
// SOAFaultCode values; FaultCodeName names them. IsSessionGone covers InvalidSessionId,
// Broker_InvalidSessionId, Session_ValidateJobFailed_AlreadyFinished/JobCanceled,
// Broker_SessionFailure and Broker_AlreadyClosed, but not a bare 404 (a head node that does not
// serve the SOA routes answers 404 too) [I].
//
// # Names
//
// Batch names (ValidBatchName) are 1-128 of ASCII letters, digits, '_', '-', '{', '}'. The
// broker's rule also allows whitespace (and the empty name); both are refused because the name is
// a URL path segment. Names and ids are path-escaped ({ and } travel as %7B and %7D). Session ids
// must be positive.
package hpcsoa
