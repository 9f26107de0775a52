package azurebatch

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emuazure "github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/entra"
)

func TestChooseCredentialFollowsAzurermOrder(t *testing.T) {
	ids := EntraConfig{TenantID: "t", ClientID: "c"}
	with := func(f func(*EntraConfig)) EntraConfig { e := ids; f(&e); return e }
	yes, no := true, false
	for name, tc := range map[string]struct {
		cfg  EntraConfig
		want string
		err  string
	}{
		"nothing":                     {EntraConfig{}, CredentialDefaultChain, ""},
		"ids only":                    {ids, CredentialDefaultChain, ""},
		"certificate before secret":   {with(func(e *EntraConfig) { e.ClientCertificatePath = "x.pfx"; e.ClientSecret = "s" }), CredentialClientCertificate, ""},
		"secret before oidc":          {with(func(e *EntraConfig) { e.ClientSecret = "s"; e.UseOIDC = true; e.OIDCToken = "o" }), CredentialClientSecret, ""},
		"oidc token before file":      {with(func(e *EntraConfig) { e.UseOIDC = true; e.OIDCToken = "o"; e.OIDCTokenFilePath = "f" }), CredentialOIDCToken, ""},
		"oidc token file":             {with(func(e *EntraConfig) { e.UseOIDC = true; e.OIDCTokenFilePath = "f" }), CredentialOIDCTokenFile, ""},
		"github oidc":                 {with(func(e *EntraConfig) { e.UseOIDC = true; e.OIDCRequestURL = "u"; e.OIDCRequestToken = "r" }), CredentialGitHubOIDC, ""},
		"oidc token needs use_oidc":   {with(func(e *EntraConfig) { e.OIDCToken = "o" }), CredentialDefaultChain, ""},
		"oidc before msi":             {with(func(e *EntraConfig) { e.UseOIDC = true; e.OIDCToken = "o"; e.UseMSI = true }), CredentialOIDCToken, ""},
		"msi before cli":              {EntraConfig{UseMSI: true, UseCLI: &yes}, CredentialManagedIdentity, ""},
		"cli":                         {EntraConfig{UseCLI: &yes}, CredentialAzureCLI, ""},
		"cli off, nothing else":       {EntraConfig{UseCLI: &no}, "", "use_cli is false and no other credential is set"},
		"secret without tenant":       {EntraConfig{ClientID: "c", ClientSecret: "s"}, "", "client_secret (ARM_CLIENT_SECRET) is set, so the client secret credential is used, but it also needs tenant_id (ARM_TENANT_ID)"},
		"use_oidc without any token":  {with(func(e *EntraConfig) { e.UseOIDC = true }), "", "use_oidc is true but no OIDC token is given"},
		"two certificates":            {with(func(e *EntraConfig) { e.ClientCertificatePath = "x"; e.ClientCertificate = []byte("y") }), "", "both set"},
		"certificate without any ids": {EntraConfig{ClientCertificatePath: "x"}, "", "tenant_id (ARM_TENANT_ID) and client_id (ARM_CLIENT_ID)"},
	} {
		got, err := ChooseCredential(tc.cfg)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: want an error containing %q, got %q, %v", name, tc.err, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, tc.want)
		}
	}
}

