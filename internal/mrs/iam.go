package mrs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The project look-up: with no project id configured, the client asks IAM for the project
// named after the region, as the SDK does (auth.BasicCredentials.ProcessAuthParams: Keystone
// "query projects", GET /v3/projects?name={region}, signed with the AK/SK, no X-Project-Id)
// and as the huaweicloud provider does. See doc.go, "Project look-up", for why the SDK's own
// look-up is not called.

// DefaultIAMDomainEndpoint is the global IAM endpoint, used for regions without an IAM
// endpoint of their own.
const DefaultIAMDomainEndpoint = "https://iam.myhuaweicloud.com"

// iamRegions are the regions with a regional IAM endpoint, https://iam.{region}.myhuaweicloud.com:
// the SDK's table (core/auth/internal/iam_endpoint.go, v0.1.207), which is not importable.
var iamRegions = map[string]bool{
	"cn-north-2": true, "cn-north-4": true, "cn-north-1": true, "cn-east-2": true, "cn-east-3": true,
	"cn-south-1": true, "cn-south-2": true, "cn-southwest-2": true, "ap-southeast-1": true, "ap-southeast-2": true,
	"ap-southeast-3": true, "af-south-1": true, "sa-brazil-1": true, "la-south-2": true, "na-mexico-1": true,
	"la-north-2": true, "cn-north-9": true, "eu-west-0": true, "my-kualalumpur-1": true, "ru-moscow-1": true,
	"me-east-1": true, "ap-southeast-4": true, "ae-ad-1": true, "cn-east-4": true, "cn-east-5": true,
	"tr-west-1": true, "cn-north-12": true,
}

// regionPattern is what a region name may be: it goes into a host name and a query.
var regionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)

// DefaultIAMEndpoint returns where the project of a region is looked up, as the SDK chooses:
// the region's own IAM endpoint for the regions the SDK lists, else the global one. Unlike
// the SDK it never reads HUAWEICLOUD_SDK_IAM_ENDPOINT: the provider has its own setting.
func DefaultIAMEndpoint(region string) string {
	region = strings.TrimSpace(region)
	if iamRegions[region] {
		return "https://iam." + region + ".myhuaweicloud.com"
	}
	return DefaultIAMDomainEndpoint
}

// maxIAMBody bounds the project list read (an account has at most a few hundred projects).
const maxIAMBody = 4 << 20

// ProjectID returns the client's project id, looking it up through IAM on the first call
// when none was configured. Every operation calls it first.
//
// The look-up is made at most once per client: concurrent first calls wait for one look-up,
// and a failed look-up is kept and returned again, never repeated (the transport has already
// retried what can be retried, and API Gateway locks an AK for 5 minutes after 5 failed
// signatures in a row). Only a look-up cut short by its caller's context is left for the
// next call to make.
func (c *Client) ProjectID(ctx context.Context) (string, error) {
	p, err := c.project(ctx)
	if err != nil {
		return "", err
	}
	return p.id, nil
}

func (c *Client) project(ctx context.Context) (*project, error) {
	// A channel rather than a mutex: a caller waiting for another's look-up still honours its
	// own context.
	select {
	case c.lookupLock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.lookupLock }()
	if c.proj != nil {
		return c.proj, nil
	}
	if c.lookupErr != nil {
		return nil, c.lookupErr
	}
	id, err := c.lookUpProject(ctx)
	if err == nil {
		var p *project
		if p, err = c.newProject(id); err == nil {
			c.proj = p
			return p, nil
		}
	}
	if ctx.Err() == nil {
		c.lookupErr = err
	}
	return nil, err
}

// lookUpProject asks IAM for the project named c.region and returns its id.
func (c *Client) lookUpProject(ctx context.Context) (string, error) {
	target := c.iamEndpoint + "/v3/projects?name=" + url.QueryEscape(c.region)
	fail := &ProjectLookupError{Region: c.region, Request: "GET " + target}
	rt, err := c.roundTripper("iam", "")
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		fail.Err = wrapMasked{err: err, text: c.redact.Redact(err.Error())}
		return "", fail
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIAMBody))
	if err != nil {
		fail.Err = fmt.Errorf("reading the answer: %s", c.redact.Redact(err.Error()))
		return "", fail
	}
	fail.StatusCode = resp.StatusCode
	fail.TraceID = firstNonEmpty(resp.Header.Get("X-IAM-Trace-Id"), resp.Header.Get("X-Request-Id"))
	if !is2xx(resp.StatusCode) {
		code, msg, requestID := parseIAMError(string(body))
		fail.Code = code
		fail.Message = truncate(c.redact.Redact(strings.TrimSpace(msg)))
		if fail.Message == "" {
			fail.Message = http.StatusText(resp.StatusCode)
		}
		if fail.TraceID == "" {
			fail.TraceID = requestID
		}
		return "", fail
	}
	var answer struct {
		Projects *[]struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"projects"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.Projects == nil {
		fail.Malformed = "no projects list"
		if err != nil {
			fail.Malformed = truncate(c.redact.Redact(err.Error()))
		}
		return "", fail
	}
	// IAM's name filter is exact; matching here too keeps a listing that ignored the filter
	// from handing over another region's (or a sub-project's) id.
	for _, p := range *answer.Projects {
		if p.Name == c.region {
			fail.ProjectIDs = append(fail.ProjectIDs, p.ID)
		}
	}
	if len(fail.ProjectIDs) != 1 {
		return "", fail
	}
	id := fail.ProjectIDs[0]
	if err := CheckProjectID(id); err != nil {
		fail.Malformed = fmt.Sprintf("the project id %q %v", truncate(id), err)
		return "", fail
	}
	return id, nil
}

