// Package azurebatch is the Azure Batch data-plane client used by the provider: the official
// azbatch SDK, authenticated with Shared Key or Microsoft Entra ID, over the shared transport.
// It knows nothing of Terraform. The protocols that take more than one call (adopting a task or
// job after 409 TaskExists or JobExists, the read after Add Job that may briefly find no job,
// the conditional constraints update, deleting a job and waiting until it is gone) are methods
// here, so that the provider only maps its models to these types and these errors to
// diagnostics. Task operations are in client.go, job operations in jobs.go.
package azurebatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

// APIVersion is the data-plane version azbatch v0.1.0 speaks.
const APIVersion = "2024-07-01.20.0"

// Config describes how to reach one Batch account, in plain settings: the client builds the
// credential itself.
type Config struct {
	Endpoint    string // https://{account}.{region}.batch.azure.com, or the host name alone
	AccountName string
	// AccountKey (base64) selects Shared Key; empty selects Microsoft Entra ID with the
	// credential Entra chooses (see ChooseCredential), for the Cloud's Batch scope.
	AccountKey string
	// Cloud is the Azure cloud of the account ("public", the default, "usgovernment" or
	// "china"): with Microsoft Entra ID it chooses the authority and the token scope, and the
	// endpoint must be one of its accounts.
	Cloud string
	Entra EntraConfig

	CACertificateFile  string
	InsecureSkipVerify bool
	UserAgent          string
	Retry              transport.RetryPolicy

	// credential, when set, replaces the Entra settings: tests reach the emulator with a fixed
	// Entra ID token through it. Unexported so that callers need no Azure SDK types.
	credential azcore.TokenCredential
}

// EntraIDSetupError is a Microsoft Entra ID credential that could not be chosen or built (no
// account key was given).
type EntraIDSetupError struct{ Err error }

func (e *EntraIDSetupError) Error() string {
	return "no account key is set and Microsoft Entra ID credentials could not be set up: " + e.Err.Error()
}

func (e *EntraIDSetupError) Unwrap() error { return e.Err }

// IDRule is the rule of job and task ids.
const IDRule = "must be 1 to 64 characters of letters, digits, hyphens (-) and underscores (_)"

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckID reports a job or task id that breaks IDRule.
func CheckID(s string) error {
	if idPattern.MatchString(s) {
		return nil
	}
	return errors.New(IDRule)
}

// FileModeRule is the form of a resource file's mode on Linux nodes: octal permissions.
const FileModeRule = "must be an octal file mode such as 0755"

var fileModePattern = regexp.MustCompile(`^0?[0-7]{3}$`)

// CheckFileMode reports a file mode that breaks FileModeRule.
func CheckFileMode(s string) error {
	if fileModePattern.MatchString(s) {
		return nil
	}
	return errors.New(FileModeRule)
}

// MaxDisplayNameLength is the limit on a task's or job's display name, in characters.
const MaxDisplayNameLength = 1024

// Client performs the task and job operations the provider needs.
type Client struct {
	sdk   *azbatch.Client
	retry transport.RetryPolicy
	// credential is how requests are authenticated: "Shared Key" or a Microsoft Entra ID
	// credential kind (Credential*).
	credential string
}

// Credential says how the client authenticates: "Shared Key", or the Microsoft Entra ID
// credential kind (CredentialClientSecret, ...).
func (c *Client) Credential() string { return c.credential }

