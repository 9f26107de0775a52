package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

type azureBatchProviderModel struct {
	Endpoint    types.String `tfsdk:"endpoint"`
	AccountName types.String `tfsdk:"account_name"`
	AccountKey  types.String `tfsdk:"account_key"`
	Location    types.String `tfsdk:"location"`
	Environment types.String `tfsdk:"environment"`

	TenantID                  types.String `tfsdk:"tenant_id"`
	ClientID                  types.String `tfsdk:"client_id"`
	ClientSecret              types.String `tfsdk:"client_secret"`
	ClientCertificate         types.String `tfsdk:"client_certificate"`
	ClientCertificatePath     types.String `tfsdk:"client_certificate_path"`
	ClientCertificatePassword types.String `tfsdk:"client_certificate_password"`
	UseOIDC                   types.Bool   `tfsdk:"use_oidc"`
	OIDCToken                 types.String `tfsdk:"oidc_token"`
	OIDCTokenFilePath         types.String `tfsdk:"oidc_token_file_path"`
	OIDCRequestToken          types.String `tfsdk:"oidc_request_token"`
	OIDCRequestURL            types.String `tfsdk:"oidc_request_url"`
	UseMSI                    types.Bool   `tfsdk:"use_msi"`
	MSIEndpoint               types.String `tfsdk:"msi_endpoint"`
	UseCLI                    types.Bool   `tfsdk:"use_cli"`
	AuthorityHost             types.String `tfsdk:"authority_host"`
	tlsSettingsModel
}

// entraNote ends the description of every Microsoft Entra ID setting: when it counts.
const entraNote = " Used only without `account_key` (Shared Key takes precedence, so `ARM_*` variables exported for azurerm never " +
	"change a configuration that uses Shared Key)."

