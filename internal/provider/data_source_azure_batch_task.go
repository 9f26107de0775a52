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
	_ datasource.DataSource              = (*azureBatchTaskDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*azureBatchTaskDataSource)(nil)
)

const taskDataSourceTimeout = 5 * time.Minute

// NewAzureBatchTaskDataSource is the batchops_azure_batch_task data source.
func NewAzureBatchTaskDataSource() datasource.DataSource {
	return &azureBatchTaskDataSource{}
}

type azureBatchTaskDataSource struct {
	data *providerData
}

type azureBatchTaskDataSourceModel struct {
	azureBatchTaskModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (d *azureBatchTaskDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_batch_task"
}

func (d *azureBatchTaskDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	// The same attributes as the resource, all read from the service, except the two ids.
	attrs := computedDataSourceAttributes(azureBatchTaskAttributes())
	attrs["job_id"] = dschema.StringAttribute{
		MarkdownDescription: "ID of the job.", Required: true, Validators: []validator.String{batchIDValidator()},
	}
	attrs["task_id"] = dschema.StringAttribute{
		MarkdownDescription: "ID of the task.", Required: true, Validators: []validator.String{batchIDValidator()},
	}
	attrs["timeouts"] = timeouts.Attributes(ctx)
	resp.Schema = dschema.Schema{
		MarkdownDescription: "Reads an Azure Batch task (Get Task): its definition, state, exit code and failure information. " +
			"Unlike the resource, it shows the values the service filled in (default constraints, user identity).",
		Attributes: attrs,
	}
}

func (d *azureBatchTaskDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (d *azureBatchTaskDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config azureBatchTaskDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := azureBatchClient(d.data, &resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, config.Timeouts.Read, taskDataSourceTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	jobID, taskID := config.JobID.ValueString(), config.TaskID.ValueString()
	task, err := client.GetTask(ctx, jobID, taskID)
	if azurebatch.IsNotFound(err) {
		resp.Diagnostics.AddError("Azure Batch task not found", describeTaskError(err, jobID, taskID))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Azure Batch task", describeTaskError(err, jobID, taskID))
		return
	}
	m, diags := flattenTask(task, jobID, nil)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.JobID, m.TaskID = config.JobID, config.TaskID
	resp.Diagnostics.Append(resp.State.Set(ctx, &azureBatchTaskDataSourceModel{azureBatchTaskModel: m, Timeouts: config.Timeouts})...)
}
