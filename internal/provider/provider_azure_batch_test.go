package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emuazure "github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/entra"
)

// The Microsoft Entra ID settings of azure_batch: which credential the settings and the ARM_*
// variables choose, and tasks created with Entra tokens from the emulator's authority.

const (
	entraTenant  = "0a0b0c0d-1111-4222-8333-444455556666"
	entraClient  = "7a7b7c7d-8888-4999-aaaa-bbbbccccdddd"
	entraSecret  = "entra-client-secret-never-logged"
	entraSubject = "repo:batchops/ci:ref:refs/heads/main"
)

// entraVariables are every variable the Entra settings read: tests start from none of them.
var entraVariables = []string{
	"ARM_ENVIRONMENT", "ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_CLIENT_CERTIFICATE",
	"ARM_CLIENT_CERTIFICATE_PATH", "ARM_CLIENT_CERTIFICATE_PASSWORD", "ARM_USE_OIDC", "ARM_OIDC_TOKEN",
	"ARM_OIDC_TOKEN_FILE_PATH", "ARM_OIDC_REQUEST_TOKEN", "ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
	"ACTIONS_ID_TOKEN_REQUEST_URL", "ARM_USE_MSI", "ARM_MSI_ENDPOINT", "ARM_USE_CLI", "AZURE_AUTHORITY_HOST",
	"AZURE_BATCH_ENDPOINT", "AZURE_BATCH_ACCOUNT", "AZURE_BATCH_ACCESS_KEY",
}

func clearEntraVariables(t *testing.T) {
	for _, name := range entraVariables {
		t.Setenv(name, "")
	}
}

