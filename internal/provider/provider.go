// Package provider is the Terraform glue of batchops: the provider schema and configuration,
// and one file per resource and data source. API work happens in the service client packages.
package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/mrs"
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
	HPCPack    *hpcPackProviderModel    `tfsdk:"hpc_pack"`
	MRS        *mrsProviderModel        `tfsdk:"mrs"`
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
			"azure_batch": azureBatchProviderSchema(),
			"hpc_pack":    hpcPackProviderSchema(),
			"mrs":         mrsProviderSchema(),
		},
	}
}

// providerData is what every resource and data source receives from Configure.
type providerData struct {
	poll transport.PollOptions

	azureBatch    *azurebatch.Client
	azureBatchErr error // why azureBatch is nil, reported when an Azure Batch resource is used

	hpcPack    *hpcPackService
	hpcPackErr error

	mrs    *mrs.Client
	mrsErr error
}

func (p *batchopsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config batchopsProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	data := &providerData{poll: p.poll}
	data.azureBatch, data.azureBatchErr = p.configureAzureBatch(ctx, config.AzureBatch, resp)
	data.hpcPack, data.hpcPackErr = p.configureHPCPack(ctx, config.HPCPack, resp)
	data.mrs, data.mrsErr = p.configureMRS(ctx, config.MRS, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *batchopsProvider) userAgent() string {
	return "terraform-provider-batchops/" + p.version
}

// requireKnown reports provider settings whose values are not known until apply: a client
// cannot be configured from them.
func requireKnown(diags *diag.Diagnostics, base path.Path, values map[string]attr.Value) {
	for name, v := range values {
		if v.IsUnknown() {
			diags.AddAttributeError(base.AtName(name), "Provider setting not known until apply",
				fmt.Sprintf("%s.%s depends on a value that is only known after apply. Use a known value or its environment variable.", base, name))
		}
	}
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
		NewHPCSOASessionResource,
		NewHPCSOABatchResource,
		NewMRSJobSetResource,
	}
}

func (p *batchopsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAzureBatchTaskDataSource,
		NewHPCSOABatchStatusDataSource,
		NewHPCSOABatchResponsesDataSource,
		NewMRSJobsDataSource,
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

// withTimeout bounds an operation by the resource's configured timeout (or def). Errors in the
// timeouts value go to diags; the returned cancel func is always safe to defer.
func withTimeout(ctx context.Context, configured func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	timeout, d := configured(ctx, def)
	diags.Append(d...)
	return context.WithTimeout(ctx, timeout)
}
