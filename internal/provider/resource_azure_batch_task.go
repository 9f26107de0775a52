package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

var (
	_ resource.Resource                = (*azureBatchTaskResource)(nil)
	_ resource.ResourceWithConfigure   = (*azureBatchTaskResource)(nil)
	_ resource.ResourceWithImportState = (*azureBatchTaskResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*azureBatchTaskResource)(nil)
	_ resource.ResourceWithIdentity    = (*azureBatchTaskResource)(nil)
)

const (
	taskCreateTimeout = 60 * time.Minute
	taskReadTimeout   = 5 * time.Minute
	taskUpdateTimeout = 10 * time.Minute
	taskDeleteTimeout = 10 * time.Minute
)

// NewAzureBatchTaskResource is the batchops_azure_batch_task resource.
func NewAzureBatchTaskResource() resource.Resource {
	return &azureBatchTaskResource{}
}

type azureBatchTaskResource struct {
	data *providerData
}

type azureBatchTaskResourceModel struct {
	azureBatchTaskModel
	WaitForCompletion types.Bool     `tfsdk:"wait_for_completion"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

func (r *azureBatchTaskResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_batch_task"
}

func (r *azureBatchTaskResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := azureBatchTaskAttributes()
	attrs["wait_for_completion"] = schema.BoolAttribute{
		MarkdownDescription: "Wait, within `timeouts.create`, until the task has completed. A task that completes with " +
			"failure is then an error that shows its exit code and failure information; the task stays in state " +
			"(tainted), so the next apply replaces it. Default `false`.",
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(false),
	}
	attrs["timeouts"] = timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true})
	resp.Schema = schema.Schema{
		MarkdownDescription: "A task in an existing Azure Batch job. `terraform apply` adds it (Add Task, then Get Task); " +
			"`terraform destroy` deletes it with Delete Task, which also removes its files from the node. Only " +
			"`constraints` can change in place; any other change replaces the task.",
		Attributes: attrs,
	}
	resp.Schema.Attributes = withFixedTypes(resp.Schema.Attributes) // cheap type look-ups in the framework
}

// taskIdentity is the task's identity: the job and task ids, the parts of its import ID.
var taskIdentity = identityFields{
	{name: "job_id", state: path.Root("job_id"), description: "Id of the job the task belongs to."},
	{name: "task_id", state: path.Root("task_id"), description: "Id of the task within the job."},
}

func (r *azureBatchTaskResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = taskIdentity.schema()
}

func (r *azureBatchTaskResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (r *azureBatchTaskResource) client(diags *diag.Diagnostics) *azurebatch.Client {
	return azureBatchClient(r.data, diags)
}

// ModifyPlan reports a missing azure_batch configuration at plan time rather than at apply.
func (r *azureBatchTaskResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or the provider's configuration is not known yet
	}
	r.data.azureBatch.checkPlan(&resp.Diagnostics)
}

func (r *azureBatchTaskResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer taskIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State)
	plan, ctx, cancel := begin[azureBatchTaskResourceModel](ctx, req.Plan.Get, timeouts.Value.Create, taskCreateTimeout, &resp.Diagnostics)
	defer cancel()
	client := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	jobID, taskID := plan.JobID.ValueString(), plan.TaskID.ValueString()
	ctx = tflog.SetField(ctx, "task", jobID+"/"+taskID)
	body, diags := expandTask(&plan.azureBatchTaskModel)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A repeat after a lost response finds the task it added: the client adopts it when it is
	// the same task and never overwrites somebody else's. Nothing is recorded when that cannot
	// be settled: the task is not known to be ours, and the next apply asks again.
	adopted, err := client.AddTask(ctx, jobID, body)
	var outcomeUnknown *azurebatch.OutcomeUnknownError
	var conflict *azurebatch.TaskConflictError
	switch {
	case err == nil:
	case errors.As(err, &conflict):
		resp.Diagnostics.AddError("Error adding Azure Batch task", describeTaskError(fmt.Errorf(
			"%s. To manage it with Terraform, import it: terraform import <resource address> %s/%s",
			conflict, conflict.JobID, conflict.ExistingID), jobID, taskID))
		return
	case errors.As(err, &outcomeUnknown):
		// The request may have added the task before the answer was lost (or the apply was
		// interrupted): its id is known, so record it rather than risk an orphan.
		recordPlanned(ctx, req.Plan, jobID+"/"+taskID, &resp.State, &resp.Diagnostics)
		resp.Diagnostics.AddError("Outcome of adding Azure Batch task unknown", fmt.Sprintf(
			"Add Task for %s/%s got no definite answer, so the task may or may not exist: %s\n\n"+
				"The task is recorded in state (tainted): the next refresh finds it (or forgets it if it "+
				"does not exist), destroy deletes it, and the next apply replaces it.", jobID, taskID, err))
		return
	default:
		resp.Diagnostics.AddError("Error adding Azure Batch task", describeTaskError(err, jobID, taskID))
		return
	}
	if adopted {
		tflog.Info(ctx, "Azure Batch task already existed with the same definition (an earlier attempt's response was lost): adopting it")
	}
	tflog.Info(ctx, "added Azure Batch task")

	// From here on the task exists: state is saved whatever happens next, so a failure
	// leaves a tainted resource that destroy cleans up rather than an orphan.
	task, err := client.GetTask(ctx, jobID, taskID)
	if err != nil {
		recordPlanned(ctx, req.Plan, jobID+"/"+taskID, &resp.State, &resp.Diagnostics)
		resp.Diagnostics.AddError("Error reading Azure Batch task after adding it", describeTaskError(err, jobID, taskID))
		return
	}
	r.setState(ctx, task, &plan, &resp.State, &resp.Diagnostics)
	if resp.Diagnostics.HasError() || !plan.WaitForCompletion.ValueBool() {
		return
	}
	if done := r.waitForCompletion(ctx, client, jobID, taskID, task, &resp.Diagnostics); done != task {
		r.setState(ctx, done, &plan, &resp.State, &resp.Diagnostics)
	}
}

// waitForCompletion polls, starting from the task just read, until the task completes. A
// failed task or a timeout is reported in diags; the last task read is returned so state shows
// where it got to.
func (r *azureBatchTaskResource) waitForCompletion(ctx context.Context, client *azurebatch.Client, jobID, taskID string, task *azurebatch.Task, diags *diag.Diagnostics) *azurebatch.Task {
	last := task
	var err error
	if deref(task.State) != azurebatch.TaskStateCompleted {
		err = r.data.pollUntil(ctx, fmt.Sprintf("task %s/%s to complete", jobID, taskID), string(deref(task.State)),
			func(ctx context.Context) (bool, string, error) {
				task, err := client.GetTask(ctx, jobID, taskID)
				if err != nil {
					return false, "", err
				}
				last = task
				return deref(task.State) == azurebatch.TaskStateCompleted, string(deref(task.State)), nil
			})
	}
	if err != nil {
		summary, advice := "Error waiting for Azure Batch task to complete", "The task stays in state; it is replaced on the next apply."
		switch {
		case errors.Is(err, context.Canceled):
			summary = "Interrupted while waiting for Azure Batch task to complete"
		case errors.Is(err, context.DeadlineExceeded):
			summary = "Azure Batch task did not complete in time"
			advice = "The task keeps running and stays in state, tainted: the next apply would replace it. To wait " +
				"longer, raise timeouts.create (or timeouts.update, when wait_for_completion was switched on later); " +
				"to keep the task as it is, run `terraform untaint` on it."
		}
		diags.AddError(summary, describeTaskError(err, jobID, taskID)+"\n\n"+advice)
		return last
	}
	if info := last.ExecutionInfo; info != nil && deref(info.Result) == azurebatch.TaskExecutionResultFailure {
		diags.AddError("Azure Batch task failed", taskFailureText(jobID, taskID, info)+
			"\n\nThe task stays in state (tainted); the next apply replaces it.")
	}
	return last
}

func taskFailureText(jobID, taskID string, info *azurebatch.TaskExecutionInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Task %s/%s completed with result \"failure\"", jobID, taskID)
	if info.ExitCode != nil {
		fmt.Fprintf(&b, " and exit code %d", *info.ExitCode)
	}
	b.WriteString(".")
	if fi := info.FailureInfo; fi != nil {
		fmt.Fprintf(&b, "\nFailure info: category %s, code %s: %s", deref(fi.Category), deref(fi.Code), deref(fi.Message))
		for _, d := range fi.Details {
			fmt.Fprintf(&b, "\n  %s: %s", deref(d.Name), deref(d.Value))
		}
	}
	if info.RetryCount != nil && *info.RetryCount > 0 {
		fmt.Fprintf(&b, "\nRetries: %d", *info.RetryCount)
	}
	return b.String()
}

func (r *azureBatchTaskResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer taskIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	state, ctx, cancel := begin[azureBatchTaskResourceModel](ctx, req.State.Get, timeouts.Value.Read, taskReadTimeout, &resp.Diagnostics)
	defer cancel()
	client := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	jobID, taskID := state.JobID.ValueString(), state.TaskID.ValueString()
	task, err := client.GetTask(ctx, jobID, taskID)
	if azurebatch.IsNotFound(err) {
		tflog.Warn(ctx, "Azure Batch task no longer exists: removing it from state", map[string]any{"task": jobID + "/" + taskID})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Azure Batch task", describeTaskError(err, jobID, taskID))
		return
	}
	r.setState(ctx, task, &state, &resp.State, &resp.Diagnostics)
}

func (r *azureBatchTaskResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer taskIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	var plan, state azureBatchTaskResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(&resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, taskUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	jobID, taskID := state.JobID.ValueString(), state.TaskID.ValueString()
	if !plan.Constraints.Equal(state.Constraints) {
		want, diags := expandConstraints(plan.Constraints)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		seen, diags := expandConstraints(state.Constraints)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		// Conditional on the ETag last read; the client retries when only the task's state
		// moved the ETag, and refuses when somebody else changed the constraints.
		err := client.UpdateConstraints(ctx, jobID, taskID, *want, seen, state.ETag.ValueString())
		var changed *azurebatch.ConstraintsChangedError
		if errors.As(err, &changed) {
			err = fmt.Errorf("the task's constraints were changed outside Terraform since it was last read; run terraform apply again to review the change: %w", changed.Err)
		}
		if err != nil {
			resp.Diagnostics.AddError("Error updating Azure Batch task constraints", describeTaskError(err, jobID, taskID))
			return
		}
	}
	task, err := client.GetTask(ctx, jobID, taskID)
	if err != nil {
		resp.Diagnostics.AddError("Error reading Azure Batch task after updating it", describeTaskError(err, jobID, taskID))
		return
	}
	r.setState(ctx, task, &plan, &resp.State, &resp.Diagnostics)
	if resp.Diagnostics.HasError() || !plan.WaitForCompletion.ValueBool() || state.WaitForCompletion.ValueBool() {
		return
	}
	// wait_for_completion was switched on: wait now, as a create would have.
	if done := r.waitForCompletion(ctx, client, jobID, taskID, task, &resp.Diagnostics); done != task {
		r.setState(ctx, done, &plan, &resp.State, &resp.Diagnostics)
	}
}

func (r *azureBatchTaskResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := begin[azureBatchTaskResourceModel](ctx, req.State.Get, timeouts.Value.Delete, taskDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	client := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	jobID, taskID := state.JobID.ValueString(), state.TaskID.ValueString()
	if err := client.DeleteTask(ctx, jobID, taskID); err != nil {
		resp.Diagnostics.AddError("Error deleting Azure Batch task", describeTaskError(err, jobID, taskID))
		return
	}
	tflog.Info(ctx, "deleted Azure Batch task", map[string]any{"task": jobID + "/" + taskID})
}

func (r *azureBatchTaskResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := taskIdentity.importID(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	jobID, taskID, ok := strings.Cut(id, "/")
	if !ok || azurebatch.CheckID(jobID) != nil || azurebatch.CheckID(taskID) != nil {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected \"job_id/task_id\" where each %s; got %q.", azurebatch.IDRule, id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("job_id"), jobID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("task_id"), taskID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for_completion"), false)...)
}

// setState writes the task read from the service, keeping the resource's own settings.
func (r *azureBatchTaskResource) setState(ctx context.Context, task *azurebatch.Task, prior *azureBatchTaskResourceModel, state *tfsdk.State, diags *diag.Diagnostics) {
	flat, d := flattenTask(task, prior.JobID.ValueString(), &prior.azureBatchTaskModel)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, &azureBatchTaskResourceModel{
		azureBatchTaskModel: flat,
		WaitForCompletion:   prior.WaitForCompletion,
		Timeouts:            prior.Timeouts,
	})...)
}

// recordPlanned saves the planned object with its id, and null for every value not known yet,
// so that an object that exists or may exist is tracked (tainted) rather than orphaned.
func recordPlanned(ctx context.Context, plan tfsdk.Plan, id string, state *tfsdk.State, diags *diag.Diagnostics) {
	raw, err := tftypes.Transform(plan.Raw, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	if err != nil {
		diags.AddError("Error recording the planned object", "Could not record "+id+" in state: "+err.Error())
		return
	}
	state.Raw = raw
	diags.Append(state.SetAttribute(ctx, path.Root("id"), id)...)
}

// describeTaskError turns client errors into advice a user can act on.
func describeTaskError(err error, jobID, taskID string) string {
	switch {
	case azurebatch.IsAuthFailure(err):
		return azureAuthAdvice(err)
	case azurebatch.HasCode(err, "JobNotFound"):
		return fmt.Sprintf("Job %q does not exist in this Batch account.\n\nOriginal Error: %s", jobID, err)
	case azurebatch.HasCode(err, "TaskDependenciesNotSpecifiedOnJob"):
		return fmt.Sprintf("task_dependencies needs a job created with uses_task_dependencies = true (batchops_azure_batch_job); job %q was not.\n\nOriginal Error: %s", jobID, err)
	}
	return fmt.Sprintf("Task %s/%s: %s", jobID, taskID, err)
}

// azureAuthAdvice explains an authentication failure of the Batch service.
func azureAuthAdvice(err error) string {
	return "The Batch service rejected the credentials. Check azure_batch.account_name and azure_batch.account_key " +
		"(AZURE_BATCH_ACCOUNT / AZURE_BATCH_ACCESS_KEY), or, with Microsoft Entra ID, the identity's role on the account and " +
		"azure_batch.environment (ARM_ENVIRONMENT), whose Batch resource the token is for.\n\nOriginal Error: " + err.Error()
}