// TestAzureBatchCredentialChoice configures the azure_batch block from settings and ARM_*
// variables and checks the credential chosen, or the error, as a user would see it.
func TestAzureBatchCredentialChoice(t *testing.T) {
	endpoint := types.StringValue("https://myacct.westeurope.batch.azure.com")
	for name, tc := range map[string]struct {
		model azureBatchProviderModel
		env   map[string]string
		want  string // the credential, or
		err   string // the error's text
	}{
		"nothing set: the default chain": {model: azureBatchProviderModel{Endpoint: endpoint}, want: azurebatch.CredentialDefaultChain},
		"ARM_* client secret": {
			model: azureBatchProviderModel{Endpoint: endpoint},
			env:   map[string]string{"ARM_TENANT_ID": entraTenant, "ARM_CLIENT_ID": entraClient, "ARM_CLIENT_SECRET": entraSecret},
			want:  azurebatch.CredentialClientSecret,
		},
		"settings and variables combine": {
			model: azureBatchProviderModel{Endpoint: endpoint, TenantID: types.StringValue(entraTenant), ClientSecret: types.StringValue(entraSecret)},
			env:   map[string]string{"ARM_CLIENT_ID": entraClient},
			want:  azurebatch.CredentialClientSecret,
		},
		"Shared Key wins over ARM_* (even broken ones)": {
			model: azureBatchProviderModel{Endpoint: endpoint, AccountName: types.StringValue(testAccount), AccountKey: types.StringValue(testKey)},
			env: map[string]string{"ARM_CLIENT_SECRET": entraSecret, "ARM_USE_OIDC": "maybe", "ARM_ENVIRONMENT": "german",
				"ARM_CLIENT_CERTIFICATE": "%%%"},
			want: "Shared Key",
		},
		"ARM_USE_OIDC with ARM_OIDC_TOKEN": {
			model: azureBatchProviderModel{Endpoint: endpoint},
			env:   map[string]string{"ARM_TENANT_ID": entraTenant, "ARM_CLIENT_ID": entraClient, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "x.y.z"},
			want:  azurebatch.CredentialOIDCToken,
		},
		"ARM_OIDC_TOKEN without use_oidc is ignored, as azurerm does": {
			model: azureBatchProviderModel{Endpoint: endpoint},
			env:   map[string]string{"ARM_TENANT_ID": entraTenant, "ARM_CLIENT_ID": entraClient, "ARM_OIDC_TOKEN": "x.y.z"},
			want:  azurebatch.CredentialDefaultChain,
		},
		"ARM_OIDC_TOKEN_FILE_PATH": {
			model: azureBatchProviderModel{Endpoint: endpoint, UseOIDC: types.BoolValue(true)},
			env:   map[string]string{"ARM_TENANT_ID": entraTenant, "ARM_CLIENT_ID": entraClient, "ARM_OIDC_TOKEN_FILE_PATH": "/var/run/token"},
			want:  azurebatch.CredentialOIDCTokenFile,
		},
		"GitHub Actions' own variables": {
			model: azureBatchProviderModel{Endpoint: endpoint, UseOIDC: types.BoolValue(true)},
			env: map[string]string{"ARM_TENANT_ID": entraTenant, "ARM_CLIENT_ID": entraClient,
				"ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/x", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "r"},
			want: azurebatch.CredentialGitHubOIDC,
		},
		"secret before OIDC": {
			model: azureBatchProviderModel{Endpoint: endpoint, UseOIDC: types.BoolValue(true), OIDCToken: types.StringValue("x.y.z")},
			env:   map[string]string{"ARM_TENANT_ID": entraTenant, "ARM_CLIENT_ID": entraClient, "ARM_CLIENT_SECRET": entraSecret},
			want:  azurebatch.CredentialClientSecret,
		},
		"ARM_USE_MSI with ARM_MSI_ENDPOINT": {
			model: azureBatchProviderModel{Endpoint: endpoint},
			env:   map[string]string{"ARM_USE_MSI": "true", "ARM_MSI_ENDPOINT": "http://127.0.0.1:50342/oauth2/token"},
			want:  azurebatch.CredentialManagedIdentity,
		},
		"ARM_USE_CLI=true": {model: azureBatchProviderModel{Endpoint: endpoint}, env: map[string]string{"ARM_USE_CLI": "true"}, want: azurebatch.CredentialAzureCLI},
		"the setting overrides its variable": {
			model: azureBatchProviderModel{Endpoint: endpoint, UseCLI: types.BoolValue(true)},
			env:   map[string]string{"ARM_USE_CLI": "false"},
			want:  azurebatch.CredentialAzureCLI,
		},
		"ARM_USE_CLI=false and nothing else": {
			model: azureBatchProviderModel{Endpoint: endpoint}, env: map[string]string{"ARM_USE_CLI": "false"},
			err: "use_cli is false and no other credential is set",
		},
		"a secret without a tenant": {
			model: azureBatchProviderModel{Endpoint: endpoint, ClientSecret: types.StringValue(entraSecret)},
			env:   map[string]string{"ARM_CLIENT_ID": entraClient},
			err:   "client_secret (ARM_CLIENT_SECRET) is set, so the client secret credential is used, but it also needs tenant_id (ARM_TENANT_ID)",
		},
		"ARM_USE_OIDC not a boolean": {
			model: azureBatchProviderModel{Endpoint: endpoint}, env: map[string]string{"ARM_USE_OIDC": "maybe"},
			err: `azure_batch.use_oidc: ARM_USE_OIDC="maybe" is not a boolean`,
		},
		"ARM_CLIENT_CERTIFICATE not base64": {
			model: azureBatchProviderModel{Endpoint: endpoint},
			env:   map[string]string{"ARM_TENANT_ID": entraTenant, "ARM_CLIENT_ID": entraClient, "ARM_CLIENT_CERTIFICATE": "%%%-not-base64"},
			err:   "azure_batch.client_certificate (or ARM_CLIENT_CERTIFICATE) is not valid base64",
		},
		"ARM_ENVIRONMENT unknown": {
			model: azureBatchProviderModel{Endpoint: endpoint}, env: map[string]string{"ARM_ENVIRONMENT": "german"},
			err: `azure_batch.environment (or ARM_ENVIRONMENT): environment "german" is not one of public, usgovernment, china`,
		},
		"an endpoint of another cloud": {
			model: azureBatchProviderModel{Endpoint: endpoint}, env: map[string]string{"ARM_ENVIRONMENT": "china"},
			err: `endpoint "https://myacct.westeurope.batch.azure.com" is an account of Azure public cloud (environment "public", *.batch.azure.com), but environment is "china" (Azure China, *.batch.chinacloudapi.cn)`,
		},
		"the endpoint built from account_name and location": {
			model: azureBatchProviderModel{AccountName: types.StringValue("myacct"), Location: types.StringValue("usgovvirginia"),
				Environment: types.StringValue("usgovernment"), UseCLI: types.BoolValue(true)},
			want: azurebatch.CredentialAzureCLI,
		},
	} {
		t.Run(name, func(t *testing.T) {
			clearEntraVariables(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			p := newProvider("test", testWaits)
			model := tc.model
			client, err := p.configureAzureBatch(context.Background(), &model)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want an error containing %q, got %v", tc.err, err)
				}
				for _, secret := range []string{entraSecret, "%%%-not-base64"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the error shows a secret: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if client.Credential() != tc.want {
				t.Errorf("credential = %q, want %q", client.Credential(), tc.want)
			}
		})
	}
}

// startEntraEmulator runs an emulator whose Batch account is in the cloud of audience (its
// Batch resource) and whose authority registers the test application with a secret and the
// federated subject.
func startEntraEmulator(t *testing.T, audience string) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(emulator.Config{
		Seed: 1,
		AzureBatch: emuazure.Config{Account: testAccount, Key: testKey, Audience: audience,
			Jobs: []emuazure.Job{{ID: testJob}}},
		Entra: entra.Config{Apps: []entra.App{{TenantID: entraTenant, ClientID: entraClient, Secret: entraSecret, Subjects: []string{entraSubject}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// entraProviderConfig is an azure_batch block for the emulator's account and authority with
// the given Entra settings (no account key).
func entraProviderConfig(e *emulator.Emulator, settings map[string]string, extra ...string) string {
	all := map[string]string{"endpoint": e.AzureBatchURL(), "authority_host": e.EntraURL(), "ca_certificate_file": e.CAFile()}
	for k, v := range settings {
		all[k] = v
	}
	return providerConfig("azure_batch", all, extra...)
}

var entraTask = taskResource(testJob, `
  task_id      = "entra"
  command_line = "echo hi"
`)

// checkEntraTraffic checks what the emulator saw: token requests of the client credentials
// grant for the public cloud's Batch scope, answered with tokens issued by credential for it,
// and only Bearer-authenticated Batch requests, every one accepted (the account accepts no
// token but those its authority issued for its Batch resource).
func checkEntraTraffic(e *emulator.Emulator, credential string) resource.TestCheckFunc {
	const audience = entra.BatchResourcePublic
	return func(*terraform.State) error {
		tokenReqs := e.RequestsMatching(emulator.ServiceEntra, http.MethodPost, `^/`+entraTenant+`/oauth2/v2\.0/token$`)
		if len(tokenReqs) == 0 {
			return fmt.Errorf("no token request reached the authority")
		}
		for _, r := range tokenReqs {
			form, err := url.ParseQuery(string(r.Body))
			if err != nil || form.Get("grant_type") != "client_credentials" || form.Get("client_id") != entraClient ||
				!strings.Contains(form.Get("scope"), audience+"/.default") || r.Status != http.StatusOK {
				return fmt.Errorf("unexpected token request %s %q -> %d", r.Path, r.Body, r.Status)
			}
		}
		grants := e.Entra().Grants()
		if len(grants) == 0 {
			return fmt.Errorf("the authority issued no token")
		}
		for _, g := range grants {
			if g.Credential != credential || g.Audience != audience || g.ClientID != entraClient {
				return fmt.Errorf("issued %s token for %s by %s; want %s for %s", g.Credential, g.Audience, g.ClientID, credential, audience)
			}
		}
		batch := e.RequestsFor(emulator.ServiceAzureBatch)
		if len(addTaskRequests(e)) != 1 {
			return fmt.Errorf("want one Add Task, got %d", len(addTaskRequests(e)))
		}
		for _, r := range batch {
			if got := r.Header.Get("Authorization"); got != "Bearer ***" || r.Status >= 400 {
				return fmt.Errorf("Batch request %s %s with Authorization %q -> %d; want accepted Bearer tokens", r.Method, r.Path, got, r.Status)
			}
		}
		return nil
	}
}

func TestAccAzureBatchEntra_clientSecret(t *testing.T) {
	e := startEntraEmulator(t, "")
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: entraProviderConfig(e, map[string]string{"tenant_id": entraTenant, "client_id": entraClient, "client_secret": entraSecret}) + entraTask,
		Check:  checkEntraTraffic(e, "client_secret"),
	})
}

func TestAccAzureBatchEntra_oidcToken(t *testing.T) {
	e := startEntraEmulator(t, "")
	token := e.Entra().FederatedToken(entraSubject, time.Hour)
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: entraProviderConfig(e, map[string]string{"tenant_id": entraTenant, "client_id": entraClient, "oidc_token": token}, "use_oidc = true") + entraTask,
		Check:  checkEntraTraffic(e, "federated_token"),
	})
}

func TestAccAzureBatchEntra_oidcTokenFile(t *testing.T) {
	e := startEntraEmulator(t, "")
	file := filepath.Join(t.TempDir(), "oidc-token")
	if err := os.WriteFile(file, []byte(e.Entra().FederatedToken(entraSubject, time.Hour)), 0o600); err != nil {
		t.Fatal(err)
	}
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: entraProviderConfig(e, map[string]string{"tenant_id": entraTenant, "client_id": entraClient, "oidc_token_file_path": file}, "use_oidc = true") + entraTask,
		Check:  checkEntraTraffic(e, "federated_token"),
	})
}

