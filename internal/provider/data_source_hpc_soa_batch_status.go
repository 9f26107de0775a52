package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

var (
	_ datasource.DataSource              = (*hpcSOABatchStatusDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*hpcSOABatchStatusDataSource)(nil)
)

const hpcDataSourceTimeout = 5 * time.Minute

// NewHPCSOABatchStatusDataSource is the batchops_hpc_soa_batch_status data source.
func NewHPCSOABatchStatusDataSource() datasource.DataSource {
	return &hpcSOABatchStatusDataSource{}
}

type hpcSOABatchStatusDataSource struct {
	data *providerData
}

type hpcSOABatchStatusModel struct {
	hpcBatchRefModel
	Status     types.String `tfsdk:"status"`
	StatusCode types.Int64  `tfsdk:"status_code"`
}

// hpcBatchRefModel is the part of an HPC data source's model that names the batch (see
// batchIdentityAttributes), with the read timeout.
type hpcBatchRefModel struct {
	ID        types.String   `tfsdk:"id"`
	SessionID types.String   `tfsdk:"session_id"`
	BatchName types.String   `tfsdk:"batch_name"`
	Timeouts  timeouts.Value `tfsdk:"timeouts"`
}

func (d *hpcSOABatchStatusDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_hpc_soa_batch_status"
}

// batchIdentityAttributes are the attributes naming a batch, shared by the HPC data sources.
func batchIdentityAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{MarkdownDescription: "`session_id/batch_name`.", Computed: true},
		"session_id": schema.StringAttribute{
			MarkdownDescription: "Id of the session.",
			Required:            true,
			Validators:          []validator.String{ruleValidator(hpcsoa.SessionIDRule, hpcsoa.CheckSessionID)},
		},
		"batch_name": schema.StringAttribute{
			MarkdownDescription: "Name of the batch.",
			Required:            true,
			Validators:          []validator.String{ruleValidator(hpcsoa.BatchNameRule, hpcsoa.ValidBatchName)},
		},
	}
}

func (d *hpcSOABatchStatusDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := batchIdentityAttributes()
	attrs["timeouts"] = timeouts.Attributes(ctx)
	attrs["status"] = schema.StringAttribute{MarkdownDescription: "`Unknown`, `Ready`, `Processing` or `Finished`.", Computed: true}
	attrs["status_code"] = schema.Int64Attribute{MarkdownDescription: "The status as a number: 0 Unknown, 1 Ready, 2 Processing, 3 Finished.", Computed: true}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the status of an HPC Pack SOA batch (Get Request Status). The broker reports a name " +
			"it has never seen as a new, `Ready` batch.",
		Attributes: attrs,
	}
}

func (d *hpcSOABatchStatusDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (d *hpcSOABatchStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m hpcSOABatchStatusModel
	readBatch(ctx, d.data, req, resp, &m, &m.hpcBatchRefModel, func(ctx context.Context, client *hpcsoa.Client, sessionID int, name string) {
		status, err := client.BatchStatus(ctx, sessionID, name)
		if err != nil {
			resp.Diagnostics.AddError("Error reading HPC Pack SOA batch status", describeHPCError(err))
			return
		}
		m.Status = types.StringValue(status.String())
		m.StatusCode = types.Int64Value(int64(status))
	})
}

// readBatch reads an HPC data source's configuration into m, whose ref names the batch, and
// calls read with the HPC Pack client, within the read timeout. m is saved unless that fails.
func readBatch(ctx context.Context, data *providerData, req datasource.ReadRequest, resp *datasource.ReadResponse, m any, ref *hpcBatchRefModel,
	read func(ctx context.Context, client *hpcsoa.Client, sessionID int, name string)) {
	resp.Diagnostics.Append(req.Config.Get(ctx, m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc := hpcPack(data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, ref.Timeouts.Read, hpcDataSourceTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	// The schema's validators have checked the id.
	sessionID, _ := hpcsoa.ParseSessionID(ref.SessionID.ValueString())
	ref.ID = types.StringValue(ref.SessionID.ValueString() + "/" + ref.BatchName.ValueString())
	read(ctx, svc.client, sessionID, ref.BatchName.ValueString())
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
