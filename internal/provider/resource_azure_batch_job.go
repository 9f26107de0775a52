package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

var (
	_ resource.Resource                = (*azureBatchJobResource)(nil)
	_ resource.ResourceWithConfigure   = (*azureBatchJobResource)(nil)
	_ resource.ResourceWithImportState = (*azureBatchJobResource)(nil)
	_ resource.ResourceWithIdentity    = (*azureBatchJobResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*azureBatchJobResource)(nil)
)

const (
	jobCreateTimeout = 10 * time.Minute
	jobReadTimeout   = 5 * time.Minute
	jobUpdateTimeout = 10 * time.Minute
	// Deleting a job deletes its tasks; the service takes longer the more it has.
	jobDeleteTimeout = 30 * time.Minute
)

// NewAzureBatchJobResource is the batchops_azure_batch_job resource.
func NewAzureBatchJobResource() resource.Resource {
	return &azureBatchJobResource{}
}

type azureBatchJobResource struct {
	data *providerData
}

// azureBatchJobModel holds a job's attributes, shared by the resource and the data source.
// Collections and the constraints object are framework values, which may be unknown at plan.
type azureBatchJobModel struct {
	ID                        types.String `tfsdk:"id"`
	JobID                     types.String `tfsdk:"job_id"`
	PoolID                    types.String `tfsdk:"pool_id"`
	DisplayName               types.String `tfsdk:"display_name"`
	Priority                  types.Int64  `tfsdk:"priority"`
	MaxParallelTasks          types.Int64  `tfsdk:"max_parallel_tasks"`
	Constraints               types.Object `tfsdk:"constraints"` // jobConstraintsModel
	UsesTaskDependencies      types.Bool   `tfsdk:"uses_task_dependencies"`
	OnAllTasksComplete        types.String `tfsdk:"on_all_tasks_complete"`
	OnTaskFailure             types.String `tfsdk:"on_task_failure"`
	Metadata                  types.Map    `tfsdk:"metadata"`                    // of string
	CommonEnvironmentSettings types.Map    `tfsdk:"common_environment_settings"` // of string
	State                     types.String `tfsdk:"state"`
	ETag                      types.String `tfsdk:"etag"`
	URL                       types.String `tfsdk:"url"`
	CreationTime              types.String `tfsdk:"creation_time"`
	LastModified              types.String `tfsdk:"last_modified"`
}

type azureBatchJobResourceModel struct {
	azureBatchJobModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

type jobConstraintsModel struct {
	MaxWallClockTime  durationValue `tfsdk:"max_wall_clock_time"`
	MaxTaskRetryCount types.Int64   `tfsdk:"max_task_retry_count"`
}

var jobConstraintsAttrTypes = map[string]attr.Type{
	"max_wall_clock_time":  durationType{},
	"max_task_retry_count": types.Int64Type,
}

// The values of on_all_tasks_complete.
const (
	onAllTasksNoAction     = string(azurebatch.OnAllTasksCompleteNoAction)
	onAllTasksTerminateJob = string(azurebatch.OnAllTasksCompleteTerminateJob)
)

func (r *azureBatchJobResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_batch_job"
}

func (r *azureBatchJobResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := azureBatchJobAttributes()
	attrs["timeouts"] = timeouts.Attributes(ctx, timeouts.Opts{
		Create: true, Read: true, Update: true, Delete: true,
		CreateDescription: "Time for Add Job and the read after it, as a duration such as `30s` or `2h45m` (default `10m`).",
		ReadDescription:   "Time for reading the job, as a duration such as `30s` or `2h45m` (default `5m`).",
		UpdateDescription: "Time for Patch Job and the read after it, as a duration such as `30s` or `2h45m` (default `10m`).",
		DeleteDescription: "Time for Delete Job and the wait until the service has removed the job and its tasks, " +
			"as a duration such as `30s` or `2h45m` (default `30m`).",
	})
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Azure Batch job, on a pool, that tasks (`batchops_azure_batch_task`) are added to. " +
			"`terraform apply` adds it (Add Job, then Get Job); `terraform destroy` deletes it with Delete Job and waits " +
			"until the service has removed it, with its tasks. `priority`, `max_parallel_tasks`, `constraints`, `metadata` " +
			"and `on_all_tasks_complete` from `noaction` to `terminatejob` change in place (Patch Job); any other change " +
			"replaces the job, which deletes its tasks.",
		Attributes: attrs,
	}
	resp.Schema.Attributes = withFixedTypes(resp.Schema.Attributes) // cheap type look-ups in the framework
}