// The environment chooses the token's scope: an account in Azure China accepts the tokens of
// environment = "china", and refuses those of "usgovernment" (another cloud's Batch resource).
func TestAccAzureBatchEntra_environmentChoosesTheScope(t *testing.T) {
	e := startEntraEmulator(t, entra.BatchResourceChina)
	creds := map[string]string{"tenant_id": entraTenant, "client_id": entraClient, "client_secret": entraSecret}
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config:      entraProviderConfig(e, creds, `environment = "usgovernment"`) + entraTask,
			ExpectError: regexp.MustCompile(`(?s)rejected the credentials.*issued for the audience\s+'https://batch.core.usgovcloudapi.net/'`),
		},
		resource.TestStep{
			Config: entraProviderConfig(e, creds, `environment = "china"`) + entraTask,
			Check: func(*terraform.State) error {
				grants := e.Entra().Grants()
				if last := grants[len(grants)-1]; last.Audience != entra.BatchResourceChina {
					return fmt.Errorf("the last token is for %s, want the China Batch resource", last.Audience)
				}
				return nil
			},
		},
	)
}

func TestAccAzureBatchEntra_wrongSecret(t *testing.T) {
	e := startEntraEmulator(t, "")
	runAccTest(t, nil, resource.TestStep{
		Config: entraProviderConfig(e, map[string]string{"tenant_id": entraTenant, "client_id": entraClient, "client_secret": "a-wrong-secret-value"}) + entraTask,
		ExpectError: errorText(`Microsoft Entra ID: the client secret credential (tenant ` + entraTenant + `, client ` + entraClient +
			`) could not get a token: Microsoft Entra ID answered HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided.`),
	})
	if n := len(addTaskRequests(e)); n != 0 {
		t.Errorf("no Add Task may go out without a token, %d did", n)
	}
}

