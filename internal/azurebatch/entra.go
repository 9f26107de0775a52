package azurebatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	azruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

// Cloud is an Azure cloud ("environment" in azurerm): where Microsoft Entra ID issues tokens,
// for which Batch resource, and the host suffix of its Batch accounts.
type Cloud struct {
	Name  string // public, usgovernment, china
	Title string // as users know it
	// AuthorityHost is the Microsoft Entra authority (azcore cloud.Configuration).
	AuthorityHost string
	// BatchResource is the Batch service's application ID URI, the audience of its tokens.
	// Sources: learn.microsoft.com/azure/batch/batch-aad-auth (public), docs.azure.cn/batch/batch-aad-auth
	// (China), Azure PowerShell's AzureEnvironmentConstants.*BatchEndpointResourceId (all three).
	BatchResource string
	// EndpointSuffix ends the host name of every Batch account endpoint of the cloud
	// ({account}.{region}.{suffix}); the same sources, and azurerm's batch account endpoints.
	EndpointSuffix string
}

// Clouds are the clouds azure_batch.environment names, in the order the documentation lists them.
var Clouds = []Cloud{
	{Name: "public", Title: "Azure public cloud", AuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
		BatchResource: "https://batch.core.windows.net/", EndpointSuffix: "batch.azure.com"},
	{Name: "usgovernment", Title: "Azure US Government", AuthorityHost: cloud.AzureGovernment.ActiveDirectoryAuthorityHost,
		BatchResource: "https://batch.core.usgovcloudapi.net/", EndpointSuffix: "batch.usgovcloudapi.net"},
	{Name: "china", Title: "Azure China", AuthorityHost: cloud.AzureChina.ActiveDirectoryAuthorityHost,
		BatchResource: "https://batch.chinacloudapi.cn/", EndpointSuffix: "batch.chinacloudapi.cn"},
}

// CloudNames lists the valid environment names.
func CloudNames() []string {
	names := make([]string, len(Clouds))
	for i, c := range Clouds {
		names[i] = c.Name
	}
	return names
}

// CloudNamed returns the cloud of an environment name; "" is the public cloud.
func CloudNamed(name string) (Cloud, error) {
	if name == "" {
		return Clouds[0], nil
	}
	for _, c := range Clouds {
		if strings.EqualFold(c.Name, name) {
			return c, nil
		}
	}
	return Cloud{}, fmt.Errorf("environment %q is not one of %s", name, strings.Join(CloudNames(), ", "))
}

// Scope is the token scope of the cloud's Batch resource: the application ID URI followed by
// "/.default". The URI ends in a slash, hence the double slash, which azbatch's own
// "https://batch.core.windows.net//.default" (custom_client.go) has too: Entra ID then issues
// the token for exactly the audience "https://batch.core.windows.net/".
func (c Cloud) Scope() string { return c.BatchResource + "/.default" }

// AccountEndpoint builds an account endpoint of the cloud from the account name and its
// region (location), e.g. https://myacct.westeurope.batch.azure.com.
func (c Cloud) AccountEndpoint(account, location string) string {
	return "https://" + strings.ToLower(account) + "." + strings.ToLower(strings.ReplaceAll(location, " ", "")) + "." + c.EndpointSuffix
}

// CheckEndpoint reports an endpoint (normalized) whose host is not an account endpoint of the
// cloud: a Bearer token for the cloud's Batch resource goes to that host. Loopback hosts (the
// emulator, a local proxy) are exempt.
func (c Cloud) CheckEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if isLoopback(host) || strings.HasSuffix(host, "."+c.EndpointSuffix) {
		return nil
	}
	for _, other := range Clouds {
		if strings.HasSuffix(host, "."+other.EndpointSuffix) {
			return fmt.Errorf("endpoint %q is an account of %s (environment %q, *.%s), but environment is %q (%s, *.%s): set environment = %q or use an endpoint of %s",
				endpoint, other.Title, other.Name, other.EndpointSuffix, c.Name, c.Title, c.EndpointSuffix, other.Name, c.Title)
		}
	}
	return fmt.Errorf("endpoint %q is not an Azure Batch account endpoint of %s (*.%s), so no Microsoft Entra ID token for it is sent there; "+
		"check the endpoint and environment", endpoint, c.Title, c.EndpointSuffix)
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// EntraConfig is how to get Microsoft Entra ID tokens, in azurerm's terms. Every field is
// optional; ChooseCredential says which credential the settings select.
type EntraConfig struct {
	// AuthorityHost replaces the cloud's authority (e.g. a private or emulated one). Instance
	// discovery is then off: the host is trusted as given.
	AuthorityHost string
	TenantID      string
	ClientID      string
	ClientSecret  string
	// ClientCertificate is a PKCS#12 (or PEM) certificate with its private key;
	// ClientCertificatePath names a file holding one. The password opens PKCS#12.
	ClientCertificate         []byte
	ClientCertificatePath     string
	ClientCertificatePassword string
	// UseOIDC enables workload identity federation with OIDCToken, the token in
	// OIDCTokenFilePath (read for every token request, as projected tokens rotate), or a token
	// requested from OIDCRequestURL with OIDCRequestToken (GitHub Actions).
	UseOIDC           bool
	OIDCToken         string
	OIDCTokenFilePath string
	OIDCRequestToken  string
	OIDCRequestURL    string
	// UseMSI enables managed identity (ClientID, when set, names a user-assigned identity);
	// MSIEndpoint replaces the instance metadata service's token endpoint.
	UseMSI      bool
	MSIEndpoint string
	// UseCLI: nil leaves the choice to azidentity's default chain, true selects the Azure
	// CLI, false removes it (and with nothing else set there is no credential).
	UseCLI *bool
}

