package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

type azureBatchProviderModel struct {
	Endpoint    types.String `tfsdk:"endpoint"`
	AccountName types.String `tfsdk:"account_name"`
	AccountKey  types.String `tfsdk:"account_key"`
	tlsSettingsModel
}

func azureBatchProviderSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Azure Batch account (data plane, api-version `" + azurebatch.APIVersion + "`). " +
			"With `account_key` requests are signed with Shared Key; without it the provider uses Microsoft " +
			"Entra ID through the Azure SDK's default credential chain (environment, workload identity, " +
			"managed identity, Azure CLI).",
		Optional: true,
		Attributes: withTLSAttributes("", map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Account endpoint: the URL, e.g. `https://myacct.westeurope.batch.azure.com`, or the host name alone as " +
					"`azurerm_batch_account.account_endpoint` and `az batch account show --query accountEndpoint` give it " +
					"(`myacct.westeurope.batch.azure.com`; https is assumed). Defaults to the `AZURE_BATCH_ENDPOINT` environment variable.",
				Optional: true,
			},
			"account_name": schema.StringAttribute{
				MarkdownDescription: "Batch account name (needed with `account_key`). " +
					"Defaults to the `AZURE_BATCH_ACCOUNT` environment variable.",
				Optional: true,
			},
			"account_key": schema.StringAttribute{
				MarkdownDescription: "Base64 account access key for Shared Key authentication. Defaults to the " +
					"`AZURE_BATCH_ACCESS_KEY` environment variable. Unset: Microsoft Entra ID.",
				Optional:  true,
				Sensitive: true,
			},
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
	if endpoint == "" {
		return nil, fmt.Errorf("azure_batch.endpoint is not set: set it in the provider's azure_batch block or export AZURE_BATCH_ENDPOINT")
	}
	if key != "" && account == "" {
		return nil, fmt.Errorf("azure_batch.account_name is not set: Shared Key authentication (account_key) needs the account name; set it or export AZURE_BATCH_ACCOUNT")
	}
	if key != "" {
		if _, err := base64.StdEncoding.DecodeString(key); err != nil {
			return nil, fmt.Errorf("azure_batch.account_key (or AZURE_BATCH_ACCESS_KEY) is not valid base64: use the account's access key as the portal or `az batch account keys list` shows it")
		}
	}

	// Without a key the client builds the Microsoft Entra ID credential itself.
	client, err := azurebatch.New(azurebatch.Config{
		Endpoint:           endpoint,
		AccountName:        account,
		AccountKey:         key,
		CACertificateFile:  m.CACertificateFile.ValueString(),
		InsecureSkipVerify: m.InsecureSkipVerify.ValueBool(),
		UserAgent:          p.userAgent(),
		Retry:              p.waits.retryPolicy(),
	})
	var entraID *azurebatch.EntraIDSetupError
	if errors.As(err, &entraID) {
		return nil, fmt.Errorf("no azure_batch.account_key is set and Microsoft Entra ID credentials could not be set up: %w", entraID.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("azure_batch: %w", err)
	}
	tflog.Debug(ctx, "configured Azure Batch", map[string]any{"endpoint": endpoint, "account": account, "shared_key": key != ""})
	return client, nil
}

// azureBatchClient returns the Azure Batch client, or reports how to configure it.
func azureBatchClient(data *providerData, diags *diag.Diagnostics) *azurebatch.Client {
	return clientOf(data, func(d *providerData) *service[*azurebatch.Client] { return &d.azureBatch }, diags)
}
