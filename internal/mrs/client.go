package mrs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	sdkregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	mrsv2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/mrs/v2"
	mrsregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/mrs/v2/region"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// Config describes how to reach MRS in one project.
type Config struct {
	// Endpoint is the MRS endpoint, e.g. https://mrs.cn-north-4.myhuaweicloud.com (see
	// DefaultEndpoint). Required here; the provider derives it from the region when unset. A
	// value without a scheme gets https://, as the SDK does. It must not carry a path: the SDK
	// replaces the URL path with the API path.
	Endpoint string
	// ProjectID is the IAM project id (letters and digits, 1-64). When empty, the client looks
	// it up through IAM on first use: the project named Region (see Client.ProjectID).
	ProjectID string
	// Region is the region whose project is looked up when ProjectID is empty (a region's IAM
	// project bears the region's name, e.g. cn-north-4); it is then required, else unused.
	Region string
	// IAMEndpoint is where that look-up goes; empty: DefaultIAMEndpoint(Region). Same form as
	// Endpoint (scheme, host and port only).
	IAMEndpoint string
	// AccessKey and SecretKey are the AK/SK pair that signs every request (SDK-HMAC-SHA256).
	AccessKey, SecretKey string
	// SecurityToken, set with temporary AK/SK, is sent as X-Security-Token.
	SecurityToken string

	CACertificateFile  string
	InsecureSkipVerify bool
	// UserAgent identifies the provider; it goes in front of the SDK's own user agent.
	UserAgent string
	// Retry bounds the retries (transport.DefaultRetry's when it sets none). Its Clock (nil: real
	// time) times every wait of the client, the transport's and Submit's, and dates the
	// signatures and the submit look-up window; tests give a fake one.
	Retry transport.RetryPolicy
}

// defaultUserAgent is used when Config.UserAgent is empty. The SDK must always be given a user
// agent: with none, it builds one from the OS and writes a generated application id into
// ~/.huaweicloud/application_id.
const defaultUserAgent = "terraform-provider-batchops"

// Client performs the MRS V2 job operations the provider needs, through the official SDK.
// It is safe for concurrent use.
type Client struct {
	endpoint  string
	userAgent string
	keys      keys
	retry     transport.RetryPolicy
	clock     wait.Clock
	// now dates the signatures (X-Sdk-Date) and the submit look-up window: the clock's, but
	// tests replace it alone to make every attempt's date differ.
	now    func() time.Time
	redact transport.Redactor

	// region and iamEndpoint serve the project look-up (Config.ProjectID empty).
	region, iamEndpoint string
	// lookupLock (capacity 1) guards proj and lookupErr: the project is looked up at most once
	// per client (see ProjectID), and every operation waits for it.
	lookupLock chan struct{}
	proj       *project
	lookupErr  error
}

// keys are the credentials and TLS settings every round tripper of the client is built from.
type keys struct {
	ak, sk, securityToken string
	caFile                string
	insecure              bool
}

// project is the client's project and what carries it: the SDK credentials (which fill the
// {project_id} of the API paths) and the round tripper whose signer sends X-Project-Id.
type project struct {
	id   string
	cred *basic.Credentials
	rt   http.RoundTripper
}

// The service's id and name rules, each with the words that state it. The Check functions
// return an error holding those words.
const (
	ProjectIDRule = "must be 1 to 64 letters and digits"
	// NameRule is the rule of cluster ids and job names.
	NameRule  = "must be 1 to 64 letters, digits, hyphens (-) and underscores (_)"
	JobIDRule = "must be 1 to 64 letters, digits and hyphens (job ids are UUIDs)"

	// ArgumentRule is the rule of a job's arguments: the service refuses the shell's special
	// characters, and it returns the arguments as one string joined with ", ", which could not
	// be split again if an argument held one.
	ArgumentRule = `must not contain ; | & > ' < $ ! \ or ", nor ", " (comma and space)`
	// PropertyKeyRule and PropertyValueRule are the rules of a job's properties.
	PropertyKeyRule   = "must be a key without > < | ' ` & ! \\ = , or spaces"
	PropertyValueRule = "must not contain > < | ' ` & ! or \\"
)