// New validates cfg and builds a client.
func New(cfg Config) (*Client, error) {
	endpoint, err := NormalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	opts := transport.Options{
		Service:            "azurebatch",
		UserAgent:          cfg.UserAgent,
		CACertificateFile:  cfg.CACertificateFile,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		Retry:              cfg.Retry,
	}
	cloud, err := CloudNamed(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	kind := "Shared Key"
	if cfg.AccountKey != "" {
		if cfg.AccountName == "" {
			return nil, errors.New("account_name is required with account_key")
		}
		signer, err := NewSharedKeySigner(cfg.AccountName, cfg.AccountKey)
		if err != nil {
			return nil, err
		}
		opts.Signer = signer
		opts.Secrets = []string{cfg.AccountKey}
	} else {
		// The token goes wherever the endpoint points: it must be an account of the cloud.
		if err := cloud.CheckEndpoint(endpoint); err != nil {
			return nil, err
		}
		opts.Secrets = cfg.Entra.secrets()
	}
	httpClient, err := transport.NewClient(opts)
	if err != nil {
		return nil, err
	}
	var credential azcore.TokenCredential
	switch {
	case cfg.AccountKey != "":
	case cfg.credential != nil:
		credential, kind = cfg.credential, "static token"
	default:
		cred, err := newEntraCredential(cloud, cfg.Entra, httpClient)
		if err != nil {
			return nil, &EntraIDSetupError{Err: err}
		}
		credential, kind = cred, cred.kind
	}
	sdk, err := azbatch.NewClient(endpoint, credential, &azbatch.ClientOptions{
		ClientOptions: azcore.ClientOptions{
			Transport: httpClient,
			// Retries happen in the transport, where each attempt is re-signed.
			Retry: policy.RetryOptions{MaxRetries: -1},
			// Lets tests run Entra ID against a plain-HTTP server; real endpoints are HTTPS.
			InsecureAllowCredentialWithHTTP: strings.HasPrefix(endpoint, "http:"),
		},
	})
	if err != nil {
		return nil, err
	}
	return &Client{sdk: sdk, retry: cfg.Retry, credential: kind}, nil
}

// AddTask adds a task to a job. It reports adopted when the task already existed as asked
// for, which is how a repeat finds the task an earlier attempt added when that attempt's answer
// was lost (the service answers the repeat 409 TaskExists). Any other task with the id is a
// *TaskConflictError: it is never overwritten.
//
// When a request went out but no definite answer came back (the context ended, the connection
// broke, 5xx or 408 until the retries ran out, answers that never decoded), the error is an
// *OutcomeUnknownError: the task may exist. A request that never left (no such host, refused
// connection or TLS, cancelled first) and a readable refusal (4xx) added nothing. When the
// existing task cannot be read after TaskExists, that error is returned: whether the task is
// the one asked for is not known.
func (c *Client) AddTask(ctx context.Context, jobID string, task TaskSpec) (adopted bool, err error) {
	err = c.addTask(ctx, jobID, task)
	if !HasCode(err, "TaskExists") {
		return false, err
	}
	return c.adopt(ctx, jobID, task, err)
}

// adopt resolves exists, a TaskExists answered to adding task: it reads the existing task and
// reports adopted when it is the one asked for, else a *TaskConflictError wrapping exists. When
// the existing task cannot be read, that error is returned.
func (c *Client) adopt(ctx context.Context, jobID string, task TaskSpec, exists error) (adopted bool, err error) {
	existing, err := c.GetTask(ctx, jobID, valueOf(task.ID))
	if err != nil {
		return false, err
	}
	if !sameTask(existing, task) {
		return false, &TaskConflictError{JobID: jobID, TaskID: valueOf(task.ID), ExistingID: valueOf(existing.ID), Err: exists}
	}
	return true, nil
}

// TaskConflictError is an Add Task refused with 409 TaskExists because a different task has the
// id.
type TaskConflictError struct {
	JobID, TaskID string
	// ExistingID is the existing task's id as the service spells it (ids compare without case).
	ExistingID string
	Err        error // the 409 TaskExists
}

func (e *TaskConflictError) Error() string {
	return fmt.Sprintf("a different task with ID %q already exists in job %q", e.TaskID, e.JobID)
}

func (e *TaskConflictError) Unwrap() error { return e.Err }

// sameTask compares what was asked for with what exists, ignoring the values the service fills
// in (constraints, required slots, user identity) or never returns (the registry password).
// The two are compared in their wire form (JSON), so that no field list here can miss one.
func sameTask(existing *Task, want TaskSpec) bool {
	got := TaskSpec{
		ID: existing.ID, CommandLine: existing.CommandLine, DisplayName: existing.DisplayName,
		EnvironmentSettings: existing.EnvironmentSettings, ResourceFiles: existing.ResourceFiles,
		OutputFiles: existing.OutputFiles, AffinityInfo: existing.AffinityInfo, DependsOn: existing.DependsOn,
		MultiInstanceSettings: existing.MultiInstanceSettings, ApplicationPackageReferences: existing.ApplicationPackageReferences,
		ExitConditions: existing.ExitConditions, ContainerSettings: existing.ContainerSettings,
	}
	want.Constraints, want.RequiredSlots, want.UserIdentity = nil, nil, nil
	if want.ContainerSettings != nil && want.ContainerSettings.Registry != nil {
		registry := *want.ContainerSettings.Registry
		registry.Password = nil
		settings := *want.ContainerSettings
		settings.Registry = &registry
		want.ContainerSettings = &settings
	}
	if !strings.EqualFold(valueOf(got.ID), valueOf(want.ID)) {
		return false
	}
	got.ID = want.ID
	a, errA := json.Marshal(got)
	b, errB := json.Marshal(want)
	return errA == nil && errB == nil && string(a) == string(b)
}

// addTask sends Add Task once (see create). The repeat after a lost answer is answered 409
// TaskExists, which AddTask resolves.
func (c *Client) addTask(ctx context.Context, jobID string, task TaskSpec) error {
	return c.create(ctx, "add task", jobID+"/"+valueOf(task.ID), "the task may or may not have been added", func(ctx context.Context) error {
		_, err := c.sdk.CreateTask(ctx, jobID, task, nil)
		return err
	})
}

// create sends a request that adds something once, as far as the outcome goes: it is repeated
// where the answer says nothing of the add (a success status other than 201 Created, such as a
// proxy's page or an empty 200, and an error status whose body does not decode, since a 409 may
// be the "exists" the caller resolves), and the transport repeats it after lost answers. The
// service refuses a second add of the same id with 409 (TaskExists, JobExists), so a repeat
// never adds twice. effect says what a malformed answer leaves unknown.
//
// When the request went out but no definite answer came back, the error is an
// *OutcomeUnknownError.
func (c *Client) create(ctx context.Context, op, target, effect string, send func(ctx context.Context) error) error {
	traced, sent := traceSent(ctx)
	err := transport.Repeat(ctx, c.retry, unclear, func() error {
		return withOperation(asError(send(transport.WithIdempotent(traced))), op, target,
			"the answer is not 201 Created, so "+effect)
	})
	return outcome(sent, err)
}

// unclear reports an answer that says nothing of what a request did: a *MalformedError, or an
// error answer below 500 whose code is unreadable (a 409 may be the "exists" or "being deleted"
// the caller resolves).
func unclear(err error) bool {
	var e *Error
	return IsMalformed(err) || errors.As(err, &e) && e.Unreadable && e.Code == "" && e.StatusCode < 500
}

// traceSent returns ctx, traced so that the flag is set once a request made with it has left.
func traceSent(ctx context.Context) (context.Context, *atomic.Bool) {
	sent := new(atomic.Bool)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }}), sent
}