func TestCloudEndpointCheck(t *testing.T) {
	public, _ := CloudNamed("")
	china, _ := CloudNamed("China")
	gov, _ := CloudNamed("usgovernment")
	if _, err := CloudNamed("german"); err == nil || !strings.Contains(err.Error(), "public, usgovernment, china") {
		t.Errorf("an unknown environment must list the valid ones, got %v", err)
	}
	for _, ok := range []struct {
		c        Cloud
		endpoint string
	}{
		{public, "https://myacct.westeurope.batch.azure.com"},
		{china, "https://myacct.chinanorth.batch.chinacloudapi.cn"},
		{gov, "https://myacct.usgovvirginia.batch.usgovcloudapi.net"},
		{china, "https://127.0.0.1:8443"},
		{gov, "https://localhost:8443"},
		{public, "https://[::1]:8443"},
	} {
		if err := ok.c.CheckEndpoint(ok.endpoint); err != nil {
			t.Errorf("%s in %s: %v", ok.endpoint, ok.c.Name, err)
		}
	}
	err := public.CheckEndpoint("https://myacct.chinanorth.batch.chinacloudapi.cn")
	if err == nil || !strings.Contains(err.Error(), `Azure China (environment "china"`) || !strings.Contains(err.Error(), `environment is "public"`) {
		t.Errorf("an endpoint of another cloud must name both clouds, got %v", err)
	}
	if err := china.CheckEndpoint("https://myacct.example.com"); err == nil || !strings.Contains(err.Error(), "not an Azure Batch account endpoint of Azure China") {
		t.Errorf("an endpoint of no cloud must be refused, got %v", err)
	}
	if got := gov.AccountEndpoint("MyAcct", "US Gov Virginia"); got != "https://myacct.usgovvirginia.batch.usgovcloudapi.net" {
		t.Errorf("AccountEndpoint = %s", got)
	}
	if public.Scope() != "https://batch.core.windows.net//.default" || china.Scope() != "https://batch.chinacloudapi.cn//.default" ||
		gov.Scope() != "https://batch.core.usgovcloudapi.net//.default" {
		t.Errorf("scopes: %s %s %s", public.Scope(), china.Scope(), gov.Scope())
	}
}

