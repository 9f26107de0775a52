// Package provider is the Terraform glue of batchops: the provider schema and configuration,
// and one file per resource and data source. API work happens in the service client packages.
package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/mrs"
)

var _ provider.Provider = (*batchopsProvider)(nil)

// batchopsProvider serves the batchops resources and data sources.
type batchopsProvider struct {
	version string
	waits   waitSettings
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
		return newProvider(version, waitSettings{})
	}
}

// newProvider returns a provider whose waits and retries follow waits; New gives production's,
// tests shorter ones.
func newProvider(version string, waits waitSettings) *batchopsProvider {
	return &batchopsProvider{version: version, waits: waits}
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
	waits waitSettings

	azureBatch service[*azurebatch.Client]
	hpcPack    service[*hpcPackService]
	mrs        service[*mrs.Client]
}

// service is the outcome of configuring one service: its client, or why there is none.
type service[T any] struct {
	name   string // as its users know it, e.g. "Azure Batch"
	block  string // its provider block, e.g. "azure_batch"
	client T
	err    error
}

// get returns the client, or reports why the service cannot be used.
func (s *service[T]) get(diags *diag.Diagnostics) (T, bool) {
	if s.err != nil {
		diags.AddError(s.name+" is not configured", "This resource needs the provider's "+s.block+" settings: "+s.err.Error())
		var zero T
		return zero, false
	}
	return s.client, true
}

// checkPlan reports at plan time a service that cannot be used. Settings known only after
// apply pass: Terraform configures the provider again, with their values, before applying.
func (s *service[T]) checkPlan(diags *diag.Diagnostics) {
	if errors.Is(s.err, errSettingsUnknown) {
		return
	}
	s.get(diags)
}

func (p *batchopsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config batchopsProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A service's settings are only an error when one of its resources is used: what a shell
	// exports for one service (say, the huaweicloud provider's HW_* variables) must not stop
	// the others. The errors wait in providerData until a resource asks for the client.
	data := &providerData{
		waits:      p.waits,
		azureBatch: service[*azurebatch.Client]{name: "Azure Batch", block: "azure_batch"},
		hpcPack:    service[*hpcPackService]{name: "HPC Pack", block: "hpc_pack"},
		mrs:        service[*mrs.Client]{name: "MRS", block: "mrs"},
	}
	data.azureBatch.client, data.azureBatch.err = p.configureAzureBatch(ctx, config.AzureBatch)
	data.hpcPack.client, data.hpcPack.err = p.configureHPCPack(ctx, config.HPCPack)
	data.mrs.client, data.mrs.err = p.configureMRS(ctx, config.MRS)
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *batchopsProvider) userAgent() string {
	return "terraform-provider-batchops/" + p.version
}

// errSettingsUnknown marks a service whose settings depend on values known only after apply:
// plans go ahead, and the client is built when Terraform configures the provider for the apply.
var errSettingsUnknown = errors.New("the settings depend on values that are only known after apply")

// serviceBlock returns a service's provider block (an empty one when the block is absent), or
// errSettingsUnknown naming the first of its settings, by name, whose value is not known yet.
func serviceBlock[M any](block string, m *M) (*M, error) {
	if m == nil {
		m = new(M)
	}
	values := map[string]attr.Value{}
	collectSettings(reflect.ValueOf(m).Elem(), values)
	for _, name := range sortedMapKeys(values) {
		if values[name].IsUnknown() {
			return nil, fmt.Errorf("%s.%s: %w", block, name, errSettingsUnknown)
		}
	}
	return m, nil
}

