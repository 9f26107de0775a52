// Package provider is the Terraform glue of batchops: the provider schema and configuration,
// and one file per resource and data source. API work happens in the service client packages.
package provider

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

var _ provider.Provider = (*batchopsProvider)(nil)

// batchopsProvider serves the batchops resources and data sources.
type batchopsProvider struct {
	version string
	// poll shapes every wait; tests shorten it.
	poll transport.PollOptions
	// retry bounds the transport's retries; tests shorten it.
	retry transport.RetryPolicy
}

// batchopsProviderModel is the provider block.
type batchopsProviderModel struct {
	AzureBatch *azureBatchProviderModel `tfsdk:"azure_batch"`
}

type azureBatchProviderModel struct {
	Endpoint           types.String `tfsdk:"endpoint"`
	AccountName        types.String `tfsdk:"account_name"`
	AccountKey         types.String `tfsdk:"account_key"`
	CACertificateFile  types.String `tfsdk:"ca_certificate_file"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
}

// New returns the provider constructor Terraform's plugin server needs.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &batchopsProvider{version: version}
	}
}

func (p *batchopsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "batchops"
	resp.Version = p.version
}

func (p *batchopsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Submits work to batch-compute clusters on `terraform apply` and removes it with the " +
			"services' own cleanup calls on `terraform destroy`. Each service is configured by its own " +
			"nested attribute; a service that is not configured is only an error when one of its resources is used.",
		Attributes: map[string]schema.Attribute{
			"azure_batch": schema.SingleNestedAttribute{
				MarkdownDescription: "Azure Batch account (data plane, api-version `" + azurebatch.APIVersion + "`). " +
					"With `account_key` requests are signed with Shared Key; without it the provider uses Microsoft " +
					"Entra ID through the Azure SDK's default credential chain (environment, workload identity, " +
					"managed identity, Azure CLI).",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"endpoint": schema.StringAttribute{
						MarkdownDescription: "Account endpoint, e.g. `https://myacct.westeurope.batch.azure.com`. " +
							"Defaults to the `AZURE_BATCH_ENDPOINT` environment variable.",
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
					"ca_certificate_file": schema.StringAttribute{
						MarkdownDescription: "Path of a PEM file with an extra trusted CA certificate.",
						Optional:            true,
					},
					"insecure_skip_verify": schema.BoolAttribute{
						MarkdownDescription: "Skip TLS certificate verification. Only for testing.",
						Optional:            true,
					},
				},
			},
		},
	}
}

// providerData is what every resource and data source receives from Configure.
type providerData struct {
	poll transport.PollOptions

	azureBatch    *azurebatch.Client
	azureBatchErr error // why azureBatch is nil, reported when an Azure Batch resource is used
}

func (p *batchopsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config batchopsProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	data := &providerData{poll: p.poll}
	data.azureBatch, data.azureBatchErr = p.configureAzureBatch(ctx, config.AzureBatch, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *batchopsProvider) userAgent() string {
	return "terraform-provider-batchops/" + p.version
}

// configureAzureBatch builds the Azure Batch client from the block and the environment. Errors
// in a block the user wrote are reported now, against the attribute; a service nobody
// configured only becomes an error when one of its resources is used.
func (p *batchopsProvider) configureAzureBatch(ctx context.Context, m *azureBatchProviderModel, resp *provider.ConfigureResponse) (*azurebatch.Client, error) {
	if m == nil {
		m = &azureBatchProviderModel{}
	}
	base := path.Root("azure_batch")
	for name, v := range map[string]types.String{"endpoint": m.Endpoint, "account_name": m.AccountName, "account_key": m.AccountKey, "ca_certificate_file": m.CACertificateFile} {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(base.AtName(name), "Unknown Azure Batch setting",
				"azure_batch."+name+" depends on a value that is not known until apply. Set it to a known value or use the environment variable.")
		}
	}
	if m.InsecureSkipVerify.IsUnknown() {
		resp.Diagnostics.AddAttributeError(base.AtName("insecure_skip_verify"), "Unknown Azure Batch setting", "azure_batch.insecure_skip_verify must be known at plan time.")
	}
	if resp.Diagnostics.HasError() {
		return nil, nil
	}

	endpoint := stringOrEnv(m.Endpoint, "AZURE_BATCH_ENDPOINT")
	account := stringOrEnv(m.AccountName, "AZURE_BATCH_ACCOUNT")
	key := stringOrEnv(m.AccountKey, "AZURE_BATCH_ACCESS_KEY")
	if endpoint == "" {
		return nil, fmt.Errorf("azure_batch.endpoint is not set: set it in the provider's azure_batch block or export AZURE_BATCH_ENDPOINT")
	}
	if key != "" && account == "" {
		err := fmt.Errorf("azure_batch.account_name is not set: Shared Key authentication (account_key) needs the account name; set it or export AZURE_BATCH_ACCOUNT")
		resp.Diagnostics.AddAttributeError(base.AtName("account_name"), "Missing Azure Batch account name", err.Error())
		return nil, err
	}

	if key != "" {
		if _, err := base64.StdEncoding.DecodeString(key); err != nil {
			err := fmt.Errorf("azure_batch.account_key (or AZURE_BATCH_ACCESS_KEY) is not valid base64: use the account's access key as the portal or `az batch account keys list` shows it")
			resp.Diagnostics.AddAttributeError(base.AtName("account_key"), "Invalid Azure Batch account key", err.Error())
			return nil, err
		}
	}

	cfg := azurebatch.Config{
		Endpoint:           endpoint,
		AccountName:        account,
		AccountKey:         key,
		CACertificateFile:  m.CACertificateFile.ValueString(),
		InsecureSkipVerify: m.InsecureSkipVerify.ValueBool(),
		UserAgent:          p.userAgent(),
		Retry:              p.retry,
	}
	if key == "" {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("no azure_batch.account_key is set and Microsoft Entra ID credentials could not be set up: %w", err)
		}
		cfg.Credential = cred
	}
	client, err := azurebatch.New(cfg)
	if err != nil {
		resp.Diagnostics.AddAttributeError(base, "Invalid Azure Batch configuration", err.Error())
		return nil, err
	}
	tflog.Debug(ctx, "configured Azure Batch", map[string]any{"endpoint": endpoint, "account": account, "shared_key": key != ""})
	return client, nil
}

// stringOrEnv returns the configured value, or the environment variable when it is null.
func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func (p *batchopsProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewAzureBatchTaskResource,
	}
}

func (p *batchopsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAzureBatchTaskDataSource,
	}
}

// configureData unwraps the provider data handed to a resource or data source.
func configureData(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil // the provider is not configured yet (validation runs before Configure)
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is always a bug in the provider; please report it to the provider developers.", raw))
		return nil
	}
	return data
}

// azureBatchClient returns the Azure Batch client, or an error saying how to configure it.
func azureBatchClient(data *providerData, diags *diag.Diagnostics) *azurebatch.Client {
	if data == nil {
		diags.AddError("Provider not configured", "The batchops provider was not configured before the resource was used. This is a bug in the provider; please report it.")
		return nil
	}
	if data.azureBatch == nil {
		diags.AddError("Azure Batch is not configured",
			"This resource needs the provider's azure_batch settings: "+data.azureBatchErr.Error())
		return nil
	}
	return data.azureBatch
}

// withTimeout bounds an operation by the resource's configured timeout (or def). Errors in the
// timeouts value go to diags; the returned cancel func is always safe to defer.
func withTimeout(ctx context.Context, configured func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	timeout, d := configured(ctx, def)
	diags.Append(d...)
	return context.WithTimeout(ctx, timeout)
}