// startEntraEmulator runs an emulator whose Batch account is in cloud (its Batch resource) and
// whose authority registers app.
func startEntraEmulator(t *testing.T, audience string, app entra.App) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(emulator.Config{
		AzureBatch: emuazure.Config{Account: testAccount, Key: testKey, Audience: audience, Jobs: []emuazure.Job{{ID: "job"}}},
		Entra:      entra.Config{Apps: []entra.App{app}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

const (
	testTenant = "11111111-2222-4333-8444-555555555555"
	testClient = "66666666-7777-4888-9999-aaaaaaaaaaaa"
	testSecret = "client-secret-value-do-not-log"
)

func entraClient(t *testing.T, e *emulator.Emulator, cloud string, ec EntraConfig) *Client {
	t.Helper()
	ec.AuthorityHost = e.EntraURL()
	return mustNew(t, Config{Endpoint: e.AzureBatchURL(), Cloud: cloud, Entra: ec, CACertificateFile: e.CAFile(), Retry: fastRetry})
}

// checkBearerFromAuthority checks that the last Batch request carried a token the emulator's
// authority issued, by credential, for audience.
func checkBearerFromAuthority(t *testing.T, e *emulator.Emulator, credential, audience string) {
	t.Helper()
	grants := e.Entra().Grants()
	if len(grants) == 0 {
		t.Fatal("the authority issued no token")
	}
	g := grants[len(grants)-1]
	if g.Credential != credential || g.Audience != audience || g.ClientID != testClient || g.TenantID != testTenant {
		t.Errorf("issued %+v, want a %s token for %s", g, credential, audience)
	}
	reqs := e.RequestsFor(emulator.ServiceAzureBatch)
	if len(reqs) == 0 || reqs[len(reqs)-1].Status >= 300 {
		t.Fatalf("the Batch account must have accepted the request: %v", reqs)
	}
	tokenReqs := e.RequestsMatching(emulator.ServiceEntra, "POST", "^/"+testTenant+"/oauth2/v2.0/token$")
	if len(tokenReqs) == 0 {
		t.Fatal("no token request reached the authority")
	}
	if body := string(tokenReqs[0].Body); strings.Contains(body, testSecret) {
		t.Error("the emulator's request log keeps the client secret")
	}
}

func TestEntraClientSecretPerCloud(t *testing.T) {
	for cloud, audience := range map[string]string{
		"":             entra.BatchResourcePublic,
		"usgovernment": entra.BatchResourceUSGovernment,
		"china":        entra.BatchResourceChina,
	} {
		t.Run("cloud="+cloud, func(t *testing.T) {
			e := startEntraEmulator(t, audience, entra.App{TenantID: testTenant, ClientID: testClient, Secret: testSecret})
			c := entraClient(t, e, cloud, EntraConfig{TenantID: testTenant, ClientID: testClient, ClientSecret: testSecret})
			if c.Credential() != CredentialClientSecret {
				t.Errorf("credential = %q", c.Credential())
			}
			mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("t1"), CommandLine: to.Ptr("echo hi")})
			checkBearerFromAuthority(t, e, "client_secret", audience)
			if got := e.RequestsFor(emulator.ServiceAzureBatch)[0].Header.Get("Authorization"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("Authorization = %q", got)
			}
		})
	}
}

// A token for another cloud's Batch resource is refused as the service refuses it: 401.
func TestEntraTokenOfAnotherCloudIsRefused(t *testing.T) {
	e := startEntraEmulator(t, entra.BatchResourceChina, entra.App{TenantID: testTenant, ClientID: testClient, Secret: testSecret})
	c := entraClient(t, e, "public", EntraConfig{TenantID: testTenant, ClientID: testClient, ClientSecret: testSecret})
	_, err := c.GetTask(context.Background(), "job", "t1")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || !IsAuthFailure(err) ||
		!strings.Contains(err.Error(), "https://batch.core.windows.net/") {
		t.Fatalf("want 401 naming the token's audience, got %v", err)
	}
}

func TestEntraWrongSecretSaysWhichCredentialAndWhy(t *testing.T) {
	e := startEntraEmulator(t, "", entra.App{TenantID: testTenant, ClientID: testClient, Secret: testSecret})
	wrong := "wrong-secret-value-1234"
	c := entraClient(t, e, "", EntraConfig{TenantID: testTenant, ClientID: testClient, ClientSecret: wrong})
	_, err := c.AddTask(context.Background(), "job", azbatch.CreateTaskContent{ID: to.Ptr("t1"), CommandLine: to.Ptr("echo hi")})
	var credErr *CredentialError
	if !errors.As(err, &credErr) {
		t.Fatalf("want a *CredentialError, got %T %v", err, err)
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{"client secret credential", testTenant, testClient, "HTTP 401 invalid_client", "AADSTS7000215"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, wrong) {
		t.Error("the error contains the secret")
	}
	var unknown *OutcomeUnknownError
	if errors.As(err, &unknown) {
		t.Error("no Batch request went out: the outcome is known (nothing was added)")
	}
	if n := len(e.RequestsFor(emulator.ServiceAzureBatch)); n != 0 {
		t.Errorf("no Batch request may go out without a token, %d did", n)
	}
}

func TestEntraOIDCTokenAndTokenFile(t *testing.T) {
	e := startEntraEmulator(t, "", entra.App{TenantID: testTenant, ClientID: testClient, Subjects: []string{"repo:o/r:ref:refs/heads/main"}})
	federated := e.Entra().FederatedToken("repo:o/r:ref:refs/heads/main", time.Hour)

	c := entraClient(t, e, "", EntraConfig{TenantID: testTenant, ClientID: testClient, UseOIDC: true, OIDCToken: federated})
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("t1"), CommandLine: to.Ptr("echo hi")})
	checkBearerFromAuthority(t, e, "federated_token", entra.BatchResourcePublic)

	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(federated+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c = entraClient(t, e, "", EntraConfig{TenantID: testTenant, ClientID: testClient, UseOIDC: true, OIDCTokenFilePath: file})
	if c.Credential() != CredentialOIDCTokenFile {
		t.Errorf("credential = %q", c.Credential())
	}
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("t2"), CommandLine: to.Ptr("echo hi")})
	checkBearerFromAuthority(t, e, "federated_token", entra.BatchResourcePublic)

	// A federated token for a subject the application does not trust is refused.
	other := e.Entra().FederatedToken("repo:o/other:ref:refs/heads/main", time.Hour)
	c = entraClient(t, e, "", EntraConfig{TenantID: testTenant, ClientID: testClient, UseOIDC: true, OIDCToken: other})
	_, err := c.GetTask(context.Background(), "job", "t1")
	if err == nil || !strings.Contains(err.Error(), "OIDC token credential") || !strings.Contains(err.Error(), "AADSTS700213") || strings.Contains(err.Error(), other) {
		t.Errorf("want the OIDC credential's refusal without the token, got %v", err)
	}
}

