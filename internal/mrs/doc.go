// Package mrs is the client for the Huawei Cloud MRS (MapReduce Service) V2 job APIs used by
// the provider: submit, query one, list, kill and batch-delete jobs
// (/v2/{project_id}/clusters/{cluster_id}/job-executions...). It is built on the official SDK,
// github.com/huaweicloud/huaweicloud-sdk-go-v3 (services/mrs/v2, AK/SK credentials), over the
// project's shared HTTP layer (internal/transport: TLS options, retries with backoff and
// Retry-After, logging with secrets masked, user agent). It knows nothing of Terraform.
//
// The wire details come from shared/specs/mrs-api.md. Items marked there as inferred [I] or
// open [?] are choices of this client, listed here so they can be checked against the real
// service.
//
// # SDK wiring
//
//   - The SDK client is built with WithEndpoints (no WithRegion) and basic AK/SK credentials
//     carrying the project id, so the SDK itself never calls IAM (see "Project look-up");
//     credentials are built with SafeBuild, so an empty key is an error and the ECS metadata
//     accessor is never used. DefaultEndpoint takes the region endpoints from the SDK's
//     services/mrs/v2/region variables, not from its lookup function, which also reads the
//     environment and ~/.huaweicloud/regions.yaml.
//   - The SDK's user agent is always set (Config.UserAgent or "terraform-provider-batchops"):
//     with none, the SDK writes a generated id into ~/.huaweicloud/application_id.
//   - The SDK's operations take no context.Context. Each call therefore builds a thin SDK client
//     whose round tripper puts the caller's context back on the request before the shared
//     transport sees it (cancellation, deadline-bounded retries, tflog logger). The SDK's HTTP
//     timeout is off (the context bounds each call) and its retries are off (WithRetries(0), no
//     Invokers): the transport is the one layer of retries.
//   - Signing: the SDK signs once while building a request, before any round tripper runs, so a
//     retried attempt would carry a stale X-Sdk-Date and signature. The transport's Signer
//     re-signs every attempt with the SDK's own SDK-HMAC-SHA256 signer (core/auth/signer.Sign)
//     on a request.DefaultHttpRequest rebuilt from the *http.Request, over the same headers the
//     SDK signs (all present but Content-Type: User-Agent, X-Project-Id, X-Sdk-Date and, with
//     temporary credentials, X-Security-Token). See signer.go.
//   - The SK and security token are transport secrets (masked in every log line); they are also
//     masked out of any server text kept in an error.
//   - Success is any 2xx (the service answers 202 to queries and kill, 200 to submit). The SDK
//     takes anything below 400 as success; a 3xx (redirects are not followed) is an error here.
//   - Path parameters are not escaped by the SDK, so cluster ids and job ids are checked
//     (1-64 of letters, digits, '_' and '-') before any request; the endpoint must have no path
//     (the SDK replaces it), and a schemeless endpoint gets https:// as in the SDK.
//
// # Project look-up
//
// With no project id configured, the first operation of a client looks it up from the region,
// as the SDK (auth.BasicCredentials.ProcessAuthParams) and the huaweicloud provider do: IAM
// "query projects", GET {iam}/v3/projects?name={region}, signed by the same SDK-HMAC-SHA256
// signer as every MRS call (same keys, X-Security-Token with temporary credentials, no
// X-Project-Id), through the same transport (TLS settings, retries, masked logging; "iam" in
// log lines). {iam} is Config.IAMEndpoint, else DefaultIAMEndpoint: the region's IAM endpoint
// for the regions of the SDK's table, else https://iam.myhuaweicloud.com, as in the SDK. The
// one project whose name equals the region is taken; none or several, or an IAM error, is a
// *ProjectLookupError whose text names the region and says to set mrs.project_id.
//
// Why not the SDK's look-up (WithRegion and no project id): it keeps the id in a process-wide
// cache keyed by AK and region only, so a second client with the same key (another provider
// configuration, another IAM endpoint) would silently reuse the first one's project and never
// ask IAM; it takes no context; and it reads HUAWEICLOUD_SDK_IAM_ENDPOINT from the
// environment. Here the result lives in the client: at most one look-up per client, made
// lazily so that clients that are never used (a configuration without MRS resources) never
// call IAM. A failed look-up is kept and not repeated by the same client (repeated signature
// failures lock an AK), except one cut short by its caller's context. A look-up failure is
// never an ambiguous failure: nothing was sent to MRS.
//
// # Submit [I]
//
//   - POST job-executions is not idempotent: the transport repeats it only when the service
//     cannot have processed it (429, 503, refused connections).
//   - Ambiguous failures: the connection lost after sending, HTTP 408/500/502/504 except 500
//     with a code by which MRS says it refused the job (0056, 0057, 0167, 0168, 0169, 0173,
//     0177, 0180, 0190-0192, 12000060), and a 2xx answer without a readable job id. After one,
//     Submit lists jobs with job_name = the name and submitted_time_begin = the attempt's start
//     (local clock) minus 5 minutes, the allowance for skew between the local and the service's
//     clocks. A listed job is this submission when its name matches exactly (the filter may be
//     fuzzy), its type matches (SparkPython is listed as SparkSubmit), and its arguments and
//     properties, when listed, read the same as the spec's once both go through the same lossy
//     string form; the latest such job wins. So a replaced job of the same name with other
//     arguments is never taken for the new one; an identical job of the same name submitted by
//     someone else within the window would be. A submission whose record is not yet listed when
//     looked up would be submitted again (the service is assumed to record the job before
//     answering).
//   - Nothing found: the job is submitted again, at most 3 submissions in all, with backoff.
//     0202 ("too many jobs are being submitted") is also submitted again. If the look-up itself
//     fails, the error says the job may exist and names it.
//   - A 2xx answer with a job id but a state other than COMPLETE (OTC: JOBSTAT_SUBMIT_FAILED,
//     SDK enum: FAILED) returns the id with an *Error holding the answer's top-level
//     error_code/error_msg, so the caller can record and delete it.
//   - The name must match ^[A-Za-z0-9_-]{1,64}$ and the type must be set; the rest (type enum,
//     forbidden characters, lengths) is left to the service and to plan-time validation.
//     Arguments and properties are omitted from the body when empty.
//
// # Job fields [I]
//
//   - arguments and properties come as strings, "[a, b]" and "{k=v, k2=v2}", parsed by
//     ParseArguments and ParseProperties. Both forms lose information: an argument containing
//     ", " is split in two (no way to tell); a properties piece without '=' is joined to the
//     previous value, but a value containing ", x=y" reads as two entries. A JSON array in
//     arguments (as OTC documents) is a malformed answer: the SDK's model has a string there.
//   - Times are epoch milliseconds; 0 or absent is the zero time.Time; times are UTC.
//     job_progress (a float32 in the SDK) is converted through its shortest decimal form.
//   - Terminal job_state: FINISHED, FAILED, KILLED (case-insensitive). Success is
//     job_result == SUCCEEDED, never job_state alone.
//
// # List [I]
//
// limit=100 and offset = 1-based page number (as the huaweicloud provider pages), until a page
// is shorter than the limit, empty, or total_record jobs have been seen; a page whose first job
// repeats the previous page's is an error (the service ignored offset). An answer without
// job_list is malformed unless it carries total_record. SparkPython in the type filter is sent
// as SparkSubmit.
//
// # Kill and batch-delete [I]
//
//   - Both are safe to repeat and are repeated by this client (up to the retry policy's
//     MaxAttempts, with backoff) after ambiguous failures only: connection lost after sending,
//     408/502/504, or 500 without an MRS code (or with 12000004). They are deliberately not
//     marked transport.WithIdempotent: the transport would then repeat every 500, and MRS
//     reports definite refusals as 500 with a code (0175/0160 kill refused, 0183 running, 0161,
//     0176 per the docs), which cannot succeed on a repeat.
//   - A 2xx answer's body is ignored (none is documented).
//   - BatchDelete sends at most 100 ids per call (no limit is documented) and each id once.
//     0176/0201 or 0161 on a multi-id call may be the whole call refused because of one id, so
//     that chunk is deleted id by id; there, 0176/0201 mean already deleted (spec §1.5 step 4),
//     and 12000003 (cluster gone) means every job is gone. A bare 404 without these codes is an
//     error for a delete (a wrong endpoint must not look like a successful destroy), while
//     IsJobGone counts it as gone for reads. Running jobs may be refused with 0183
//     (IsJobRunning): kill them first.
//
// # Errors
//
// Error answers become *Error (StatusCode, Code, Message, RequestID, Operation). The body is
// read as error_code/error_msg, errorCode/errorMsg (which the SDK's parser misses) or
// code/message, with request_id from the body when the X-Request-Id header is absent. Bodies
// that are not JSON keep their text (truncated) as the message. Malformed 2xx answers are
// errors naming the operation ("MRS get job: malformed response (HTTP 202): ..."; IsMalformed),
// never panics and never half-filled jobs: a job read by GetJob or ListJobs must have job_id
// (for GetJob, the one asked for), job_name and a documented job_state (NEW, NEW_SAVING,
// SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED; any case). GetJob and each list page
// are asked for again after a malformed answer (reads change nothing), up to the retry
// policy's MaxAttempts in all, with backoff; a submission's is ambiguous (see Submit); kill's
// and batch-delete's bodies are not read.
// IsJobGone: 0176, 0201, 12000003 or HTTP 404, whatever the status (the docs say 500 for 0176;
// the service has been seen answering 400). IsAuthFailure: HTTP 401, APIGW.0301 or 12000001;
// the text names mrs.access_key / mrs.secret_key (HW_ACCESS_KEY / HW_SECRET_KEY) and
// mrs.security_token. IsJobRunning: 0183.
package mrs