// ARM_* variables exported for azurerm configure Entra ID when the block has no account key,
// and leave a Shared Key configuration alone.
func TestAccAzureBatchEntra_armVariables(t *testing.T) {
	clearEntraVariables(t)
	e := startEntraEmulator(t, "")
	t.Setenv("ARM_TENANT_ID", entraTenant)
	t.Setenv("ARM_CLIENT_ID", entraClient)
	t.Setenv("ARM_CLIENT_SECRET", entraSecret)
	t.Setenv("AZURE_AUTHORITY_HOST", e.EntraURL())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{{
			Config: providerConfig("azure_batch", map[string]string{"endpoint": e.AzureBatchURL(), "ca_certificate_file": e.CAFile()}) + entraTask,
			Check:  checkEntraTraffic(e, "client_secret"),
		}},
	})

	// Shared Key with the same shell, made worse: the account key wins and nothing is asked of
	// the authority.
	t.Setenv("ARM_USE_OIDC", "maybe")
	t.Setenv("ARM_ENVIRONMENT", "german")
	e.ResetRequests()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{{
			Config: azureProviderConfig(e) + entraTask,
			Check: func(*terraform.State) error {
				if n := len(e.RequestsFor(emulator.ServiceEntra)); n != 0 {
					return fmt.Errorf("Shared Key asked the authority %d times", n)
				}
				if r := addTaskRequests(e); len(r) != 1 || !strings.HasPrefix(r[0].Header.Get("Authorization"), "SharedKey ") {
					return fmt.Errorf("want one Add Task signed with Shared Key, got %v", r)
				}
				return nil
			},
		}},
	})
}