func TestEntraGitHubOIDCRequest(t *testing.T) {
	e := startEntraEmulator(t, "", entra.App{TenantID: testTenant, ClientID: testClient, Subjects: []string{"repo:o/r:ref:refs/heads/main"}})
	federated := e.Entra().FederatedToken("repo:o/r:ref:refs/heads/main", time.Hour)
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gh-request-token" || r.URL.Query().Get("audience") != "api://AzureADTokenExchange" {
			http.Error(w, "bad request token or audience", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"count":1,"value":"` + federated + `"}`))
	}))
	defer gh.Close()
	c := entraClient(t, e, "", EntraConfig{TenantID: testTenant, ClientID: testClient, UseOIDC: true,
		OIDCRequestURL: gh.URL + "/token?api-version=2.0", OIDCRequestToken: "gh-request-token"})
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("t1"), CommandLine: to.Ptr("echo hi")})
	checkBearerFromAuthority(t, e, "federated_token", entra.BatchResourcePublic)
}

func TestEntraClientCertificate(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "batchops test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)

	e := startEntraEmulator(t, "", entra.App{TenantID: testTenant, ClientID: testClient, Certificate: cert})
	c := entraClient(t, e, "", EntraConfig{TenantID: testTenant, ClientID: testClient, ClientCertificate: pemData})
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("t1"), CommandLine: to.Ptr("echo hi")})
	checkBearerFromAuthority(t, e, "client_certificate", entra.BatchResourcePublic)

	if _, err := New(Config{Endpoint: e.AzureBatchURL(), Entra: EntraConfig{TenantID: testTenant, ClientID: testClient,
		ClientCertificate: []byte("not a certificate at all")}}); err == nil || strings.Contains(err.Error(), "not a certificate at all") ||
		!strings.Contains(err.Error(), "not a PKCS#12 or PEM certificate") {
		t.Errorf("an unreadable certificate must say so without its bytes, got %v", err)
	}
}

func TestEntraMSIEndpoint(t *testing.T) {
	e := startEntraEmulator(t, "", entra.App{TenantID: testTenant, ClientID: testClient})
	// A managed identity endpoint that hands out the static token the account also accepts.
	var asked string
	msi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata") != "true" {
			http.Error(w, "no Metadata header", http.StatusBadRequest)
			return
		}
		asked = r.URL.Query().Get("resource") + " " + r.URL.Query().Get("client_id")
		_, _ = w.Write([]byte(`{"access_token":"msi-token","expires_on":"` + itoa(time.Now().Add(time.Hour).Unix()) + `"}`))
	}))
	defer msi.Close()
	c := mustNew(t, Config{Endpoint: e.AzureBatchURL(), CACertificateFile: e.CAFile(), Retry: fastRetry,
		Entra: EntraConfig{UseMSI: true, MSIEndpoint: msi.URL + "/metadata/identity/oauth2/token", ClientID: "uami"}})
	_, err := c.GetTask(context.Background(), "job", "none")
	if asked != "https://batch.core.windows.net/ uami" {
		t.Errorf("the managed identity endpoint was asked for %q", asked)
	}
	// The authority never issued "msi-token": the account refuses it after it was sent as the Bearer.
	reqs := e.RequestsFor(emulator.ServiceAzureBatch)
	if !IsAuthFailure(err) || len(reqs) == 0 || !strings.HasPrefix(reqs[0].Header.Get("Authorization"), "Bearer") {
		t.Errorf("want the managed identity's token sent and refused by the account, got %v", err)
	}
}

func itoa(n int64) string { return big.NewInt(n).String() }