// parseIAMError reads an IAM error body: Keystone's {"error":{"code":401,"message":...,
// "title":...}} or the gateway's and IAM's flat error_code/error_msg forms.
func parseIAMError(raw string) (code, msg, requestID string) {
	var nested struct {
		Error *struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
			Title   string          `json:"title"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(raw), &nested) == nil && nested.Error != nil {
		code = strings.Trim(string(nested.Error.Code), `"`)
		msg = nested.Error.Message
		if msg == "" {
			msg = nested.Error.Title
		}
		return code, msg, ""
	}
	if code, msg, requestID, ok := parseErrorBody(raw); ok {
		return code, msg, requestID
	}
	return "", truncate(strings.TrimSpace(raw)), ""
}

// ProjectLookupError is a failed look-up of the project id through IAM. Its text names the
// region, the request and the settings that fix it; never a key.
type ProjectLookupError struct {
	Region string
	// Request is the look-up, "GET https://iam.../v3/projects?name={region}".
	Request string
	// StatusCode is the answer's status (0: no answer, see Err).
	StatusCode int
	// Code, Message and TraceID come from an error answer (TraceID: X-IAM-Trace-Id, else the
	// request id).
	Code, Message, TraceID string
	// ProjectIDs are the ids of the projects named Region in a successful answer: none or
	// several, unless Malformed is set.
	ProjectIDs []string
	// Malformed says why a successful answer could not be read.
	Malformed string
	// Err is a failure without an answer (connection, TLS, context).
	Err error
}

const setProjectID = "mrs.project_id (HW_PROJECT_ID)"

func (e *ProjectLookupError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mrs.project_id is not set, and looking up the project of region %q through IAM (%s) failed: ", e.Region, e.Request)
	switch {
	case e.Err != nil:
		fmt.Fprintf(&b, "%v. Check mrs.iam_endpoint (HW_IAM_ENDPOINT), or set %s to skip the look-up", e.Err, setProjectID)
		return b.String()
	case e.Malformed != "":
		fmt.Fprintf(&b, "the answer (HTTP %d) is not a project list: %s. Set %s to skip the look-up", e.StatusCode, e.Malformed, setProjectID)
		return b.String()
	case is2xx(e.StatusCode) && len(e.ProjectIDs) == 0:
		fmt.Fprintf(&b, "IAM lists no project named %q for these credentials. Check mrs.region (HW_REGION_NAME), or set %s", e.Region, setProjectID)
		return b.String()
	case is2xx(e.StatusCode):
		fmt.Fprintf(&b, "IAM lists %d projects named %q (%s). Set %s to the one to use", len(e.ProjectIDs), e.Region, strings.Join(e.ProjectIDs, ", "), setProjectID)
		return b.String()
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.Code != "" && e.Code != strconv.Itoa(e.StatusCode) { // Keystone repeats the status as its code
		fmt.Fprintf(&b, " error %s", e.Code)
	}
	fmt.Fprintf(&b, ": %s", e.Message)
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (trace id %s)", e.TraceID)
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		fmt.Fprintf(&b, ". The credentials were rejected: check mrs.access_key and mrs.secret_key (HW_ACCESS_KEY / HW_SECRET_KEY) "+
			"and, with temporary credentials, mrs.security_token (HW_SECURITY_TOKEN). Setting %s skips the look-up", setProjectID)
	case http.StatusForbidden:
		fmt.Fprintf(&b, ". These credentials may not list IAM projects: set %s to the project id of region %q "+
			"(the console shows it under My Credentials, API Credentials)", setProjectID, e.Region)
	default:
		fmt.Fprintf(&b, ". Set %s to skip the look-up", setProjectID)
	}
	return b.String()
}

func (e *ProjectLookupError) Unwrap() error { return e.Err }

// isProjectLookupFailure reports a failed look-up: nothing was sent to MRS, so the failure is
// never ambiguous.
func isProjectLookupFailure(err error) bool {
	var e *ProjectLookupError
	return errors.As(err, &e)
}