// Credential kinds, in the order azurerm tries them (hashicorp/go-azure-sdk sdk/auth/auth.go,
// NewAuthorizerFromCredentials), the default chain last.
const (
	CredentialClientCertificate = "client certificate"
	CredentialClientSecret      = "client secret"
	CredentialOIDCToken         = "OIDC token"
	CredentialOIDCTokenFile     = "OIDC token file"
	CredentialGitHubOIDC        = "GitHub Actions OIDC"
	CredentialManagedIdentity   = "managed identity"
	CredentialAzureCLI          = "Azure CLI"
	CredentialDefaultChain      = "azidentity default chain (environment, workload identity, managed identity, Azure CLI, Azure Developer CLI)"
)

// ChooseCredential returns the credential kind the settings select, as azurerm chooses: the
// first of client certificate, client secret, OIDC (token, token file, token request), managed
// identity (use_msi) and Azure CLI (use_cli = true) whose settings are given; nothing given is
// azidentity's default chain. A credential whose settings are given only in part is an error
// naming what is missing, rather than a silent fall through to the next one.
func ChooseCredential(e EntraConfig) (string, error) {
	needIDs := func(kind, what string) error {
		var missing []string
		if strings.TrimSpace(e.TenantID) == "" {
			missing = append(missing, "tenant_id (ARM_TENANT_ID)")
		}
		if strings.TrimSpace(e.ClientID) == "" {
			missing = append(missing, "client_id (ARM_CLIENT_ID)")
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s is set, so the %s credential is used, but it also needs %s", what, kind, strings.Join(missing, " and "))
		}
		return nil
	}
	switch {
	case len(e.ClientCertificate) > 0 || e.ClientCertificatePath != "":
		if len(e.ClientCertificate) > 0 && e.ClientCertificatePath != "" {
			return "", errors.New("client_certificate and client_certificate_path are both set: give one")
		}
		return CredentialClientCertificate, needIDs(CredentialClientCertificate, "a client certificate")
	case e.ClientSecret != "":
		return CredentialClientSecret, needIDs(CredentialClientSecret, "client_secret (ARM_CLIENT_SECRET)")
	case e.UseOIDC && e.OIDCToken != "":
		return CredentialOIDCToken, needIDs(CredentialOIDCToken, "use_oidc with oidc_token (ARM_OIDC_TOKEN)")
	case e.UseOIDC && e.OIDCTokenFilePath != "":
		return CredentialOIDCTokenFile, needIDs(CredentialOIDCTokenFile, "use_oidc with oidc_token_file_path (ARM_OIDC_TOKEN_FILE_PATH)")
	case e.UseOIDC && e.OIDCRequestURL != "" && e.OIDCRequestToken != "":
		return CredentialGitHubOIDC, needIDs(CredentialGitHubOIDC, "use_oidc with an OIDC token request URL and token")
	case e.UseOIDC:
		return "", errors.New("use_oidc is true but no OIDC token is given: set oidc_token (ARM_OIDC_TOKEN), oidc_token_file_path " +
			"(ARM_OIDC_TOKEN_FILE_PATH), or run in GitHub Actions with id-token permission (ARM_OIDC_REQUEST_URL and ARM_OIDC_REQUEST_TOKEN)")
	case e.UseMSI:
		return CredentialManagedIdentity, nil
	case e.UseCLI != nil && *e.UseCLI:
		return CredentialAzureCLI, nil
	case e.UseCLI != nil:
		return "", errors.New("use_cli is false and no other credential is set: set client_secret, a client certificate, use_oidc or use_msi, " +
			"or leave use_cli unset for azidentity's default chain")
	}
	return CredentialDefaultChain, nil
}