// collectSettings gathers the tfsdk-tagged values of a block's model, those of embedded
// structs (tlsSettingsModel) included.
func collectSettings(model reflect.Value, into map[string]attr.Value) {
	for i := 0; i < model.NumField(); i++ {
		field := model.Type().Field(i)
		if field.Anonymous {
			collectSettings(model.Field(i), into)
			continue
		}
		if v, ok := model.Field(i).Interface().(attr.Value); ok && field.Tag.Get("tfsdk") != "" {
			into[field.Tag.Get("tfsdk")] = v
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
		NewAzureBatchJobResource,
		NewAzureBatchTaskSetResource,
		NewHPCSOASessionResource,
		NewHPCSOABatchResource,
		NewMRSJobSetResource,
	}
}

func (p *batchopsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAzureBatchTaskDataSource,
		NewAzureBatchJobDataSource,
		NewHPCSOABatchStatusDataSource,
		NewHPCSOABatchResponsesDataSource,
		NewMRSJobsDataSource,
	}
}

// notConfigured reports a resource used before the provider was configured.
func notConfigured(diags *diag.Diagnostics) {
	diags.AddError("Provider not configured", "The batchops provider was not configured before the resource was used. This is a bug in the provider; please report it.")
}

// clientOf returns the client of the service that pick selects, or reports why it cannot be used.
func clientOf[T any](data *providerData, pick func(*providerData) *service[T], diags *diag.Diagnostics) T {
	if data == nil {
		notConfigured(diags)
		var zero T
		return zero
	}
	client, _ := pick(data).get(diags)
	return client
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

// timedModel is a resource model with a timeouts attribute.
type timedModel interface{ timeoutsValue() timeouts.Value }

// The resource models that begin reads.
func (m *azureBatchTaskResourceModel) timeoutsValue() timeouts.Value { return m.Timeouts }
func (m *azureBatchJobResourceModel) timeoutsValue() timeouts.Value  { return m.Timeouts }
func (m *azureBatchTaskSetModel) timeoutsValue() timeouts.Value      { return m.Timeouts }
func (m *hpcSOABatchModel) timeoutsValue() timeouts.Value            { return m.Timeouts }
func (m *hpcSOASessionModel) timeoutsValue() timeouts.Value          { return m.Timeouts }
func (m *mrsJobSetModel) timeoutsValue() timeouts.Value              { return m.Timeouts }

// begin opens a resource operation the way every Create, Read and Delete does: the model from
// the plan or state (get is its Get), then ctx bounded by the timeout the user set for the
// operation (op picks it, e.g. timeouts.Value.Read) or def. Errors go to diags; the returned
// cancel func is always safe to defer.
func begin[M any, PM interface {
	*M
	timedModel
}](ctx context.Context, get func(context.Context, any) diag.Diagnostics, op func(timeouts.Value, context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (M, context.Context, context.CancelFunc) {
	var m M
	diags.Append(get(ctx, &m)...)
	if diags.HasError() {
		return m, ctx, func() {}
	}
	timeout, d := op(PM(&m).timeoutsValue(), ctx, def)
	diags.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return m, ctx, cancel
}

// withTimeout bounds an operation by the resource's configured timeout (or def). Errors in the
// timeouts value go to diags; the returned cancel func is always safe to defer.
func withTimeout(ctx context.Context, configured func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	timeout, d := configured(ctx, def)
	diags.Append(d...)
	return context.WithTimeout(ctx, timeout)
}

// tlsSettingsModel is the TLS part of every service block (see withTLSAttributes).
type tlsSettingsModel struct {
	CACertificateFile  types.String `tfsdk:"ca_certificate_file"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
}

// withTLSAttributes adds the TLS settings every service block has to its attributes; caNote,
// when set, follows the CA file's description.
func withTLSAttributes(caNote string, attrs map[string]schema.Attribute) map[string]schema.Attribute {
	ca := "Path of a PEM file with an extra trusted CA certificate."
	if caNote != "" {
		ca = "Path of a PEM file with an extra trusted CA certificate " + caNote
	}
	attrs["ca_certificate_file"] = schema.StringAttribute{MarkdownDescription: ca, Optional: true}
	attrs["insecure_skip_verify"] = schema.BoolAttribute{MarkdownDescription: "Skip TLS certificate verification. Only for testing.", Optional: true}
	return attrs
}