// azureBatchJobAttributes are the attributes of a job, shared by the resource and (all
// computed) by the data source.
func azureBatchJobAttributes() map[string]schema.Attribute {
	keepState := func() []planmodifier.Int64 { return []planmodifier.Int64{int64planmodifier.UseStateForUnknown()} }
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "The job ID.",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"job_id": schema.StringAttribute{
			MarkdownDescription: "ID of the job, unique in the account without regard to case. It " + azurebatch.IDRule + ".",
			Required:            true,
			Validators:          []validator.String{batchIDValidator()},
			PlanModifiers:       replaceString,
		},
		"pool_id": schema.StringAttribute{
			MarkdownDescription: "ID of the pool the job's tasks run on. The service does not check that it exists: tasks " +
				"wait until such a pool appears. A change replaces the job (the service moves a job to another pool only while it is disabled).",
			Required:      true,
			Validators:    []validator.String{batchIDValidator()},
			PlanModifiers: replaceString,
		},
		"display_name": schema.StringAttribute{
			MarkdownDescription: "Display name, up to 1024 characters. A change replaces the job.",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.LengthBetween(1, azurebatch.MaxDisplayNameLength)},
			PlanModifiers:       replaceString,
		},
		"priority": schema.Int64Attribute{
			MarkdownDescription: "Priority, from -1000 (lowest) to 1000 (highest). Changes in place. Unset: the service's default (0), or the value the job has.",
			Optional:            true,
			Computed:            true,
			Validators:          []validator.Int64{int64validator.Between(-1000, 1000)},
			PlanModifiers:       keepState(),
		},
		"max_parallel_tasks": schema.Int64Attribute{
			MarkdownDescription: "Most tasks of the job that run at once: -1 (no limit) or at least 1. Changes in place. " +
				"Unset: the service's default (-1), or the value the job has.",
			Optional: true,
			Computed: true,
			Validators: []validator.Int64{int64validator.Any(
				int64validator.OneOf(-1), int64validator.AtLeast(1))},
			PlanModifiers: keepState(),
		},
		"constraints": constraintsAttribute("Execution constraints, changed in place (the whole object is sent). Unset values "+
			"take the service's defaults (unlimited wall clock time, no retries), or keep the values the job has, without a diff.",
			map[string]schema.Attribute{
				"max_wall_clock_time":  maxWallClockTimeAttribute("Longest time the job may run (the service then terminates it)"),
				"max_task_retry_count": maxTaskRetryCountAttribute("The default of the job's tasks; the service's default is 0."),
			}),
		"uses_task_dependencies": schema.BoolAttribute{
			MarkdownDescription: "Whether tasks of the job may depend on each other (`task_dependencies` of `batchops_azure_batch_task`). " +
				"Set only when the job is added: a change replaces the job. Default `false`.",
			Optional:      true,
			Computed:      true,
			Default:       booldefault.StaticBool(false),
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
		},
		"on_all_tasks_complete": schema.StringAttribute{
			MarkdownDescription: "What the service does when all the job's tasks have completed: `noaction` (its default) or " +
				"`terminatejob`, which completes the job; a job without tasks counts as all complete, so add the tasks first and then " +
				"switch to `terminatejob`. `noaction` to `terminatejob` changes in place; the service refuses the way back, so that " +
				"replaces the job. Unset: the value the job has.",
			Optional:   true,
			Computed:   true,
			Validators: []validator.String{stringvalidator.OneOf(onAllTasksNoAction, onAllTasksTerminateJob)},
			PlanModifiers: []planmodifier.String{
				stringplanmodifier.UseStateForUnknown(),
				replaceOnTerminateJobUndone(),
			},
		},
		"on_task_failure": schema.StringAttribute{
			MarkdownDescription: "What the service does when a task of the job fails: `noaction` (its default) or " +
				"`performexitoptionsjobaction` (the job action of the task's `exit_conditions`). A change replaces the job.",
			Optional:   true,
			Computed:   true,
			Validators: []validator.String{stringvalidator.OneOf(string(azurebatch.OnTaskFailureNoAction), string(azurebatch.OnTaskFailurePerformExitOptionsJobAction))},
			PlanModifiers: []planmodifier.String{
				stringplanmodifier.UseStateForUnknown(),
				stringplanmodifier.RequiresReplace(),
			},
		},
		"metadata": schema.MapAttribute{
			MarkdownDescription: "Name-value pairs the service keeps with the job and does not use. Changes in place.",
			Optional:            true,
			ElementType:         types.StringType,
			Validators:          []validator.Map{mapvalidator.SizeAtLeast(1), mapvalidator.KeysAre(stringvalidator.LengthAtLeast(1))},
		},
		"common_environment_settings": schema.MapAttribute{
			MarkdownDescription: "Environment variables of every task of the job (a task's own `environment` overrides them). " +
				"A change replaces the job.",
			Optional:      true,
			ElementType:   types.StringType,
			Validators:    []validator.Map{mapvalidator.SizeAtLeast(1), mapvalidator.KeysAre(stringvalidator.LengthAtLeast(1))},
			PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
		},

		// Read-only. state, etag and last_modified move with the job's state, so they are
		// unknown in any plan that changes the job.
		"state":         schema.StringAttribute{MarkdownDescription: "`active`, `disabling`, `disabled`, `enabling`, `terminating`, `completed` or `deleting`.", Computed: true},
		"etag":          schema.StringAttribute{MarkdownDescription: "ETag of the job, sent with updates (`If-Match`).", Computed: true},
		"last_modified": schema.StringAttribute{MarkdownDescription: "When the job or its state last changed (RFC 3339).", Computed: true},
		"url": schema.StringAttribute{
			MarkdownDescription: "URL of the job.", Computed: true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"creation_time": schema.StringAttribute{
			MarkdownDescription: "When the job was added (RFC 3339).", Computed: true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
	}
}