// TF_LOG=trace shows the token and Batch traffic, but neither the client secret nor any access
// token the authority issued; nor does a wrong secret show in the log of its failure. The
// secrets come from the environment, as users should pass them, so that only the provider and
// Terraform could leak them (the test harness logs the configuration it writes).
func TestAccAzureBatchEntra_traceLogHasNoSecrets(t *testing.T) {
	e := startEntraEmulator(t, "")
	config := entraProviderConfig(e, map[string]string{"tenant_id": entraTenant, "client_id": entraClient}) + entraTask
	t.Setenv("ARM_CLIENT_SECRET", entraSecret)
	log := traceLog(t, checkTasksDeleted(e), resource.TestStep{Config: config})
	checkLogHidesSecret(t, log, []string{"HTTP request", "Bearer ***", "/oauth2/v2.0/token"}, "client secret", entraSecret,
		regexp.MustCompile(`Bearer [A-Za-z0-9_.-]{8,}`))
	for _, g := range e.Entra().Grants() {
		if strings.Contains(log, g.Token) {
			t.Error("the trace log contains an access token the authority issued")
		}
	}

	wrong := "a-wrong-secret-for-the-log"
	t.Setenv("ARM_CLIENT_SECRET", wrong)
	log = traceLog(t, nil, resource.TestStep{Config: config, ExpectError: regexp.MustCompile(`AADSTS7000215`)})
	checkLogHidesSecret(t, log, []string{"AADSTS7000215"}, "wrong client secret", wrong, regexp.MustCompile(`client_secret=[^*&\s]`))

	// OIDC: neither the federated token nor the access tokens it was exchanged for.
	t.Setenv("ARM_CLIENT_SECRET", "")
	t.Setenv("ARM_USE_OIDC", "true")
	federated := e.Entra().FederatedToken(entraSubject, time.Hour)
	t.Setenv("ARM_OIDC_TOKEN", federated)
	log = traceLog(t, checkTasksDeleted(e), resource.TestStep{Config: config})
	checkLogHidesSecret(t, log, []string{"HTTP request", "Bearer ***", "/oauth2/v2.0/token"}, "federated token", federated,
		regexp.MustCompile(`client_assertion=[^*&\s]`))
	if grants := e.Entra().Grants(); grants[len(grants)-1].Credential != "federated_token" {
		t.Errorf("the last token was issued for %s, want the federated token", grants[len(grants)-1].Credential)
	}
	for _, g := range e.Entra().Grants() {
		if strings.Contains(log, g.Token) {
			t.Error("the trace log contains an access token the authority issued")
		}
	}
}