func azureBatchProviderSchema() schema.SingleNestedAttribute {
	str := func(desc string, sensitive bool) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Sensitive: sensitive}
	}
	boolean := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{MarkdownDescription: desc, Optional: true}
	}
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Azure Batch account (data plane, api-version `" + azurebatch.APIVersion + "`). " +
			"With `account_key` requests are signed with Shared Key. Without it the provider uses Microsoft Entra ID, " +
			"with the settings and `ARM_*` environment variables azurerm users know, choosing the credential in azurerm's order: " +
			"client certificate, client secret, OIDC (`use_oidc`), managed identity (`use_msi`), Azure CLI (`use_cli = true`). " +
			"When none of them is set, the Azure SDK's default credential chain is used (environment `AZURE_*` variables, " +
			"workload identity, managed identity, Azure CLI, Azure Developer CLI). A credential whose settings are given only " +
			"in part is an error naming what is missing. Tokens are requested for the Batch resource of `environment`.",
		Optional: true,
		Attributes: withTLSAttributes("(it is trusted for the Microsoft Entra authority too)", map[string]schema.Attribute{
			"endpoint": str("Account endpoint: the URL, e.g. `https://myacct.westeurope.batch.azure.com`, or the host name alone as "+
				"`azurerm_batch_account.account_endpoint` and `az batch account show --query accountEndpoint` give it "+
				"(`myacct.westeurope.batch.azure.com`; https is assumed). Defaults to the `AZURE_BATCH_ENDPOINT` environment variable, "+
				"else it is built from `account_name` and `location`. With Microsoft Entra ID it must be an account endpoint of "+
				"`environment` (loopback addresses, such as the emulator's, excepted), since the token is sent there.", false),
			"account_name": str("Batch account name (needed with `account_key`, and with `location` to build the endpoint). "+
				"Defaults to the `AZURE_BATCH_ACCOUNT` environment variable.", false),
			"account_key": str("Base64 account access key for Shared Key authentication. Defaults to the "+
				"`AZURE_BATCH_ACCESS_KEY` environment variable. When set (here or in the environment) it takes precedence "+
				"over every Microsoft Entra ID setting; unset: Microsoft Entra ID.", true),
			"location": str("Region of the account, e.g. `westeurope`: with `account_name` and no `endpoint`, the endpoint is "+
				"`https://{account_name}.{location}.` followed by the suffix of `environment` (`batch.azure.com`, "+
				"`batch.usgovcloudapi.net`, `batch.chinacloudapi.cn`). No environment variable.", false),
			"environment": schema.StringAttribute{
				MarkdownDescription: "Azure cloud of the account, as azurerm's `environment`: `public` (default), `usgovernment` or `china`. " +
					"It chooses the Microsoft Entra authority (`login.microsoftonline.com`, `login.microsoftonline.us`, " +
					"`login.chinacloudapi.cn`), the Batch token scope and the endpoint suffix. Defaults to the `ARM_ENVIRONMENT` " +
					"environment variable." + entraNote,
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOfCaseInsensitive(azurebatch.CloudNames()...)},
			},
			"tenant_id": str("Microsoft Entra tenant (directory) ID, needed by the client certificate, client secret and OIDC "+
				"credentials. Defaults to the `ARM_TENANT_ID` environment variable."+entraNote, false),
			"client_id": str("Client (application) ID of the service principal, needed by the client certificate, client secret and "+
				"OIDC credentials; with `use_msi`, the client ID of a user-assigned managed identity. Defaults to the "+
				"`ARM_CLIENT_ID` environment variable."+entraNote, false),
			"client_secret": str("Client secret of the service principal; selects the client secret credential (after a client "+
				"certificate). Defaults to the `ARM_CLIENT_SECRET` environment variable."+entraNote, true),
			"client_certificate": str("Base64-encoded PKCS#12 (`.pfx`) client certificate with its private key; selects the client "+
				"certificate credential, which comes first. Defaults to the `ARM_CLIENT_CERTIFICATE` environment variable. "+
				"Conflicts with `client_certificate_path`."+entraNote, true),
			"client_certificate_path": str("Path of a PKCS#12 (`.pfx`) or PEM file with the client certificate and its private key; "+
				"selects the client certificate credential. Defaults to the `ARM_CLIENT_CERTIFICATE_PATH` environment variable."+entraNote, false),
			"client_certificate_password": str("Password of the PKCS#12 client certificate. Defaults to the "+
				"`ARM_CLIENT_CERTIFICATE_PASSWORD` environment variable."+entraNote, true),
			"use_oidc": boolean("Use OIDC (workload identity federation): a token from `oidc_token`, else from `oidc_token_file_path`, " +
				"else requested from `oidc_request_url` with `oidc_request_token` (GitHub Actions), is exchanged for an Entra token. " +
				"Tried after the client certificate and secret. Defaults to the `ARM_USE_OIDC` environment variable, else `false`." + entraNote),
			"oidc_token": str("OIDC ID token for workload identity federation (with `use_oidc`). Defaults to the `ARM_OIDC_TOKEN` "+
				"environment variable."+entraNote, true),
			"oidc_token_file_path": str("Path of a file holding the OIDC ID token (with `use_oidc`), read for every token request "+
				"so that rotated tokens are picked up. Defaults to the `ARM_OIDC_TOKEN_FILE_PATH` environment variable."+entraNote, false),
			"oidc_request_token": str("Bearer token for requesting an OIDC ID token from `oidc_request_url` (with `use_oidc`). "+
				"Defaults to the `ARM_OIDC_REQUEST_TOKEN` environment variable, else GitHub Actions' `ACTIONS_ID_TOKEN_REQUEST_TOKEN`."+entraNote, true),
			"oidc_request_url": str("URL to request an OIDC ID token from (with `use_oidc`). Defaults to the `ARM_OIDC_REQUEST_URL` "+
				"environment variable, else GitHub Actions' `ACTIONS_ID_TOKEN_REQUEST_URL`."+entraNote, false),
			"use_msi": boolean("Use a managed identity (the system-assigned one, or the user-assigned one `client_id` names). Tried " +
				"after the client certificate, client secret and OIDC. Defaults to the `ARM_USE_MSI` environment variable, else `false`." + entraNote),
			"msi_endpoint": str("Token endpoint of the managed identity, replacing the instance metadata service's "+
				"(`http://169.254.169.254/metadata/identity/oauth2/token`). Defaults to the `ARM_MSI_ENDPOINT` environment variable."+entraNote, false),
			"use_cli": boolean("`true` uses the Azure CLI's login (tried last); `false` leaves it out, so that some other credential " +
				"must be set. Unset (the default, as azurerm's `true`): the Azure SDK's default chain, which ends with the Azure CLI, " +
				"when no other credential is set. Defaults to the `ARM_USE_CLI` environment variable." + entraNote),
			"authority_host": str("Microsoft Entra authority replacing the one of `environment`, e.g. `https://login.example.internal/` "+
				"for a private cloud or the emulator's authority; instance discovery is then off (the host is trusted as given). "+
				"Defaults to the `AZURE_AUTHORITY_HOST` environment variable (the Azure SDK's own); azurerm has no such setting."+entraNote, false),
		}),
	}
}

