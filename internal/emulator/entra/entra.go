// Package entra emulates the part of the Microsoft Entra ID authority (login.microsoftonline.com)
// that a confidential client needs: a tenant's OpenID configuration and the v2.0 token endpoint
// with the client credentials grant, authenticated by a client secret, by a client assertion
// signed with a registered certificate, or by a federated token (workload identity federation)
// that this emulator's own token issuer signed. Tokens are opaque random strings it remembers
// with the audience they were issued for, so the emulated Batch account can accept exactly the
// tokens issued for its cloud's Batch resource. See README.md for the routes and errors.
package entra

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// ServiceName is the emulator's name for the authority.
const ServiceName = "entra"

// Defaults used when Config registers no application (also by the emulator command).
const (
	DefaultTenantID = "00000000-0000-4000-8000-00000000e17a"
	DefaultClientID = "00000000-0000-4000-8000-0000000c11e7"
	// DefaultSecret is the default application's client secret (a demo value).
	DefaultSecret = "batchops-emulator-demo-client-secret"
	// DefaultSubject is the subject of federated tokens the default application trusts.
	DefaultSubject = "repo:batchops/demo:ref:refs/heads/main"
)

// FederatedAudience is the audience Entra ID requires of a federated token ("api://AzureADTokenExchange").
const FederatedAudience = "api://AzureADTokenExchange"

// Batch resources (application ID URIs) of the clouds; a token's audience is one of them.
// Sources: learn.microsoft.com/azure/batch/batch-aad-auth (public), docs.azure.cn/batch/batch-aad-auth
// (China), Azure PowerShell's AzureEnvironmentConstants.*BatchEndpointResourceId (all three).
const (
	BatchResourcePublic       = "https://batch.core.windows.net/"
	BatchResourceUSGovernment = "https://batch.core.usgovcloudapi.net/"
	BatchResourceChina        = "https://batch.chinacloudapi.cn/"
)

var batchResources = []string{BatchResourcePublic, BatchResourceUSGovernment, BatchResourceChina}

// tokenLifetime is the expires_in of issued tokens, as Entra ID answers for app tokens.
const tokenLifetime = 3599 * time.Second

// App is a registered application (service principal) of a tenant.
type App struct {
	TenantID string
	ClientID string
	// Secret, when set, is accepted as client_secret.
	Secret string
	// Certificate, when set, is accepted as the signer of client assertions (PS256 with
	// x5t#S256, or RS256 with x5t, as MSAL sends them).
	Certificate *x509.Certificate
	// Subjects are the subjects of federated tokens, issued by this emulator's issuer
	// (FederatedToken), that the application trusts.
	Subjects []string
}

// Config configures the authority.
type Config struct {
	// Apps are the registered applications; none registers DefaultTenantID/DefaultClientID with
	// DefaultSecret and DefaultSubject.
	Apps []App
}

// Grant is an issued access token, for tests and the Batch account to look at.
type Grant struct {
	Token      string
	TenantID   string
	ClientID   string
	Audience   string // the Batch resource, e.g. BatchResourcePublic
	Credential string // "client_secret", "client_certificate" or "federated_token"
	Expires    time.Time
}

// Service is the emulated authority. It implements http.Handler.
type Service struct {
	servicekit.Endpoint

	apps      []App
	fedKey    ed25519.PrivateKey
	fedPublic ed25519.PublicKey
	now       func() time.Time

	mu     sync.Mutex
	grants map[string]Grant
	order  []string // tokens in issue order
}

// New returns the authority. now is the real-time source of expiry checks (nil: time.Now):
// tokens are checked against the time the client sees, never the emulator clock.
func New(cfg Config, now func() time.Time) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	apps := cfg.Apps
	if len(apps) == 0 {
		apps = []App{{TenantID: DefaultTenantID, ClientID: DefaultClientID, Secret: DefaultSecret, Subjects: []string{DefaultSubject}}}
	}
	for _, a := range apps {
		if a.TenantID == "" || a.ClientID == "" {
			return nil, fmt.Errorf("entra: an application needs a tenant and a client id")
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("entra: %w", err)
	}
	return &Service{apps: apps, fedKey: priv, fedPublic: pub, now: now, grants: map[string]Grant{}}, nil
}

// Name returns "entra".
func (s *Service) Name() string { return ServiceName }

// Issuer is the issuer of the federated tokens this emulator signs (the "iss" claim), playing
// the part of GitHub's or a Kubernetes cluster's OIDC issuer.
func (s *Service) Issuer() string { return s.BaseURL() + "/federation" }

// FederatedToken returns a federated token (a JWT signed by the emulator's issuer, audience
// FederatedAudience) for subject, valid for ttl: what a CI system hands a job for workload
// identity federation.
func (s *Service) FederatedToken(subject string, ttl time.Duration) string {
	now := s.now()
	header := map[string]any{"alg": "EdDSA", "typ": "JWT"}
	claims := map[string]any{
		"iss": s.Issuer(), "sub": subject, "aud": FederatedAudience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix(),
	}
	signingInput := jwtPart(header) + "." + jwtPart(claims)
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(s.fedKey, []byte(signingInput)))
}

func jwtPart(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Lookup returns the grant of an access token this authority issued and that has not expired.
func (s *Service) Lookup(token string) (Grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[token]
	if !ok || !s.now().Before(g.Expires) {
		return Grant{}, false
	}
	return g, true
}

// Grants returns every token issued so far, in issue order.
func (s *Service) Grants() []Grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Grant, 0, len(s.order))
	for _, t := range s.order {
		out = append(out, s.grants[t])
	}
	return out
}