// replaceOnTerminateJobUndone replaces the job when on_all_tasks_complete goes from
// terminatejob back to noaction: the service refuses that change (spec §11.4).
func replaceOnTerminateJobUndone() planmodifier.String {
	const desc = "Changing the value from `terminatejob` to `noaction` replaces the job."
	return stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = req.StateValue.ValueString() == onAllTasksTerminateJob && req.PlanValue.ValueString() == onAllTasksNoAction
	}, desc, desc)
}

// jobIdentity is the job's identity: its id, the import ID.
var jobIdentity = identityFields{
	{name: "job_id", state: path.Root("job_id"), description: "Id of the job."},
}

func (r *azureBatchJobResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = jobIdentity.schema()
}

func (r *azureBatchJobResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (r *azureBatchJobResource) client(diags *diag.Diagnostics) *azurebatch.Client {
	return azureBatchClient(r.data, diags)
}

// ModifyPlan reports a missing azure_batch configuration at plan time rather than at apply.
func (r *azureBatchJobResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or the provider's configuration is not known yet
	}
	r.data.azureBatch.checkPlan(&resp.Diagnostics)
}

func (r *azureBatchJobResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer jobIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State)
	plan, ctx, cancel := begin[azureBatchJobResourceModel](ctx, req.Plan.Get, timeouts.Value.Create, jobCreateTimeout, &resp.Diagnostics)
	defer cancel()
	client := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	jobID := plan.JobID.ValueString()
	ctx = tflog.SetField(ctx, "job", jobID)
	spec, diags := expandJob(&plan.azureBatchJobModel)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A repeat after a lost answer finds the job it added: the client adopts it when it is the
	// same job and never takes over somebody else's.
	adopted, err := client.AddJob(ctx, spec)
	var outcomeUnknown *azurebatch.OutcomeUnknownError
	var conflict *azurebatch.JobConflictError
	switch {
	case err == nil:
	case errors.As(err, &conflict) && conflict.Deleting:
		resp.Diagnostics.AddError("Error adding Azure Batch job", conflict.Error()+". Run terraform apply again once it is gone.")
		return
	case errors.As(err, &conflict):
		resp.Diagnostics.AddError("Error adding Azure Batch job", fmt.Sprintf(
			"%s. To manage it with Terraform, import it: terraform import <resource address> %s", conflict, conflict.ExistingID))
		return
	case errors.As(err, &outcomeUnknown):
		// The job may have been added before the answer was lost: record it by its id rather
		// than risk an orphan.
		recordPlanned(ctx, req.Plan, jobID, &resp.State, &resp.Diagnostics)
		resp.Diagnostics.AddError("Outcome of adding Azure Batch job unknown", fmt.Sprintf(
			"Add Job for %s got no definite answer, so the job may or may not exist: %s\n\n"+
				"The job is recorded in state (tainted): the next refresh finds it (or forgets it if it "+
				"does not exist), destroy deletes it, and the next apply replaces it.", jobID, err))
		return
	default:
		resp.Diagnostics.AddError("Error adding Azure Batch job", describeJobError(err, jobID))
		return
	}
	if adopted {
		tflog.Info(ctx, "Azure Batch job already existed with the same definition (an earlier attempt's answer was lost): adopting it")
	}
	tflog.Info(ctx, "added Azure Batch job")

	// From here on the job exists: state is saved whatever happens, so destroy removes it.
	job, err := client.GetJobAfterAdd(ctx, jobID)
	if err != nil {
		recordPlanned(ctx, req.Plan, jobID, &resp.State, &resp.Diagnostics)
		resp.Diagnostics.AddError("Error reading Azure Batch job after adding it", describeJobError(err, jobID))
		return
	}
	setJobState(ctx, job, &plan, &resp.State, &resp.Diagnostics)
}