// outcome turns the error of a request that adds or changes something into an
// *OutcomeUnknownError when the request went out and no definite refusal came back.
func outcome(sent *atomic.Bool, err error) error {
	if err != nil && sent.Load() && !definiteRefusal(err) {
		return &OutcomeUnknownError{Err: err}
	}
	return err
}

// definiteRefusal reports an answer by which the service said it did nothing: a readable 4xx
// (408 aside, which may come after the work was done).
func definiteRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Unreadable && e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusRequestTimeout
}

// OutcomeUnknownError is a request that adds or changes something (Add Task, Add Job, Patch
// Job) whose outcome is unknown: it went out and no definite answer came back, so it may have
// taken effect.
type OutcomeUnknownError struct{ Err error }

func (e *OutcomeUnknownError) Error() string { return e.Err.Error() }

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// GetTask reads a task. An answer that does not decode, or lacks the task's id or a known
// state, is a *MalformedError, never a half-filled task; such answers are repeated (a read
// changes nothing) within the retry policy before the error is returned.
func (c *Client) GetTask(ctx context.Context, jobID, taskID string) (*Task, error) {
	return read(ctx, c.retry, IsMalformed, "get task", jobID+"/"+taskID,
		func(ctx context.Context) (*Task, error) {
			resp, err := c.sdk.GetTask(ctx, jobID, taskID, nil)
			return &resp.Task, err
		},
		func(t *Task) error { return checkTask(t, taskID) })
}

// checkTask reports what a task read from the service lacks for the provider to use it.
func checkTask(t *Task, taskID string) error {
	return checkIDAndState("task", t.ID, taskID, t.State, azbatch.PossibleTaskStateValues())
}