var (
	openIDPath = regexp.MustCompile(`^/([^/]+)/v2\.0/\.well-known/openid-configuration$`)
	tokenPath  = regexp.MustCompile(`^/([^/]+)/oauth2/v2\.0/token$`)
)

// ServeHTTP serves the OpenID configuration and the token endpoint.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m := openIDPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
		s.openIDConfiguration(w, m[1])
		return
	}
	if m := tokenPath.FindStringSubmatch(r.URL.Path); m != nil {
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a "+r.Method+" request.")
			return
		}
		s.token(w, r, m[1])
		return
	}
	writeError(w, http.StatusNotFound, "invalid_request", 90002, "The requested path '"+r.URL.Path+"' is not served by this authority.")
}

// WriteFault writes an injected error status in the authority's error form.
func (s *Service) WriteFault(w http.ResponseWriter, _ *http.Request, status int) {
	writeError(w, status, "temporarily_unavailable", 50196, fmt.Sprintf("The server is temporarily unable to answer (injected HTTP %d).", status))
}

// RedactBody keeps client secrets and assertions out of the emulator's request log.
func (s *Service) RedactBody(_ *http.Request, body []byte) []byte {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return []byte("(form not recorded: it does not decode)")
	}
	for _, k := range []string{"client_secret", "client_assertion"} {
		if form.Has(k) {
			form.Set(k, "***")
		}
	}
	return []byte(form.Encode())
}

func (s *Service) knownTenant(tenant string) bool {
	return slices.ContainsFunc(s.apps, func(a App) bool { return strings.EqualFold(a.TenantID, tenant) })
}

func (s *Service) openIDConfiguration(w http.ResponseWriter, tenant string) {
	if !s.knownTenant(tenant) {
		writeError(w, http.StatusBadRequest, "invalid_tenant", 90002, "Tenant '"+tenant+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
		return
	}
	base := s.BaseURL() + "/" + tenant
	servicekit.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{
		"issuer":                                base + "/v2.0",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

// token answers the client credentials grant.
func (s *Service) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must be application/x-www-form-urlencoded.")
		return
	}
	form := r.PostForm
	if !s.knownTenant(tenant) {
		writeError(w, http.StatusBadRequest, "invalid_tenant", 90002, "Tenant '"+tenant+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
		return
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+gt+"'; this authority serves client_credentials only.")
		return
	}
	clientID := form.Get("client_id")
	i := slices.IndexFunc(s.apps, func(a App) bool {
		return strings.EqualFold(a.TenantID, tenant) && strings.EqualFold(a.ClientID, clientID)
	})
	if i < 0 {
		writeError(w, http.StatusBadRequest, "unauthorized_client", 700016, "Application with identifier '"+clientID+"' was not found in the directory '"+tenant+"'.")
		return
	}
	app := s.apps[i]
	audience, ok := resourceOf(form.Get("scope"))
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope '"+form.Get("scope")+"' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI) of a known resource.")
		return
	}
	var credential string
	switch {
	case form.Has("client_secret"):
		credential = "client_secret"
		if app.Secret == "" || subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(app.Secret)) != 1 {
			writeError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+app.ClientID+"'.")
			return
		}
	case form.Has("client_assertion"):
		if t := form.Get("client_assertion_type"); t != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			writeError(w, http.StatusBadRequest, "invalid_request", 50027, "client_assertion_type '"+t+"' is not supported.")
			return
		}
		var problem *assertionError
		credential, problem = s.checkAssertion(app, form.Get("client_assertion"), s.BaseURL()+"/"+tenant)
		if problem != nil {
			writeError(w, http.StatusUnauthorized, "invalid_client", problem.code, problem.msg)
			return
		}
	default:
		writeError(w, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	token := randomToken()
	g := Grant{Token: token, TenantID: app.TenantID, ClientID: app.ClientID, Audience: audience, Credential: credential, Expires: s.now().Add(tokenLifetime)}
	s.mu.Lock()
	s.grants[token] = g
	s.order = append(s.order, token)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store, no-cache")
	servicekit.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{
		"token_type": "Bearer", "expires_in": int(tokenLifetime.Seconds()), "ext_expires_in": int(tokenLifetime.Seconds()),
		"access_token": token,
	})
}

// resourceOf maps a client credentials scope ("{resource}/.default", one scope) to a known
// Batch resource. Entra ID takes the resource with or without its trailing slash, which is why
// azbatch's "https://batch.core.windows.net//.default" works, and ignores the OpenID Connect
// scopes MSAL adds to every request (openid, offline_access, profile).
func resourceOf(scope string) (string, bool) {
	var fields []string
	for _, f := range strings.Fields(scope) {
		if f != "openid" && f != "offline_access" && f != "profile" {
			fields = append(fields, f)
		}
	}
	if len(fields) != 1 || !strings.HasSuffix(fields[0], "/.default") {
		return "", false
	}
	resource := strings.TrimRight(strings.TrimSuffix(fields[0], "/.default"), "/") + "/"
	if slices.Contains(batchResources, resource) {
		return resource, true
	}
	return "", false
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "entra-emu-" + base64.RawURLEncoding.EncodeToString(b)
}

// writeError answers in Entra ID's error form (error, error_description starting with the
// AADSTS code, error_codes).
func writeError(w http.ResponseWriter, status int, code string, aadsts int, msg string) {
	w.Header().Set("Cache-Control", "no-store, no-cache")
	servicekit.WriteJSON(w, status, "application/json; charset=utf-8", map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s", aadsts, msg),
		"error_codes":       []int{aadsts},
		"timestamp":         time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":          "00000000-0000-0000-0000-000000000000",
		"correlation_id":    "00000000-0000-0000-0000-000000000000",
	})
}