func (r *azureBatchJobResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer jobIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	state, ctx, cancel := begin[azureBatchJobResourceModel](ctx, req.State.Get, timeouts.Value.Read, jobReadTimeout, &resp.Diagnostics)
	defer cancel()
	client := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	jobID := state.JobID.ValueString()
	job, err := client.GetJob(ctx, jobID)
	// A job being deleted is as good as gone: it cannot change or take tasks, and is never
	// anything but deleted.
	if azurebatch.IsNotFound(err) || (err == nil && deref(job.State) == azurebatch.JobStateDeleting) {
		tflog.Warn(ctx, "Azure Batch job no longer exists or is being deleted: removing it from state", map[string]any{"job": jobID})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Azure Batch job", describeJobError(err, jobID))
		return
	}
	setJobState(ctx, job, &state, &resp.State, &resp.Diagnostics)
}

func (r *azureBatchJobResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer jobIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	var plan, state azureBatchJobResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(&resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, jobUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	jobID := state.JobID.ValueString()
	ctx = tflog.SetField(ctx, "job", jobID)
	update, changed, diags := expandJobUpdate(&plan.azureBatchJobModel, &state.azureBatchJobModel)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if changed {
		// Only reachable with a value unknown at plan: a known one plans a replacement.
		if state.OnAllTasksComplete.ValueString() == onAllTasksTerminateJob && deref(update.OnAllTasksComplete) == azurebatch.OnAllTasksCompleteNoAction {
			resp.Diagnostics.AddAttributeError(path.Root("on_all_tasks_complete"), "Cannot change on_all_tasks_complete back to noaction",
				fmt.Sprintf("Job %s has on_all_tasks_complete = \"terminatejob\", and the service refuses to change it back to \"noaction\". "+
					"Replace the job instead: terraform apply -replace=<resource address>.", jobID))
			return
		}
		// Conditional on the ETag last read: a job changed since then is not overwritten.
		err := client.UpdateJob(ctx, jobID, update, state.ETag.ValueString())
		var jobChanged *azurebatch.JobChangedError
		if errors.As(err, &jobChanged) {
			resp.Diagnostics.AddError("Azure Batch job changed since it was read", fmt.Sprintf(
				"%s\n\nRefresh and review: run terraform apply again, which reads the job as it is now and plans what still differs.", err))
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Error updating Azure Batch job", describeJobError(err, jobID))
			return
		}
		tflog.Info(ctx, "updated Azure Batch job")
	}
	job, err := client.GetJob(ctx, jobID)
	if err != nil {
		resp.Diagnostics.AddError("Error reading Azure Batch job after updating it", describeJobError(err, jobID))
		return
	}
	setJobState(ctx, job, &plan, &resp.State, &resp.Diagnostics)
}

func (r *azureBatchJobResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := begin[azureBatchJobResourceModel](ctx, req.State.Get, timeouts.Value.Delete, jobDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	client := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	jobID := state.JobID.ValueString()
	err := client.DeleteJob(ctx, jobID, r.data.pollOptions(ctx, fmt.Sprintf("job %s to be deleted", jobID)))
	var waitErr *wait.WaitError
	if errors.As(err, &waitErr) && errors.Is(err, context.DeadlineExceeded) {
		resp.Diagnostics.AddError("Azure Batch job was not deleted in time", fmt.Sprintf(
			"%s\n\nThe service goes on deleting the job and its tasks; the job stays in state until a refresh finds it "+
				"gone. To wait longer, raise timeouts.delete.", err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error deleting Azure Batch job", describeJobError(err, jobID))
		return
	}
	tflog.Info(ctx, "deleted Azure Batch job", map[string]any{"job": jobID})
}

func (r *azureBatchJobResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := jobIdentity.importID(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	if azurebatch.CheckID(id) != nil {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Expected a job ID, which %s; got %q.", azurebatch.IDRule, id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("job_id"), id)...)
}

// expandJob builds the Add Job body from the planned model, known as it is at apply. Unknown
// Optional+Computed values (unset ones, on create) are left to the service.
func expandJob(m *azureBatchJobModel) (azurebatch.JobSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := azurebatch.JobSpec{
		ID:                   stringPtr(m.JobID),
		PoolInfo:             &azurebatch.PoolInfo{PoolID: stringPtr(m.PoolID)},
		DisplayName:          stringPtr(m.DisplayName),
		Priority:             int32Ptr(m.Priority),
		MaxParallelTasks:     int32Ptr(m.MaxParallelTasks),
		Constraints:          expandJobConstraints(m.Constraints, &diags),
		UsesTaskDependencies: m.UsesTaskDependencies.ValueBoolPointer(),
		OnAllTasksComplete:   enumPtr[azurebatch.OnAllTasksComplete](m.OnAllTasksComplete),
		OnTaskFailure:        enumPtr[azurebatch.OnTaskFailure](m.OnTaskFailure),
		Metadata:             expandMetadata(m.Metadata),
	}
	spec.CommonEnvironmentSettings = expandEnvironment(m.CommonEnvironmentSettings)
	return spec, diags
}

// expandJobUpdate builds the Patch Job body of what differs between plan and state, and
// reports whether anything does. Constraints and metadata are sent whole: the service
// replaces both whole.
func expandJobUpdate(plan, state *azureBatchJobModel) (azurebatch.JobUpdate, bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	var u azurebatch.JobUpdate
	changed := false
	if !plan.Priority.Equal(state.Priority) {
		u.Priority, changed = int32Ptr(plan.Priority), true
	}
	if !plan.MaxParallelTasks.Equal(state.MaxParallelTasks) {
		u.MaxParallelTasks, changed = int32Ptr(plan.MaxParallelTasks), true
	}
	if !plan.Constraints.Equal(state.Constraints) {
		u.Constraints, changed = expandJobConstraints(plan.Constraints, &diags), true
	}
	if !plan.Metadata.Equal(state.Metadata) {
		// An empty list clears the metadata; nil would leave it as it is.
		u.Metadata, changed = expandMetadata(plan.Metadata), true
		if u.Metadata == nil {
			u.Metadata = []azurebatch.MetadataItem{}
		}
	}
	if !plan.OnAllTasksComplete.Equal(state.OnAllTasksComplete) {
		u.OnAllTasksComplete, changed = enumPtr[azurebatch.OnAllTasksComplete](plan.OnAllTasksComplete), true
	}
	return u, changed, diags
}

func expandJobConstraints(obj types.Object, diags *diag.Diagnostics) *azurebatch.JobConstraints {
	c := objectAs[jobConstraintsModel](obj, diags)
	if c == nil {
		return nil
	}
	return &azurebatch.JobConstraints{
		MaxWallClockTime:  stringPtr(c.MaxWallClockTime.StringValue),
		MaxTaskRetryCount: int32Ptr(c.MaxTaskRetryCount),
	}
}

func expandMetadata(m types.Map) []azurebatch.MetadataItem {
	var out []azurebatch.MetadataItem
	values := mapStrings(m)
	for _, name := range sortedMapKeys(values) {
		out = append(out, azurebatch.MetadataItem{Name: azurebatch.Ptr(name), Value: azurebatch.Ptr(values[name])})
	}
	return out
}

// flattenJob reads a job from the service. prior is the state or plan it was read for (nil
// for the data source): the configured case of the ids is kept, since the service compares
// them without regard to case.
func flattenJob(j *azurebatch.Job, prior *azureBatchJobModel) (azureBatchJobModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	if prior == nil {
		prior = &azureBatchJobModel{}
	}
	m := azureBatchJobModel{
		JobID:                     sameOrRead(prior.JobID, deref(j.ID)),
		PoolID:                    types.StringNull(),
		DisplayName:               types.StringPointerValue(j.DisplayName),
		Priority:                  int64Value(j.Priority),
		MaxParallelTasks:          int64Value(j.MaxParallelTasks),
		Constraints:               types.ObjectNull(jobConstraintsAttrTypes),
		UsesTaskDependencies:      types.BoolValue(deref(j.UsesTaskDependencies)),
		OnAllTasksComplete:        enumValue(j.OnAllTasksComplete),
		OnTaskFailure:             enumValue(j.OnTaskFailure),
		Metadata:                  types.MapNull(types.StringType),
		CommonEnvironmentSettings: flattenEnvironment(j.CommonEnvironmentSettings),
		State:                     types.StringValue(string(deref(j.State))),
		ETag:                      types.StringValue(string(deref(j.ETag))),
		URL:                       types.StringPointerValue(j.URL),
		CreationTime:              timeValue(j.CreationTime),
		LastModified:              timeValue(j.LastModified),
	}
	m.ID = m.JobID
	if j.PoolInfo != nil && j.PoolInfo.PoolID != nil {
		m.PoolID = sameOrRead(prior.PoolID, *j.PoolInfo.PoolID)
	}
	if c := j.Constraints; c != nil {
		m.Constraints = objectValue(types.ObjectType{AttrTypes: jobConstraintsAttrTypes}, map[string]attr.Value{
			"max_wall_clock_time":  durationFrom(c.MaxWallClockTime),
			"max_task_retry_count": int64Value(c.MaxTaskRetryCount),
		}, &diags)
	}
	if len(j.Metadata) > 0 {
		md := make(map[string]string, len(j.Metadata))
		for _, item := range j.Metadata {
			md[deref(item.Name)] = deref(item.Value)
		}
		m.Metadata = stringMap(md)
	}
	return m, diags
}

// setJobState writes the job read from the service, keeping the resource's timeouts.
func setJobState(ctx context.Context, job *azurebatch.Job, prior *azureBatchJobResourceModel, state *tfsdk.State, diags *diag.Diagnostics) {
	flat, d := flattenJob(job, &prior.azureBatchJobModel)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, &azureBatchJobResourceModel{azureBatchJobModel: flat, Timeouts: prior.Timeouts})...)
}

// describeJobError turns client errors into advice a user can act on.
func describeJobError(err error, jobID string) string {
	switch {
	case azurebatch.IsAuthFailure(err):
		return azureAuthAdvice(err)
	case azurebatch.HasCode(err, "JobCompleted"):
		return fmt.Sprintf("Job %q has completed (with on_all_tasks_complete = \"terminatejob\", once all its tasks had), and a "+
			"completed job accepts no changes. To change it, replace it: terraform apply -replace=<resource address>.\n\nOriginal Error: %s", jobID, err)
	case azurebatch.HasCode(err, "JobBeingDeleted"):
		return fmt.Sprintf("Job %q is being deleted.\n\nOriginal Error: %s", jobID, err)
	}
	return fmt.Sprintf("Job %s: %s", jobID, err)
}
