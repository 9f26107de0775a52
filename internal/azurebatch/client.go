// Package azurebatch is the Azure Batch data-plane client used by the provider: the official
// azbatch SDK, authenticated with Shared Key or Microsoft Entra ID, over the shared transport.
// It knows nothing of Terraform.
package azurebatch

import (
	"context"
	"errors"
	"fmt"
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

// Config describes how to reach one Batch account.
type Config struct {
	Endpoint    string // https://{account}.{region}.batch.azure.com, or the host name alone
	AccountName string
	// AccountKey (base64) selects Shared Key; empty selects Credential.
	AccountKey string
	// Credential is the Microsoft Entra ID credential used when AccountKey is empty.
	Credential azcore.TokenCredential

	CACertificateFile  string
	InsecureSkipVerify bool
	UserAgent          string
	Retry              transport.RetryPolicy
}

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

// Client performs the task operations the provider needs.
type Client struct {
	sdk   *azbatch.Client
	retry transport.RetryPolicy
}

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
	var credential azcore.TokenCredential
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
		if cfg.Credential == nil {
			return nil, errors.New("neither an account key nor a Microsoft Entra ID credential was given")
		}
		credential = cfg.Credential
	}
	httpClient, err := transport.NewClient(opts)
	if err != nil {
		return nil, err
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
	return &Client{sdk: sdk, retry: cfg.Retry}, nil
}

// AddTask adds a task to a job. A repeat after a lost response is safe: the service answers it
// with 409 TaskExists, which the caller resolves by comparing the existing task. The same
// repeat follows a success status other than 201 Created (a proxy's page, an empty 200), which
// says nothing of whether the task was added, and an error status whose body does not decode
// (a 409 may be TaskExists).
//
// When a request went out but no definite answer came back (the context ended, the connection
// broke, 5xx or 408 until the retries ran out, answers that never decoded), the error is an
// *OutcomeUnknownError: the task may exist. A request that never left (no such host, refused
// connection or TLS, cancelled first) and a readable refusal (4xx) added nothing.
func (c *Client) AddTask(ctx context.Context, jobID string, task azbatch.CreateTaskContent) error {
	target := jobID + "/" + valueOf(task.ID)
	// An error answer whose code is unreadable is repeated too: a 409 may be TaskExists, which
	// the caller needs to see as such.
	again := func(err error) bool {
		var e *Error
		return IsMalformed(err) || errors.As(err, &e) && e.Unreadable && e.Code == "" && e.StatusCode < 500
	}
	sent := new(atomic.Bool)
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }})
	err := transport.Repeat(ctx, c.retry, again, func() error {
		_, err := c.sdk.CreateTask(transport.WithIdempotent(traced), jobID, task, nil)
		return withOperation(asError(err), "add task", target,
			"the answer is not 201 Created, so the task may or may not have been added")
	})
	if err != nil && sent.Load() && !definiteRefusal(err) {
		return &OutcomeUnknownError{Err: err}
	}
	return err
}

// definiteRefusal reports an answer by which the service said it did not add the task: a
// readable 4xx (408 aside, which may come after the work was done).
func definiteRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Unreadable && e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusRequestTimeout
}

// OutcomeUnknownError is an Add Task whose outcome is unknown: the request went out and no
// definite answer came back, so the task may exist.
type OutcomeUnknownError struct{ Err error }

func (e *OutcomeUnknownError) Error() string { return e.Err.Error() }

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// GetTask reads a task. An answer that does not decode, or lacks the task's id or a known
// state, is a *MalformedError, never a half-filled task; such answers are repeated (a read
// changes nothing) within the retry policy before the error is returned.
func (c *Client) GetTask(ctx context.Context, jobID, taskID string) (*azbatch.Task, error) {
	var task *azbatch.Task
	err := transport.Repeat(ctx, c.retry, IsMalformed, func() error {
		var raw *http.Response
		resp, err := c.sdk.GetTask(policy.WithCaptureResponse(ctx, &raw), jobID, taskID, nil)
		if err != nil {
			return withOperation(decodeFailure(asError(err), raw), "get task", jobID+"/"+taskID, "")
		}
		if err := checkTask(&resp.Task, taskID); err != nil {
			return withOperation(err, "get task", jobID+"/"+taskID, "")
		}
		task = &resp.Task
		return nil
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// checkTask reports what a task read from the service lacks for the provider to use it.
func checkTask(t *azbatch.Task, taskID string) error {
	switch {
	case t.ID == nil || *t.ID == "":
		return &MalformedError{StatusCode: http.StatusOK, Detail: "the answer has no task id"}
	case !strings.EqualFold(*t.ID, taskID):
		return &MalformedError{StatusCode: http.StatusOK, Detail: fmt.Sprintf("the answer is for task %q", *t.ID)}
	case t.State == nil || *t.State == "":
		return &MalformedError{StatusCode: http.StatusOK, Detail: "the answer has no task state"}
	case !slices.Contains(azbatch.PossibleTaskStateValues(), *t.State):
		return &MalformedError{StatusCode: http.StatusOK, Detail: fmt.Sprintf("the answer has an unknown task state %q", *t.State)}
	}
	return nil
}

// UpdateConstraints replaces a task's constraints (the only updatable part of a task). The PUT
// replaces the whole object, so every field must be given. An etag makes it conditional.
func (c *Client) UpdateConstraints(ctx context.Context, jobID, taskID string, constraints azbatch.TaskConstraints, etag string) error {
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
	var b strings.Builder
	fmt.Fprintf(&b, "Azure Batch returned HTTP %d", e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Unreadable && e.Code == "" {
		b.WriteString(" with a malformed answer: the error body does not decode, so the service's error code is unknown")
	}
	for _, k := range sortedKeys(e.Values) {
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
