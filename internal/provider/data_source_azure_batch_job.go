package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

var (
	_ datasource.DataSource              = (*azureBatchJobDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*azureBatchJobDataSource)(nil)
)

const jobDataSourceTimeout = 5 * time.Minute

// NewAzureBatchJobDataSource is the batchops_azure_batch_job data source.
func NewAzureBatchJobDataSource() datasource.DataSource {
	return &azureBatchJobDataSource{}
}

type azureBatchJobDataSource struct {
	data *providerData
}

type azureBatchJobDataSourceModel struct {
	azureBatchJobModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (d *azureBatchJobDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_batch_job"
}

func (d *azureBatchJobDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	// The same attributes as the resource, all read from the service, except the job id.
	attrs := computedDataSourceAttributes(azureBatchJobAttributes())
	attrs["job_id"] = dschema.StringAttribute{
		MarkdownDescription: "ID of the job.", Required: true, Validators: []validator.String{batchIDValidator()},
	}
	attrs["timeouts"] = timeouts.Attributes(ctx)
	resp.Schema = dschema.Schema{
		MarkdownDescription: "Reads an Azure Batch job (Get Job): its pool, state, settings and the values the service " +
			"filled in (priority, constraints, ...), e.g. of a job made by another tool.",
		Attributes: attrs,
	}
}

func (d *azureBatchJobDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (d *azureBatchJobDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config azureBatchJobDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := azureBatchClient(d.data, &resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, config.Timeouts.Read, jobDataSourceTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	jobID := config.JobID.ValueString()
	job, err := client.GetJob(ctx, jobID)
	if azurebatch.IsNotFound(err) {
		resp.Diagnostics.AddError("Azure Batch job not found", describeJobError(err, jobID))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Azure Batch job", describeJobError(err, jobID))
		return
	}
	m, diags := flattenJob(job, nil)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.JobID = config.JobID
	resp.Diagnostics.Append(resp.State.Set(ctx, &azureBatchJobDataSourceModel{azureBatchJobModel: m, Timeouts: config.Timeouts})...)
}