// read calls get until its answer passes check, repeating it while again accepts the error
// (reads change nothing), within the retry policy; the last error is returned. An answer that
// does not decode, or fails check, is a *MalformedError naming op and target, never a
// half-filled value.
func read[T any](ctx context.Context, retry transport.RetryPolicy, again func(error) bool, op, target string,
	get func(ctx context.Context) (*T, error), check func(*T) error,
) (*T, error) {
	var out *T
	err := transport.Repeat(ctx, retry, again, func() error {
		var raw *http.Response
		v, err := get(policy.WithCaptureResponse(ctx, &raw))
		if err != nil {
			return withOperation(decodeFailure(asError(err), raw), op, target, "")
		}
		if err := check(v); err != nil {
			return withOperation(err, op, target, "")
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkIDAndState reports a task or job (kind) read from the service without the id asked for
// (ids compare without case) or without a known state.
func checkIDAndState[S ~string](kind string, id *string, wantID string, state *S, known []S) error {
	switch {
	case id == nil || *id == "":
		return &MalformedError{StatusCode: http.StatusOK, Detail: "the answer has no " + kind + " id"}
	case !strings.EqualFold(*id, wantID):
		return &MalformedError{StatusCode: http.StatusOK, Detail: fmt.Sprintf("the answer is for %s %q", kind, *id)}
	case state == nil || *state == "":
		return &MalformedError{StatusCode: http.StatusOK, Detail: "the answer has no " + kind + " state"}
	case !slices.Contains(known, *state):
		return &MalformedError{StatusCode: http.StatusOK, Detail: fmt.Sprintf("the answer has an unknown %s state %q", kind, *state)}
	}
	return nil
}

// UpdateConstraints replaces a task's constraints (the only updatable part of a task) with want.
// The PUT replaces the whole object, so every field must be given.
//
// With an etag, the one read together with seen, the update is conditional. The ETag also
// moves when the task changes state, so on 412 the task is read again: when its constraints
// are still seen, the update is sent once more with the new ETag; when somebody else changed
// them, the error is a *ConstraintsChangedError and the update is not sent again. When they
// already are want, an attempt whose answer was lost took effect (its repeat met the ETag it
// had moved): the update is done.
func (c *Client) UpdateConstraints(ctx context.Context, jobID, taskID string, want TaskConstraints, seen *TaskConstraints, etag string) error {
	err := c.replaceConstraints(ctx, jobID, taskID, want, etag)
	if !HasCode(err, "ConditionNotMet") {
		return err
	}
	current, getErr := c.GetTask(ctx, jobID, taskID)
	if getErr != nil {
		return getErr
	}
	if SameConstraints(current.Constraints, &want) {
		return nil
	}
	if !SameConstraints(current.Constraints, seen) {
		return &ConstraintsChangedError{Err: err}
	}
	return c.replaceConstraints(ctx, jobID, taskID, want, string(valueOf(current.ETag)))
}

// ConstraintsChangedError is a conditional constraints update refused because the task's
// constraints are no longer the ones last seen.
type ConstraintsChangedError struct{ Err error } // the 412 ConditionNotMet

func (e *ConstraintsChangedError) Error() string {
	return "the task's constraints were changed by somebody else since they were last read: " + e.Err.Error()
}

func (e *ConstraintsChangedError) Unwrap() error { return e.Err }

// SameConstraints tells whether two task constraints are the same to the service: durations
// compare by length, since it writes PT90M back as PT1H30M.
func SameConstraints(a, b *TaskConstraints) bool {
	if a == nil || b == nil {
		return a == b
	}
	return EqualDurations(valueOf(a.MaxWallClockTime), valueOf(b.MaxWallClockTime)) &&
		EqualDurations(valueOf(a.RetentionTime), valueOf(b.RetentionTime)) &&
		valueOf(a.MaxTaskRetryCount) == valueOf(b.MaxTaskRetryCount)
}

// replaceConstraints sends one Replace Task with the constraints, conditional on etag if set.
func (c *Client) replaceConstraints(ctx context.Context, jobID, taskID string, constraints TaskConstraints, etag string) error {
	var opts *azbatch.ReplaceTaskOptions
	if etag != "" {
		e := azcore.ETag(etag)
		opts = &azbatch.ReplaceTaskOptions{IfMatch: &e}
	}
	_, err := c.sdk.ReplaceTask(ctx, jobID, taskID, azbatch.Task{Constraints: &constraints}, opts)
	return withOperation(asError(err), "update task", jobID+"/"+taskID, "the constraints may or may not have been changed")
}

// DeleteTask deletes a task. A task or job that is already gone counts as deleted.
func (c *Client) DeleteTask(ctx context.Context, jobID, taskID string) error {
	_, err := c.sdk.DeleteTask(ctx, jobID, taskID, nil)
	if err = asError(err); IsNotFound(err) {
		return nil
	}
	return withOperation(err, "delete task", jobID+"/"+taskID, "the task may or may not have been deleted")
}

func valueOf[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Error is a failed call, with the service's BatchError fields.
type Error struct {
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	Values     map[string]string
	// Unreadable is set when the answer had a body that is not a BatchError with a code (cut
	// short, mistyped, a proxy's page): the status stands, the service's code is unknown.
	Unreadable bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("Azure Batch returned HTTP %d", e.StatusCode) + e.details()
}

// details is the text of the error after its status: code, message, values, request id.
func (e *Error) details() string {
	var b strings.Builder
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Unreadable && e.Code == "" {
		b.WriteString(" with a malformed answer: the error body does not decode, so the service's error code is unknown")
	}
	for _, k := range slices.Sorted(maps.Keys(e.Values)) {
		fmt.Fprintf(&b, "; %s=%s", k, e.Values[k])
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request-id %s)", e.RequestID)
	}
	return b.String()
}

// IsNotFound reports a missing task or job.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// HasCode reports a service error with the given code.
func HasCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && strings.EqualFold(e.Code, code)
}

// IsAuthFailure reports rejected credentials.
func IsAuthFailure(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden ||
		strings.EqualFold(e.Code, "AuthenticationFailed") || strings.EqualFold(e.Code, "InvalidAuthenticationInfo"))
}