var (
	projectIDPattern     = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
	namePattern          = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	jobIDPattern         = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	argumentPattern      = regexp.MustCompile(`^(?:[^;|&>'<$!\\",]|,[^ ;|&>'<$!\\"])*,?$`)
	propertyKeyPattern   = regexp.MustCompile("^[^><|'`&!\\\\=, ]+$")
	propertyValuePattern = regexp.MustCompile("^[^><|'`&!\\\\]*$")
)

// JobTypes are the job types the service runs.
var JobTypes = []string{"MapReduce", "SparkSubmit", "HiveScript", "HiveSql", "DistCp", "SparkScript", "SparkSql", "Flink"}

// CheckProjectID reports a project id that breaks ProjectIDRule.
func CheckProjectID(s string) error { return checkRule(projectIDPattern, ProjectIDRule, s) }

// CheckClusterID reports a cluster id that breaks NameRule.
func CheckClusterID(s string) error { return checkRule(namePattern, NameRule, s) }

// CheckJobName reports a job name that breaks NameRule.
func CheckJobName(s string) error { return checkRule(namePattern, NameRule, s) }

// CheckJobID reports a job id that breaks JobIDRule.
func CheckJobID(s string) error { return checkRule(jobIDPattern, JobIDRule, s) }

// CheckArgument reports a job argument that breaks ArgumentRule.
func CheckArgument(s string) error { return checkRule(argumentPattern, ArgumentRule, s) }

// CheckPropertyKey reports a property key that breaks PropertyKeyRule.
func CheckPropertyKey(s string) error { return checkRule(propertyKeyPattern, PropertyKeyRule, s) }

// CheckPropertyValue reports a property value that breaks PropertyValueRule.
func CheckPropertyValue(s string) error { return checkRule(propertyValuePattern, PropertyValueRule, s) }

func checkRule(re *regexp.Regexp, rule, s string) error {
	if re.MatchString(s) {
		return nil
	}
	return errors.New(rule)
}