// configureAzureBatch builds the Azure Batch client from the block and the environment, or
// says which setting is missing or wrong.
func (p *batchopsProvider) configureAzureBatch(ctx context.Context, m *azureBatchProviderModel) (*azurebatch.Client, error) {
	m, err := serviceBlock("azure_batch", m)
	if err != nil {
		return nil, err
	}

	endpoint := stringOrEnv(m.Endpoint, "AZURE_BATCH_ENDPOINT")
	account := stringOrEnv(m.AccountName, "AZURE_BATCH_ACCOUNT")
	key := stringOrEnv(m.AccountKey, "AZURE_BATCH_ACCESS_KEY")
	if key != "" && account == "" {
		return nil, fmt.Errorf("azure_batch.account_name is not set: Shared Key authentication (account_key) needs the account name; set it or export AZURE_BATCH_ACCOUNT")
	}
	if key != "" {
		if _, err := base64.StdEncoding.DecodeString(key); err != nil {
			return nil, fmt.Errorf("azure_batch.account_key (or AZURE_BATCH_ACCESS_KEY) is not valid base64: use the account's access key as the portal or `az batch account keys list` shows it")
		}
	}
	// The cloud matters to Entra ID and to an endpoint built from the location; Shared Key with
	// an endpoint ignores it, so that an ARM_ENVIRONMENT exported for azurerm cannot break it.
	var cloud azurebatch.Cloud
	cloudName := stringOrEnv(m.Environment, "ARM_ENVIRONMENT")
	if key == "" || endpoint == "" {
		if cloud, err = azurebatch.CloudNamed(cloudName); err != nil {
			return nil, fmt.Errorf("azure_batch.environment (or ARM_ENVIRONMENT): %w", err)
		}
	}
	if endpoint == "" && account != "" && m.Location.ValueString() != "" {
		endpoint = cloud.AccountEndpoint(account, m.Location.ValueString())
	}
	if endpoint == "" {
		return nil, fmt.Errorf("azure_batch.endpoint is not set: set it in the provider's azure_batch block or export AZURE_BATCH_ENDPOINT, or set account_name and location")
	}

	cfg := azurebatch.Config{
		Endpoint:           endpoint,
		AccountName:        account,
		AccountKey:         key,
		Cloud:              cloud.Name,
		CACertificateFile:  m.CACertificateFile.ValueString(),
		InsecureSkipVerify: m.InsecureSkipVerify.ValueBool(),
		UserAgent:          p.userAgent(),
		Retry:              p.waits.retryPolicy(),
	}
	if key == "" {
		if cfg.Entra, err = entraSettings(m); err != nil {
			return nil, err
		}
	} else if m.ClientSecret.ValueString() != "" || m.ClientCertificate.ValueString() != "" || m.ClientCertificatePath.ValueString() != "" ||
		m.UseOIDC.ValueBool() || m.UseMSI.ValueBool() {
		tflog.Warn(ctx, "azure_batch has Microsoft Entra ID settings and an account key: the account key (Shared Key) is used")
	}
	client, err := azurebatch.New(cfg)
	var entraID *azurebatch.EntraIDSetupError
	if errors.As(err, &entraID) {
		return nil, fmt.Errorf("no azure_batch.account_key is set and Microsoft Entra ID credentials could not be set up: %w", entraID.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("azure_batch: %w", err)
	}
	tflog.Debug(ctx, "configured Azure Batch", map[string]any{
		"endpoint": endpoint, "account": account, "environment": cloud.Name, "credential": client.Credential(),
		"tenant_id": cfg.Entra.TenantID, "client_id": cfg.Entra.ClientID,
	})
	return client, nil
}

// entraSettings reads the Microsoft Entra ID settings, each falling back to its azurerm
// variable. Errors name the setting and its variable, never a value.
func entraSettings(m *azureBatchProviderModel) (azurebatch.EntraConfig, error) {
	e := azurebatch.EntraConfig{
		AuthorityHost:             stringOrEnv(m.AuthorityHost, "AZURE_AUTHORITY_HOST"),
		TenantID:                  stringOrEnv(m.TenantID, "ARM_TENANT_ID"),
		ClientID:                  stringOrEnv(m.ClientID, "ARM_CLIENT_ID"),
		ClientSecret:              stringOrEnv(m.ClientSecret, "ARM_CLIENT_SECRET"),
		ClientCertificatePath:     stringOrEnv(m.ClientCertificatePath, "ARM_CLIENT_CERTIFICATE_PATH"),
		ClientCertificatePassword: stringOrEnv(m.ClientCertificatePassword, "ARM_CLIENT_CERTIFICATE_PASSWORD"),
		OIDCToken:                 stringOrEnv(m.OIDCToken, "ARM_OIDC_TOKEN"),
		OIDCTokenFilePath:         stringOrEnv(m.OIDCTokenFilePath, "ARM_OIDC_TOKEN_FILE_PATH"),
		OIDCRequestToken:          firstNonEmpty(stringOrEnv(m.OIDCRequestToken, "ARM_OIDC_REQUEST_TOKEN"), os.Getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")),
		OIDCRequestURL:            firstNonEmpty(stringOrEnv(m.OIDCRequestURL, "ARM_OIDC_REQUEST_URL"), os.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL")),
		MSIEndpoint:               stringOrEnv(m.MSIEndpoint, "ARM_MSI_ENDPOINT"),
	}
	if cert := stringOrEnv(m.ClientCertificate, "ARM_CLIENT_CERTIFICATE"); cert != "" {
		der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cert))
		if err != nil {
			return e, errors.New("azure_batch.client_certificate (or ARM_CLIENT_CERTIFICATE) is not valid base64: give the PKCS#12 (.pfx) file base64-encoded, or its path as client_certificate_path")
		}
		e.ClientCertificate = der
	}
	var err error
	if e.UseOIDC, _, err = boolOrEnv(m.UseOIDC, "use_oidc", "ARM_USE_OIDC"); err != nil {
		return e, err
	}
	if e.UseMSI, _, err = boolOrEnv(m.UseMSI, "use_msi", "ARM_USE_MSI"); err != nil {
		return e, err
	}
	useCLI, set, err := boolOrEnv(m.UseCLI, "use_cli", "ARM_USE_CLI")
	if err != nil {
		return e, err
	}
	if set {
		e.UseCLI = &useCLI
	}
	return e, nil // azurebatch.New says which credential the settings choose, or what is missing
}

// boolOrEnv returns the configured value, or the environment variable's when it is null, and
// whether either was set.
func boolOrEnv(v types.Bool, name, env string) (value, set bool, err error) {
	if !v.IsNull() {
		return v.ValueBool(), true, nil
	}
	s := strings.TrimSpace(os.Getenv(env))
	if s == "" {
		return false, false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, false, fmt.Errorf("azure_batch.%s: %s=%q is not a boolean (true or false)", name, env, s)
	}
	return b, true, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// azureBatchClient returns the Azure Batch client, or reports how to configure it.
func azureBatchClient(data *providerData, diags *diag.Diagnostics) *azurebatch.Client {
	return clientOf(data, func(d *providerData) *service[*azurebatch.Client] { return &d.azureBatch }, diags)
}
