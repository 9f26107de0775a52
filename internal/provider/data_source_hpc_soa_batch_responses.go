package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

var (
	_ datasource.DataSource              = (*hpcSOABatchResponsesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*hpcSOABatchResponsesDataSource)(nil)
)

// NewHPCSOABatchResponsesDataSource is the batchops_hpc_soa_batch_responses data source.
func NewHPCSOABatchResponsesDataSource() datasource.DataSource {
	return &hpcSOABatchResponsesDataSource{}
}

type hpcSOABatchResponsesDataSource struct {
	data *providerData
}

type hpcSOABatchResponsesModel struct {
	hpcBatchRefModel
	GenericService types.Bool   `tfsdk:"generic_service"`
	Action         types.String `tfsdk:"action"`
	Responses      types.List   `tfsdk:"responses"`
	Count          types.Int64  `tfsdk:"response_count"`
	EndReason      types.String `tfsdk:"end_reason"`
}

var soaResponseAttrTypes = map[string]attr.Type{
	"action": types.StringType, "message_id": types.StringType, "user_data": types.StringType,
	"body": types.StringType, "fault": types.StringType,
}

type soaResponseModel struct {
	Action    types.String `tfsdk:"action"`
	MessageID types.String `tfsdk:"message_id"`
	UserData  types.String `tfsdk:"user_data"`
	Body      types.String `tfsdk:"body"`
	Fault     types.String `tfsdk:"fault"`
}

func (d *hpcSOABatchResponsesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_hpc_soa_batch_responses"
}

func (d *hpcSOABatchResponsesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := batchIdentityAttributes()
	attrs["timeouts"] = timeouts.Attributes(ctx)
	attrs["generic_service"] = schema.BoolAttribute{MarkdownDescription: "The session runs a generic service (text responses).", Optional: true}
	attrs["action"] = schema.StringAttribute{MarkdownDescription: "Only responses to requests with this action.", Optional: true}
	attrs["response_count"] = schema.Int64Attribute{MarkdownDescription: "Number of responses read.", Computed: true}
	attrs["end_reason"] = schema.StringAttribute{
		MarkdownDescription: "Why the response stream ended: `Success`, `ClientPurged` (the batch was purged) or `ClientTimeout`.",
		Computed:            true,
	}
	attrs["responses"] = schema.ListNestedAttribute{
		MarkdownDescription: "The responses available now, in the broker's order.",
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"action":     schema.StringAttribute{MarkdownDescription: "Reply action.", Computed: true},
			"message_id": schema.StringAttribute{MarkdownDescription: "Message id of the request the response relates to.", Computed: true},
			"user_data":  schema.StringAttribute{MarkdownDescription: "The request's user data.", Computed: true},
			"body":       schema.StringAttribute{MarkdownDescription: "The response element of the SOAP body, or the generic service's output.", Computed: true},
			"fault":      schema.StringAttribute{MarkdownDescription: "The SOAP fault, when the service failed the request.", Computed: true},
		}},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the responses of an HPC Pack SOA batch (Get Responses with `reset=true`, so reading " +
			"never consumes them: a later read sees them again). The response stream is decoded as it arrives.",
		Attributes: attrs,
	}
}

func (d *hpcSOABatchResponsesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (d *hpcSOABatchResponsesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m hpcSOABatchResponsesModel
	readBatch(ctx, d.data, req, resp, &m, &m.hpcBatchRefModel, func(ctx context.Context, client *hpcsoa.Client, sessionID int, name string) {
		responses := []soaResponseModel{}
		eom, err := client.GetResponses(ctx, sessionID, name, hpcsoa.ResponseOptions{
			Generic: m.GenericService.ValueBool(), Reset: true, Count: -1, Action: m.Action.ValueString(),
		}, func(r hpcsoa.Response) error {
			responses = append(responses, soaResponseModel{
				Action: types.StringValue(r.Action), MessageID: types.StringValue(r.RelatesTo), UserData: types.StringValue(r.UserData),
				Body: types.StringValue(r.Body), Fault: optionalString(r.Fault),
			})
			return nil
		})
		if err != nil {
			resp.Diagnostics.AddError("Error reading HPC Pack SOA batch responses", describeHPCError(err))
			return
		}
		m.Count = types.Int64Value(int64(len(responses)))
		m.EndReason = types.StringValue(eom.Reason)
		var diags diag.Diagnostics
		m.Responses, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: soaResponseAttrTypes}, responses)
		resp.Diagnostics.Append(diags...)
	})
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