// New validates cfg and builds a client. Errors name the setting at fault. It makes no
// request: a project id left to look up is looked up by the first operation.
func New(cfg Config) (*Client, error) {
	endpoint, err := normaliseEndpoint("endpoint", cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	region := strings.TrimSpace(cfg.Region)
	var iamEndpoint string
	if cfg.ProjectID == "" {
		if region == "" {
			return nil, errors.New("project_id is not set, and no region is set to look it up from through IAM: set one of them")
		}
		if !regionPattern.MatchString(region) {
			return nil, fmt.Errorf("region %q is not a region name such as cn-north-4 (letters, digits and hyphens)", region)
		}
		raw := cfg.IAMEndpoint
		if strings.TrimSpace(raw) == "" {
			raw = DefaultIAMEndpoint(region)
		}
		if iamEndpoint, err = normaliseEndpoint("iam_endpoint", raw); err != nil {
			return nil, err
		}
	} else if err := CheckProjectID(cfg.ProjectID); err != nil {
		return nil, fmt.Errorf("project_id %q is not valid: it %w", cfg.ProjectID, err)
	}
	if cfg.AccessKey == "" {
		return nil, errors.New("access_key is required")
	}
	if cfg.SecretKey == "" {
		return nil, errors.New("secret_key is required")
	}
	if strings.ContainsAny(cfg.AccessKey, ", \t\r\n") {
		// The AK is written into the Authorization header unquoted.
		return nil, errors.New("access_key must not contain commas or white space")
	}

	c := &Client{
		endpoint:    endpoint,
		userAgent:   cfg.UserAgent,
		keys:        keys{ak: cfg.AccessKey, sk: cfg.SecretKey, securityToken: cfg.SecurityToken, caFile: cfg.CACertificateFile, insecure: cfg.InsecureSkipVerify},
		retry:       cfg.Retry.OrDefault(),
		clock:       wait.OrReal(cfg.Retry.Clock),
		region:      region,
		iamEndpoint: iamEndpoint,
		lookupLock:  make(chan struct{}, 1),
	}
	c.now = c.clock.Now
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	c.redact = transport.NewRedactor(cfg.SecretKey, cfg.SecurityToken)
	if cfg.ProjectID != "" {
		if c.proj, err = c.newProject(cfg.ProjectID); err != nil {
			return nil, err
		}
		return c, nil
	}
	// Report a bad CA file now rather than at the first operation.
	if _, err := transport.TLSConfig(cfg.CACertificateFile, cfg.InsecureSkipVerify); err != nil {
		return nil, err
	}
	return c, nil
}

// newProject builds the credentials and the round tripper of the project id.
func (c *Client) newProject(id string) (*project, error) {
	builder := basic.NewCredentialsBuilder().WithAk(c.keys.ak).WithSk(c.keys.sk).WithProjectId(id)
	if c.keys.securityToken != "" {
		builder = builder.WithSecurityToken(c.keys.securityToken)
	}
	// SafeBuild, not Build: it reports an empty AK/SK instead of panicking, and with both set
	// it never falls back to the ECS metadata credential accessor.
	cred, err := builder.SafeBuild()
	if err != nil {
		return nil, fmt.Errorf("building MRS credentials: %w", err)
	}
	rt, err := c.roundTripper("mrs", id)
	if err != nil {
		return nil, err
	}
	return &project{id: id, cred: cred, rt: rt}, nil
}

// roundTripper returns the shared transport for one service, signing every attempt with the
// client's keys; projectID "" sends no X-Project-Id (the IAM look-up, as the SDK's).
func (c *Client) roundTripper(service, projectID string) (http.RoundTripper, error) {
	return transport.NewRoundTripper(transport.Options{
		Service:            service,
		UserAgent:          c.userAgent,
		CACertificateFile:  c.keys.caFile,
		InsecureSkipVerify: c.keys.insecure,
		Signer: &sdkSigner{
			ak: c.keys.ak, sk: c.keys.sk, projectID: projectID, securityToken: c.keys.securityToken,
			now: func() time.Time { return c.now() },
		},
		Secrets: []string{c.keys.sk, c.keys.securityToken},
		Retry:   c.retry,
	})
}

// normaliseEndpoint checks the endpoint setting named name and returns it as
// scheme://host[:port].
func normaliseEndpoint(name, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("endpoint is required (for example https://mrs.cn-north-4.myhuaweicloud.com)")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%s %q is not an http(s) URL such as https://%s.cn-north-4.myhuaweicloud.com", name, raw, strings.TrimSuffix(name, "_endpoint"))
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%s %q must be only scheme, host and port: the API paths replace any path", name, raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// sdkRegions are the MRS regions the SDK knows, with their endpoints. The SDK's own lookup
// (region.SafeValueOf) is not used because it also reads environment variables and
// ~/.huaweicloud/regions.yaml.
var sdkRegions = []*sdkregion.Region{
	mrsregion.CN_NORTH_1, mrsregion.CN_NORTH_2, mrsregion.CN_NORTH_4, mrsregion.CN_SOUTH_1, mrsregion.CN_EAST_2,
	mrsregion.CN_EAST_3, mrsregion.AP_SOUTHEAST_1, mrsregion.AP_SOUTHEAST_2, mrsregion.AP_SOUTHEAST_3,
	mrsregion.AF_SOUTH_1, mrsregion.RU_NORTHWEST_2, mrsregion.SA_BRAZIL_1, mrsregion.LA_SOUTH_2, mrsregion.LA_NORTH_2,
	mrsregion.NA_MEXICO_1, mrsregion.CN_NORTH_9, mrsregion.CN_SOUTHWEST_2, mrsregion.TR_WEST_1, mrsregion.AP_SOUTHEAST_4,
	mrsregion.EU_WEST_101, mrsregion.ME_EAST_1, mrsregion.EU_WEST_0, mrsregion.MY_KUALALUMPUR_1, mrsregion.RU_MOSCOW_1,
	mrsregion.AE_AD_1, mrsregion.CN_SOUTH_4, mrsregion.CN_EAST_5, mrsregion.CN_NORTH_12, mrsregion.CN_EAST_4,
	mrsregion.CN_NORTH_11, mrsregion.CN_SOUTHWEST_3, mrsregion.AP_SOUTHEAST_5, mrsregion.AF_NORTH_1,
}

var regionEndpoints = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, len(sdkRegions))
	for _, r := range sdkRegions {
		if r != nil && len(r.Endpoints) > 0 {
			m[r.Id] = r.Endpoints[0]
		}
	}
	return m
})