// Secrets are the values of e that must never appear in a log line or an error.
func (e EntraConfig) secrets() []string {
	return []string{e.ClientSecret, e.ClientCertificatePassword, e.OIDCToken, e.OIDCRequestToken, string(e.ClientCertificate)}
}

// newEntraCredential builds the chosen credential for the cloud's Batch scope. Its token
// requests go through httpClient (the provider's transport: TLS settings, retries, logging
// without secrets).
func newEntraCredential(c Cloud, e EntraConfig, httpClient *http.Client) (*scopedCredential, error) {
	kind, err := ChooseCredential(e)
	if err != nil {
		return nil, err
	}
	authority := c.AuthorityHost
	custom := e.AuthorityHost != ""
	if custom {
		authority = e.AuthorityHost
	}
	opts := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: authority},
		Transport: httpClient,
		// The transport retries, as for Batch calls.
		Retry: policy.RetryOptions{MaxRetries: -1},
	}
	var cred azcore.TokenCredential
	switch kind {
	case CredentialClientCertificate:
		data := e.ClientCertificate
		if e.ClientCertificatePath != "" {
			if data, err = os.ReadFile(e.ClientCertificatePath); err != nil {
				return nil, fmt.Errorf("reading client_certificate_path: %w", err)
			}
		}
		certs, key, perr := azidentity.ParseCertificates(data, []byte(e.ClientCertificatePassword))
		if perr != nil {
			// The parser's words only: never the certificate's bytes.
			return nil, fmt.Errorf("the client certificate is not a PKCS#12 or PEM certificate with its private key, or the password does not open it: %s",
				transport.NewRedactor(e.secrets()...).Redact(perr.Error()))
		}
		cred, err = azidentity.NewClientCertificateCredential(e.TenantID, e.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: custom})
	case CredentialClientSecret:
		cred, err = azidentity.NewClientSecretCredential(e.TenantID, e.ClientID, e.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: custom})
	case CredentialOIDCToken, CredentialOIDCTokenFile, CredentialGitHubOIDC:
		assertion := func(context.Context) (string, error) { return e.OIDCToken, nil }
		switch kind {
		case CredentialOIDCTokenFile:
			assertion = func(context.Context) (string, error) { return readTokenFile(e.OIDCTokenFilePath) }
		case CredentialGitHubOIDC:
			assertion = func(ctx context.Context) (string, error) {
				return requestGitHubToken(ctx, httpClient, e.OIDCRequestURL, e.OIDCRequestToken)
			}
		}
		cred, err = azidentity.NewClientAssertionCredential(e.TenantID, e.ClientID, assertion,
			&azidentity.ClientAssertionCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: custom})
	case CredentialManagedIdentity:
		if e.MSIEndpoint != "" {
			cred, err = newMSIEndpointCredential(e.MSIEndpoint, e.ClientID, httpClient)
			break
		}
		msi := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if e.ClientID != "" {
			msi.ID = azidentity.ClientID(e.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(msi)
	case CredentialAzureCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: e.TenantID})
	default:
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: opts, TenantID: e.TenantID, DisableInstanceDiscovery: custom,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("%s credential: %s", kind, transport.NewRedactor(e.secrets()...).Redact(err.Error()))
	}
	return &scopedCredential{cred: cred, scope: c.Scope(), kind: kind, tenant: e.TenantID, client: e.ClientID,
		redact: transport.NewRedactor(e.secrets()...)}, nil
}

func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading oidc_token_file_path: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("oidc_token_file_path %q is empty", path)
	}
	return token, nil
}

// requestGitHubToken asks GitHub Actions for an ID token with Entra ID's federated audience
// (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, as azurerm's ARM_OIDC_REQUEST_URL and _TOKEN).
func requestGitHubToken(ctx context.Context, httpClient *http.Client, requestURL, requestToken string) (string, error) {
	u, err := url.Parse(requestURL)
	if err != nil {
		return "", errors.New("the OIDC token request URL does not parse")
	}
	q := u.Query()
	q.Set("audience", "api://AzureADTokenExchange")
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+requestToken)
	req.Header.Set("Accept", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("requesting an OIDC token: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("requesting an OIDC token: HTTP %d", resp.StatusCode)
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
		return "", errors.New("requesting an OIDC token: the answer has no token (\"value\")")
	}
	return out.Value, nil
}

