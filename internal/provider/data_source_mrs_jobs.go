package provider

import (
	"context"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/batchops/terraform-provider-batchops/internal/mrs"
)

var (
	_ datasource.DataSource              = (*mrsJobsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*mrsJobsDataSource)(nil)
)

const mrsDataSourceTimeout = 5 * time.Minute

var rfc3339Pattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// NewMRSJobsDataSource is the batchops_mrs_jobs data source.
func NewMRSJobsDataSource() datasource.DataSource {
	return &mrsJobsDataSource{}
}

type mrsJobsDataSource struct {
	data *providerData
}

type mrsJobsModel struct {
	ClusterID          types.String   `tfsdk:"cluster_id"`
	JobName            types.String   `tfsdk:"job_name"`
	JobID              types.String   `tfsdk:"job_id"`
	User               types.String   `tfsdk:"user"`
	JobType            types.String   `tfsdk:"job_type"`
	JobState           types.String   `tfsdk:"job_state"`
	JobResult          types.String   `tfsdk:"job_result"`
	Queue              types.String   `tfsdk:"queue"`
	SortBy             types.String   `tfsdk:"sort_by"`
	SubmittedTimeBegin types.String   `tfsdk:"submitted_time_begin"`
	SubmittedTimeEnd   types.String   `tfsdk:"submitted_time_end"`
	Jobs               types.List     `tfsdk:"jobs"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

var mrsJobListAttrTypes = map[string]attr.Type{
	"id": types.StringType, "name": types.StringType, "type": types.StringType, "state": types.StringType,
	"result": types.StringType, "progress": types.Float64Type, "user": types.StringType, "queue": types.StringType,
	"arguments": types.ListType{ElemType: types.StringType}, "properties": types.MapType{ElemType: types.StringType},
	"submitted_time": types.StringType, "started_time": types.StringType, "finished_time": types.StringType,
}

type mrsJobListModel struct {
	ID            types.String  `tfsdk:"id"`
	Name          types.String  `tfsdk:"name"`
	Type          types.String  `tfsdk:"type"`
	State         types.String  `tfsdk:"state"`
	Result        types.String  `tfsdk:"result"`
	Progress      types.Float64 `tfsdk:"progress"`
	User          types.String  `tfsdk:"user"`
	Queue         types.String  `tfsdk:"queue"`
	Arguments     types.List    `tfsdk:"arguments"`
	Properties    types.Map     `tfsdk:"properties"`
	SubmittedTime types.String  `tfsdk:"submitted_time"`
	StartedTime   types.String  `tfsdk:"started_time"`
	FinishedTime  types.String  `tfsdk:"finished_time"`
}

func (d *mrsJobsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mrs_jobs"
}

func (d *mrsJobsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	filter := func(desc string, v ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Validators: v}
	}
	rfc3339 := stringvalidator.RegexMatches(rfc3339Pattern, "must be an RFC 3339 time such as 2026-11-22T12:00:00Z")
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the jobs of an MRS cluster (Query the job list), paging through every result, with the service's filters.",
		Attributes: map[string]schema.Attribute{
			"cluster_id": schema.StringAttribute{
				MarkdownDescription: "Id of the MRS cluster.", Required: true,
				Validators: []validator.String{ruleValidator(mrs.NameRule, mrs.CheckClusterID)},
			},
			"job_name":             filter("Only jobs with this name.", stringvalidator.LengthBetween(1, 128)),
			"job_id":               filter("Only the job with this id."),
			"user":                 filter("Only jobs submitted by this user."),
			"job_type":             filter("Only jobs of this type.", stringvalidator.OneOf(mrs.JobTypes...)),
			"job_state":            filter("Only jobs in this state.", stringvalidator.OneOf("NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED")),
			"job_result":           filter("Only jobs with this result.", stringvalidator.OneOf("UNDEFINED", "SUCCEEDED", "FAILED", "KILLED")),
			"queue":                filter("Only jobs in this YARN queue."),
			"sort_by":              filter("`asc` or `desc` (the default) by submit time.", stringvalidator.OneOf("asc", "desc")),
			"submitted_time_begin": filter("Only jobs submitted at or after this time (RFC 3339).", rfc3339),
			"submitted_time_end": filter("Only jobs submitted at or before this time (RFC 3339).", rfc3339,
				stringvalidator.AlsoRequires(path.MatchRoot("submitted_time_begin"))),
			"timeouts": timeouts.Attributes(ctx),
			"jobs": schema.ListNestedAttribute{
				MarkdownDescription: "The matching jobs.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":             computed("Job id."),
					"name":           computed("Job name."),
					"type":           computed("Job type."),
					"state":          computed("`job_state`."),
					"result":         computed("`job_result`."),
					"progress":       schema.Float64Attribute{MarkdownDescription: "Progress in percent.", Computed: true},
					"user":           computed("Submitting user."),
					"queue":          computed("YARN queue."),
					"arguments":      schema.ListAttribute{MarkdownDescription: "Arguments.", Computed: true, ElementType: types.StringType},
					"properties":     schema.MapAttribute{MarkdownDescription: "Properties.", Computed: true, ElementType: types.StringType},
					"submitted_time": computed("When the job was submitted (RFC 3339)."),
					"started_time":   computed("When the job started (RFC 3339), if it has."),
					"finished_time":  computed("When the job finished (RFC 3339), if it has."),
				}},
			},
		},
	}
}

func (d *mrsJobsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (d *mrsJobsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m mrsJobsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := mrsClient(d.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, m.Timeouts.Read, mrsDataSourceTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	filter := mrs.ListFilter{
		JobName: m.JobName.ValueString(), JobID: m.JobID.ValueString(), User: m.User.ValueString(),
		JobType: m.JobType.ValueString(), JobState: m.JobState.ValueString(), JobResult: m.JobResult.ValueString(),
		Queue: m.Queue.ValueString(), SortBy: m.SortBy.ValueString(),
	}
	filter.SubmittedBegin, _ = time.Parse(time.RFC3339, m.SubmittedTimeBegin.ValueString())
	filter.SubmittedEnd, _ = time.Parse(time.RFC3339, m.SubmittedTimeEnd.ValueString())
	jobs := []mrsJobListModel{}
	err := client.ListJobs(ctx, m.ClusterID.ValueString(), filter, func(j mrs.Job) error {
		jobs = append(jobs, mrsJobListModel{
			ID: types.StringValue(j.ID), Name: types.StringValue(j.Name), Type: types.StringValue(j.Type),
			State: types.StringValue(j.State), Result: types.StringValue(j.Result), Progress: types.Float64Value(j.Progress),
			User: types.StringValue(j.User), Queue: types.StringValue(j.Queue),
			Arguments: stringList(j.Arguments), Properties: stringMap(j.Properties), SubmittedTime: timeOrNull(j.SubmittedTime),
			StartedTime: timeOrNull(j.StartedTime), FinishedTime: timeOrNull(j.FinishedTime),
		})
		return nil
	})
	if err != nil {
		resp.Diagnostics.AddError("Error listing MRS jobs", describeMRSError(err))
		return
	}
	var diags diag.Diagnostics
	m.Jobs, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: mrsJobListAttrTypes}, jobs)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func timeOrNull(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}