// DefaultEndpoint returns the MRS endpoint of a region: the SDK's endpoint for the regions it
// knows (ap-southeast-1, ap-southeast-4 and ru-northwest-2 are on myhuaweicloud.cn,
// eu-west-101 on myhuaweicloud.eu), else https://mrs.{region}.myhuaweicloud.com. An empty
// region gives "".
func DefaultEndpoint(region string) string {
	region = strings.TrimSpace(region)
	if region == "" {
		return ""
	}
	if ep, ok := regionEndpoints()[region]; ok {
		return ep
	}
	return "https://mrs." + region + ".myhuaweicloud.com"
}

// api returns an SDK client bound to ctx, and the exchange that will hold the answer's body.
//
// The SDK's operations take no context: it builds each *http.Request with http.NewRequest,
// so cancellation, the operation's deadline (which bounds the transport's retries) and the
// transport.WithIdempotent mark would all be lost. The SDK client is therefore a thin per-call
// object whose round tripper puts ctx back on every request before handing it to the shared
// transport (which owns the connection pool, TLS, retries, signing and logging). Building it
// costs a few small allocations: no network, file or environment access, because the
// credentials carry a project id, no region is given and the user agent is set.
//
// The round tripper also keeps the final answer's body: the SDK's error parser drops
// request_id and does not know MRS's camelCase errorCode/errorMsg, and the submit response
// model lacks the top-level error_code/error_msg.
func (c *Client) api(ctx context.Context) (*mrsv2.MrsClient, *exchange, error) {
	p, err := c.project(ctx)
	if err != nil {
		return nil, nil, err
	}
	ex := &exchange{}
	httpConfig := config.DefaultHttpConfig().
		// One layer of retries: the transport's. The SDK itself only retries through its
		// Invoker types (not used) and fails over between endpoints (there is one).
		WithRetries(0).
		// No client-wide timeout: it would cut across the transport's retries. The context's
		// deadline bounds each operation.
		WithTimeout(0).
		WithUserAgent(c.userAgent).
		WithHttpRoundTripper(&boundRoundTripper{ctx: ctx, next: p.rt, ex: ex})
	hc, err := mrsv2.MrsClientBuilder().
		WithEndpoints([]string{c.endpoint}).
		WithCredential(p.cred).
		WithHttpConfig(httpConfig).
		SafeBuild()
	if err != nil {
		return nil, nil, fmt.Errorf("building the MRS SDK client: %w", err)
	}
	return mrsv2.NewMrsClient(hc), ex, nil
}

// exchange records the body of the last answer of one call.
type exchange struct {
	body []byte
}

// boundRoundTripper gives every request the caller's context and records the answer's body.
type boundRoundTripper struct {
	ctx  context.Context
	next http.RoundTripper
	ex   *exchange
}

func (b *boundRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(req.WithContext(b.ctx))
	if err != nil {
		return nil, err
	}
	// The SDK reads every answer whole anyway; reading it here (once) lets the client look at
	// it too. A connection lost while reading is an error of the round trip.
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	b.ex.body = data
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

func checkCluster(clusterID string) error {
	if err := CheckClusterID(clusterID); err != nil {
		return fmt.Errorf("cluster_id %q is not valid: it %w", clusterID, err)
	}
	return nil
}

func checkJobID(jobID string) error {
	if err := CheckJobID(jobID); err != nil {
		return fmt.Errorf("job id %q is not valid: it %w", jobID, err)
	}
	return nil
}