// msiEndpointCredential gets managed identity tokens from a given endpoint speaking the
// instance metadata service's protocol (azurerm's msi_endpoint), which azidentity's
// ManagedIdentityCredential cannot be pointed at.
type msiEndpointCredential struct {
	endpoint *url.URL
	clientID string
	http     *http.Client
}

func newMSIEndpointCredential(endpoint, clientID string, httpClient *http.Client) (*msiEndpointCredential, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("msi_endpoint %q is not an http or https URL", endpoint)
	}
	return &msiEndpointCredential{endpoint: u, clientID: clientID, http: httpClient}, nil
}

func (m *msiEndpointCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	u := *m.endpoint
	q := u.Query()
	q.Set("api-version", "2018-02-01")
	q.Set("resource", strings.TrimSuffix(opts.Scopes[0], "/.default"))
	if m.clientID != "" {
		q.Set("client_id", m.clientID)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	req.Header.Set("Metadata", "true")
	resp, err := m.http.Do(req)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		AccessToken string      `json:"access_token"`
		ExpiresOn   json.Number `json:"expires_on"`
		ExpiresIn   json.Number `json:"expires_in"`
		Error       string      `json:"error"`
		Description string      `json:"error_description"`
	}
	_ = json.Unmarshal(body, &out)
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		return azcore.AccessToken{}, fmt.Errorf("%s answered HTTP %d %s %s", m.endpoint.Redacted(), resp.StatusCode, out.Error, out.Description)
	}
	expires := time.Now().Add(time.Hour)
	if s, err := strconv.ParseInt(out.ExpiresOn.String(), 10, 64); err == nil {
		expires = time.Unix(s, 0)
	} else if s, err := strconv.ParseInt(out.ExpiresIn.String(), 10, 64); err == nil {
		expires = time.Now().Add(time.Duration(s) * time.Second)
	}
	return azcore.AccessToken{Token: out.AccessToken, ExpiresOn: expires}, nil
}

// scopedCredential asks its credential for the cloud's Batch scope, whatever scope azbatch
// asks for (its scope is the public cloud's, hard-wired), and turns failures into a
// *CredentialError.
type scopedCredential struct {
	cred           azcore.TokenCredential
	scope          string
	kind           string
	tenant, client string
	redact         transport.Redactor
}

func (s *scopedCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	opts.Scopes = []string{s.scope}
	// The token request is not the Batch request the context traces: a failed token request
	// must not count as a Batch request that went out (see traceSent).
	tok, err := s.cred.GetToken(untraced{ctx}, opts)
	if err != nil {
		return tok, &CredentialError{Kind: s.kind, TenantID: s.tenant, ClientID: s.client, Reason: s.redact.Redact(reason(err))}
	}
	return tok, nil
}

// untraced hides the httptrace.ClientTrace of its context, keeping everything else.
type untraced struct{ context.Context }

func (u untraced) Value(key any) any {
	v := u.Context.Value(key)
	if _, ok := v.(*httptrace.ClientTrace); ok {
		return nil
	}
	return v
}

// reason is the useful part of a credential failure: for an answer of the authority, its
// error and description (the AADSTS code and text); else the error's text.
func reason(err error) string {
	var failed *azidentity.AuthenticationFailedError
	if errors.As(err, &failed) && failed.RawResponse != nil {
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if b, rerr := azruntime.Payload(failed.RawResponse); rerr == nil && json.Unmarshal(b, &body) == nil && body.Error != "" {
			desc, _, _ := strings.Cut(body.Description, "\r\n") // drops the trace and correlation ids
			return fmt.Sprintf("Microsoft Entra ID answered HTTP %d %s: %s", failed.RawResponse.StatusCode, body.Error, strings.TrimSpace(desc))
		}
	}
	return err.Error()
}

// CredentialError is a Microsoft Entra ID token that could not be obtained: which credential
// was tried and why, without secrets.
type CredentialError struct {
	Kind     string
	TenantID string
	ClientID string
	Reason   string
}

func (e *CredentialError) Error() string {
	who := ""
	switch {
	case e.TenantID != "" && e.ClientID != "":
		who = fmt.Sprintf(" (tenant %s, client %s)", e.TenantID, e.ClientID)
	case e.ClientID != "":
		who = fmt.Sprintf(" (client %s)", e.ClientID)
	}
	return fmt.Sprintf("Microsoft Entra ID: the %s credential%s could not get a token: %s", e.Kind, who, e.Reason)
}
