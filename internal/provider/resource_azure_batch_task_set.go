package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

var (
	_ resource.Resource                = (*azureBatchTaskSetResource)(nil)
	_ resource.ResourceWithConfigure   = (*azureBatchTaskSetResource)(nil)
	_ resource.ResourceWithImportState = (*azureBatchTaskSetResource)(nil)
	_ resource.ResourceWithIdentity    = (*azureBatchTaskSetResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*azureBatchTaskSetResource)(nil)
)

const (
	taskSetCreateTimeout = 60 * time.Minute
	taskSetReadTimeout   = 5 * time.Minute
	taskSetUpdateTimeout = 60 * time.Minute
	taskSetDeleteTimeout = 30 * time.Minute

	// importTaskIDsKey holds, in private state, the task ids an import asked for (none: all).
	importTaskIDsKey = "import_task_ids"
)

// NewAzureBatchTaskSetResource is the batchops_azure_batch_task_set resource.
func NewAzureBatchTaskSetResource() resource.Resource {
	return &azureBatchTaskSetResource{}
}

type azureBatchTaskSetResource struct {
	data *providerData
}

func (r *azureBatchTaskSetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_batch_task_set"
}

func (r *azureBatchTaskSetResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("Many tasks of one Azure Batch job, keyed by task id: the way to run hundreds or "+
			"thousands of tasks. `terraform apply` adds them with Add Task Collection (at most %d tasks and under 1 MB "+
			"a call, 8 calls at a time); a refresh is one List Tasks request per 1000 tasks of the job. A change adds "+
			"new tasks, deletes removed ones, updates `constraints` in place and replaces (deletes, then adds) tasks "+
			"whose definition changed, leaving the others alone. `terraform destroy` deletes each task with Delete "+
			"Task, 8 at a time.", azurebatch.MaxTasksPerCollection),
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The job id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"job_id": schema.StringAttribute{
				MarkdownDescription: "ID of the existing job the tasks belong to.",
				Required:            true,
				Validators:          []validator.String{batchIDValidator()},
				PlanModifiers:       replaceString,
			},
			"tasks": schema.MapNestedAttribute{
				MarkdownDescription: "The tasks, keyed by task id (unique in the job without regard to case; each " +
					azurebatch.IDRule + "). Each takes the arguments of `batchops_azure_batch_task` except `job_id`, " +
					"`task_id`, `multi_instance_settings`, `wait_for_completion` and `timeouts`.",
				Required:      true,
				PlanModifiers: []planmodifier.Map{plannedByResource{}},
				Validators: []validator.Map{
					mapvalidator.SizeAtLeast(1),
					mapvalidator.KeysAre(batchIDValidator()),
					keysUniqueIgnoringCase{},
				},
				NestedObject: schema.NestedAttributeObject{Attributes: taskSetMemberAttributes()},
			},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: "Wait, within the create or update timeout, until every task added or run again has " +
					"completed. Tasks that completed with result `failure` are then an error naming them; the set " +
					"stays in state, and the next apply reactivates (runs again) exactly those tasks. Default `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"summary": schema.MapAttribute{
				MarkdownDescription: "Number of tasks in each `state` (`active`, `preparing`, `running`, `completed`) and, " +
					"for completed tasks, with each `result` (`success`, `failure`); `unknown` counts tasks whose add " +
					"got no definite answer.",
				Computed:    true,
				ElementType: types.Int64Type,
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{
				Create: true, Read: true, Update: true, Delete: true,
				CreateDescription: "Time for adding the tasks, reading them back and, with `wait_for_completion`, the wait (default `60m`).",
				ReadDescription:   "Time for reading the tasks (default `5m`).",
				UpdateDescription: "Time for the changes, reading the tasks back and, with `wait_for_completion`, the wait (default `60m`).",
				DeleteDescription: "Time for deleting every task (default `30m`).",
			}),
		},
	}
	resp.Schema.Attributes = withFixedTypes(resp.Schema.Attributes) // cheap type look-ups in the framework
}

// taskSetIdentity is the task set's identity: its job. Tasks come and go as the configuration changes, the job stays; importing by identity adopts every task of the job, as the import ID "job_id" does.
var taskSetIdentity = identityFields{
	{name: "job_id", state: path.Root("job_id"), description: "Id of the job whose tasks the set manages. Importing by identity adopts every task of the job."},
}

func (r *azureBatchTaskSetResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = taskSetIdentity.schema()
}

func (r *azureBatchTaskSetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan plans each task on its own, from its configuration: a task whose definition is
// unchanged keeps its status from state (with a new ETag when its constraints change), a new or
// changed one is added or replaced and its status becomes unknown. With wait_for_completion, a
// failed task is planned to run again. The framework leaves the tasks to it (plannedByResource).
func (r *azureBatchTaskSetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if r.data != nil {
		r.data.azureBatch.checkPlan(&resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	var plan, state azureBatchTaskSetModel
	var configTasks types.Map
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("tasks"), &configTasks)...)
	prior := taskSet{}
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if !resp.Diagnostics.HasError() && !state.Tasks.IsNull() {
			prior = readTaskSet(state.Tasks, &resp.Diagnostics)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	memberType := taskSetMemberType()
	plan.Tasks = types.MapUnknown(memberType) // tasks known only after apply: Terraform plans again then
	changed := req.State.Raw.IsNull() || configTasks.IsUnknown() || len(configTasks.Elements()) != len(prior) ||
		!plan.WaitForCompletion.Equal(state.WaitForCompletion)
	if !configTasks.IsUnknown() {
		rerunFailed := plan.WaitForCompletion.ValueBool() || plan.WaitForCompletion.IsUnknown()
		// Switching wait_for_completion on waits for every task, which reads them all again.
		waitAll := !req.State.Raw.IsNull() && !state.WaitForCompletion.ValueBool() && !plan.WaitForCompletion.Equal(state.WaitForCompletion)
		values := make(map[string]attr.Value, len(configTasks.Elements()))
		for id, v := range configTasks.Elements() {
			config, _ := v.(types.Object)
			if config.IsUnknown() {
				values[id], changed = types.ObjectUnknown(memberType.AttrTypes), true
				continue
			}
			var member taskSetMemberModel
			setFields(config.Attributes(), reflect.ValueOf(&member).Elem(), &resp.Diagnostics)
			if resp.Diagnostics.HasError() {
				return
			}
			if member.plan(prior, id, rerunFailed, waitAll) {
				changed = true
			}
			values[id] = objectOf(memberType, member, &resp.Diagnostics)
		}
		plan.Tasks = mapValue(memberType, values, &resp.Diagnostics)
	}
	plan.Summary = state.Summary
	if changed {
		plan.Summary = types.MapUnknown(types.Int64Type)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// plan fills the computed values of the configured task id: from the task in prior when the
// apply leaves it alone, unknown when the apply changes or reads it again (reread: every task is
// read again). It reports whether the apply touches the task.
func (m *taskSetMemberModel) plan(prior taskSet, id string, rerunFailed, reread bool) bool {
	p, inState := prior[id]
	unknownStatus := func() {
		m.State, m.ExitCode, m.Result, m.ETag = types.StringUnknown(), types.Int64Unknown(), types.StringUnknown(), types.StringUnknown()
	}
	if !inState || p.pending() || !sameTaskSpec(*m, p) {
		unknownStatus()
		m.Constraints = plannedConstraints(m.Constraints, types.ObjectUnknown(constraintsAttrTypes))
		return true
	}
	m.Constraints = plannedConstraints(m.Constraints, p.Constraints)
	m.State, m.ExitCode, m.Result, m.ETag = p.State, p.ExitCode, p.Result, p.ETag
	touched := !sameConstraints(m.Constraints, p.Constraints) || rerunFailed && p.failed()
	if touched || reread {
		unknownStatus() // read back after the apply: it may have moved on meanwhile
	}
	return touched
}

// plannedConstraints fills the constraints the configuration leaves unset (the service's
// defaults, or the job's) with fill's: the state's for a task that stays, unknown for a task
// that is added or replaced.
func plannedConstraints(configured, fill types.Object) types.Object {
	switch {
	case configured.IsUnknown():
		return configured
	case configured.IsNull():
		return fill
	}
	attrs := make(map[string]attr.Value, len(constraintsAttrTypes))
	for name, v := range configured.Attributes() {
		attrs[name] = v
		if v.IsNull() {
			attrs[name] = unknownOf(constraintsAttrTypes[name])
			if from := attrOf(fill, name); from != nil {
				attrs[name] = from
			}
		}
	}
	obj, _ := types.ObjectValue(constraintsAttrTypes, attrs)
	return obj
}

// taskSetOperation is an apply of a task set in progress: the tasks that exist, or may exist,
// and where they are saved. Every exit saves them, so state holds each task that may exist
// whatever fails.
type taskSetOperation struct {
	client *azurebatch.Client
	data   *providerData
	plan   *azureBatchTaskSetModel
	tasks  taskSet
	state  *tfsdk.State
	diags  *diag.Diagnostics

	timeoutName string // "timeouts.create" or "timeouts.update", for advice
	creating    bool   // an error taints the set
}

func (op *taskSetOperation) jobID() string { return op.plan.JobID.ValueString() }

// save writes the set as it exists, with the plan's own settings.
func (op *taskSetOperation) save(ctx context.Context) {
	state := *op.plan
	state.ID = state.JobID
	state.Tasks = op.tasks.value(op.diags)
	state.Summary = op.tasks.summary(op.diags)
	op.diags.Append(op.state.Set(ctx, &state)...)
}

// keepAdvice tells how to go on after an error without redoing the tasks that are fine.
func (op *taskSetOperation) keepAdvice() string {
	return keepMembersAdvice(op.creating, "task set", "tasks", "adds only the tasks that are missing")
}

// recorded is a planned task as it is saved before the service has been read: without status,
// and without the constraints the service chooses.
func recorded(m taskSetMemberModel) taskSetMemberModel {
	m.State, m.ExitCode, m.Result, m.ETag = types.StringNull(), types.Int64Null(), types.StringNull(), types.StringNull()
	if m.Constraints.IsUnknown() {
		m.Constraints = types.ObjectNull(constraintsAttrTypes)
	} else if !m.Constraints.IsNull() {
		attrs := make(map[string]attr.Value, len(constraintsAttrTypes))
		for name, v := range m.Constraints.Attributes() {
			if attrs[name] = v; v.IsUnknown() {
				attrs[name] = nullOf(constraintsAttrTypes[name])
			}
		}
		m.Constraints, _ = types.ObjectValue(constraintsAttrTypes, attrs)
	}
	return m
}

// addAndSettle adds the tasks toAdd, runs the failed tasks rerun again, reads back these and
// the tasks reread, and waits for the first two (or for every task, with waitAll) when the set
// asks for it.
func (op *taskSetOperation) addAndSettle(ctx context.Context, toAdd taskSet, rerun, reread []string, waitAll bool) {
	ids := sortedMapKeys(toAdd)
	specs := make([]azurebatch.TaskSpec, len(ids))
	for i, id := range ids {
		member := toAdd[id]
		spec, diags := expandTaskSpec(id, &member.taskSpecModel)
		op.diags.Append(diags...)
		if op.diags.HasError() {
			op.save(ctx)
			return
		}
		specs[i] = spec
	}
	var refused, unknown, notSent []string
	if len(specs) > 0 {
		for i, res := range op.client.AddTasks(ctx, op.jobID(), specs) {
			id := ids[i]
			var outcomeUnknown *azurebatch.OutcomeUnknownError
			var conflict *azurebatch.TaskConflictError
			switch {
			case res.Err == nil:
				op.tasks[id] = recorded(toAdd[id])
			case errors.As(res.Err, &outcomeUnknown):
				op.tasks[id] = recorded(toAdd[id])
				unknown = append(unknown, fmt.Sprintf("task %s: %s", id, res.Err))
			case ctx.Err() != nil && errors.Is(res.Err, ctx.Err()):
				notSent = append(notSent, id)
			case errors.As(res.Err, &conflict):
				refused = append(refused, fmt.Sprintf("task %s: %s. To manage it with Terraform, remove it from this set "+
					"and import it as a batchops_azure_batch_task: terraform import <address> %s/%s", id, conflict, conflict.JobID, conflict.ExistingID))
			default:
				refused = append(refused, fmt.Sprintf("task %s: %s", id, describeTaskError(res.Err, op.jobID(), id)))
			}
		}
	}
	for i, err := range op.client.ReactivateTasks(ctx, op.jobID(), rerun) {
		if err != nil {
			refused = append(refused, fmt.Sprintf("task %s (run again): %s", rerun[i], describeTaskError(err, op.jobID(), rerun[i])))
		}
	}
	if len(refused) > 0 || len(unknown) > 0 || len(notSent) > 0 {
		op.save(ctx)
		var b strings.Builder
		if len(notSent) > 0 {
			fmt.Fprintf(&b, "The operation was interrupted or timed out before %d task(s) were added: %s.\n\n", len(notSent), abbreviatedList(notSent, ", "))
		}
		if len(refused) > 0 {
			fmt.Fprintf(&b, "Azure Batch did not take %d task(s):\n  %s\n\n", len(refused), abbreviatedList(refused, "\n  "))
		}
		if len(unknown) > 0 {
			fmt.Fprintf(&b, "The outcome of adding %d task(s) is unknown (the answer never came):\n  %s\n"+
				"They are recorded in state: the next refresh finds each (or forgets it if it does not exist), and "+
				"destroy deletes them.\n\n", len(unknown), abbreviatedList(unknown, "\n  "))
		}
		fmt.Fprintf(&b, "The tasks that were added are kept in state, so that destroy removes them. %s", op.keepAdvice())
		op.diags.AddError("Error adding Azure Batch tasks", b.String())
		return
	}
	tflog.Info(ctx, "added Azure Batch tasks", map[string]any{"job_id": op.jobID(), "added": len(ids), "run_again": len(rerun)})

	started := append(append([]string{}, ids...), rerun...)
	err := refreshTaskSet(ctx, op.client, op.jobID(), op.tasks, append(append([]string{}, started...), reread...))
	if err == nil && op.plan.WaitForCompletion.ValueBool() {
		waited := started
		if waitAll {
			waited = sortedMapKeys(op.tasks)
		}
		err = op.waitCompleted(ctx, waited)
	}
	op.save(ctx)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		op.diags.AddError("Azure Batch tasks did not complete in time", fmt.Sprintf("%s\n\nThe tasks keep running and are in state. "+
			"To wait longer, raise %s. %s", err, op.timeoutName, op.keepAdvice()))
		return
	case err != nil:
		op.diags.AddError("Error reading Azure Batch tasks", describeTaskError(err, op.jobID(), "")+"\n\nThe task set stays in state. "+op.keepAdvice())
		return
	}
	if !op.plan.WaitForCompletion.ValueBool() {
		return
	}
	var failed []string
	for _, id := range sortedMapKeys(op.tasks) {
		if m := op.tasks[id]; m.failed() {
			failed = append(failed, fmt.Sprintf("%s: exit code %s", id, m.ExitCode))
		}
	}
	if len(failed) > 0 {
		op.diags.AddError("Azure Batch tasks failed", fmt.Sprintf("%d task(s) completed with result \"failure\":\n  %s\n\n"+
			"Each task's state, result and exit code are in state, and the tasks that succeeded are kept. The next "+
			"`terraform apply` runs exactly the failed tasks again (Reactivate Task). %s",
			len(failed), abbreviatedList(failed, "\n  "), op.keepAdvice()))
	}
}

// waitCompleted polls List Tasks until the tasks ids have completed.
func (op *taskSetOperation) waitCompleted(ctx context.Context, ids []string) error {
	return op.data.pollMembers(ctx, "Azure Batch tasks to complete", ids, func(id string) (bool, bool) {
		m, ok := op.tasks[id]
		return !ok || m.State.ValueString() == string(azurebatch.TaskStateCompleted), ok && m.failed()
	}, func(ctx context.Context) error {
		return refreshTaskSet(ctx, op.client, op.jobID(), op.tasks, ids)
	}, "tasks completed", "failed")
}

func (r *azureBatchTaskSetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer taskSetIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State)
	plan, ctx, cancel := begin[azureBatchTaskSetModel](ctx, req.Plan.Get, timeouts.Value.Create, taskSetCreateTimeout, &resp.Diagnostics)
	defer cancel()
	client := azureBatchClient(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	toAdd := readTaskSet(plan.Tasks, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	op := &taskSetOperation{client: client, data: r.data, plan: &plan, tasks: taskSet{}, state: &resp.State,
		diags: &resp.Diagnostics, timeoutName: "timeouts.create", creating: true}
	op.addAndSettle(ctx, toAdd, nil, nil, false)
}

func (r *azureBatchTaskSetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer taskSetIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	state, ctx, cancel := begin[azureBatchTaskSetModel](ctx, req.State.Get, timeouts.Value.Read, taskSetReadTimeout, &resp.Diagnostics)
	defer cancel()
	client := azureBatchClient(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	jobID := state.JobID.ValueString()
	var tasks taskSet
	if state.Tasks.IsNull() {
		tasks = r.readImported(ctx, client, jobID, req.Private, &resp.Diagnostics)
		if !resp.Diagnostics.HasError() {
			resp.Diagnostics.Append(resp.Private.SetKey(ctx, importTaskIDsKey, nil)...)
		}
	} else {
		tasks = readTaskSet(state.Tasks, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		err := refreshTaskSet(ctx, client, jobID, tasks, sortedMapKeys(tasks))
		if azurebatch.HasCode(err, "JobNotFound") {
			tflog.Warn(ctx, "the Azure Batch job of the task set no longer exists: removing the set from state", map[string]any{"job_id": jobID})
			resp.State.RemoveResource(ctx)
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Error reading Azure Batch tasks", describeTaskError(err, jobID, ""))
			return
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if len(tasks) == 0 {
		tflog.Warn(ctx, "every task of the Azure Batch task set is gone: removing it from state", map[string]any{"job_id": jobID})
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = state.JobID
	state.Tasks = tasks.value(&resp.Diagnostics)
	state.Summary = tasks.summary(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// readImported builds the set from the service: every task of the job, or the ones the import
// named, each read whole.
func (r *azureBatchTaskSetResource) readImported(ctx context.Context, client *azurebatch.Client, jobID string, private privateState, diags *diag.Diagnostics) taskSet {
	raw, d := private.GetKey(ctx, importTaskIDsKey)
	diags.Append(d...)
	var ids []string
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &ids); err != nil {
			diags.AddError("Unreadable import task ids", "The imported task set's task ids do not decode. This is a bug in the provider; please report it.")
			return nil
		}
	}
	listed, err := client.ListTasksByID(ctx, jobID, ids, nil)
	if err != nil {
		diags.AddError("Error reading Azure Batch tasks", describeTaskError(err, jobID, ""))
		return nil
	}
	found := byFoldedID(listed)
	if len(ids) == 0 {
		for _, t := range listed {
			ids = append(ids, deref(t.ID))
		}
	}
	tasks := make(taskSet, len(ids))
	for _, id := range ids {
		t, ok := found[strings.ToLower(id)]
		switch {
		case !ok:
			diags.AddError("Azure Batch task not found", fmt.Sprintf("Task %s does not exist in job %s.", id, jobID))
			return nil
		case t.MultiInstanceSettings != nil:
			diags.AddError("Multi-instance task in a task set", fmt.Sprintf("Task %s/%s is a multi-instance task, which a task "+
				"set does not hold. Import it as a batchops_azure_batch_task, and the others by their ids: job_id/task_id,task_id,...", jobID, id))
			return nil
		}
		m := taskSetMemberModel{taskSpecModel: flattenTaskSpec(t, &taskSpecModel{}, false, diags)}
		m.setStatus(t, diags)
		tasks[deref(t.ID)] = m
	}
	return tasks
}

func (r *azureBatchTaskSetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer taskSetIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	var plan, state azureBatchTaskSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := azureBatchClient(r.data, &resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, taskSetUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	prior := readTaskSet(state.Tasks, &resp.Diagnostics)
	planned := readTaskSet(plan.Tasks, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	jobID := plan.JobID.ValueString()
	op := &taskSetOperation{client: client, data: r.data, plan: &plan, tasks: prior, state: &resp.State,
		diags: &resp.Diagnostics, timeoutName: "timeouts.update"}

	var gone, rerun []string
	var updates []azurebatch.ConstraintsUpdate
	toAdd := taskSet{}
	for _, id := range sortedMapKeys(prior) {
		p := prior[id]
		m, kept := planned[id]
		switch {
		case !kept || !sameTaskSpec(m, p):
			gone = append(gone, id)
		case p.pending():
			toAdd[id] = m // an add whose outcome a refresh has not settled: adopted if it exists
		case !sameConstraints(m.Constraints, p.Constraints):
			want, d := expandConstraints(m.Constraints)
			resp.Diagnostics.Append(d...)
			seen, d := expandConstraints(p.Constraints)
			resp.Diagnostics.Append(d...)
			if resp.Diagnostics.HasError() {
				return
			}
			updates = append(updates, azurebatch.ConstraintsUpdate{TaskID: id, Want: *want, Seen: seen, ETag: p.ETag.ValueString()})
		}
		if kept && !p.pending() && plan.WaitForCompletion.ValueBool() && p.failed() && sameTaskSpec(m, p) {
			rerun = append(rerun, id)
		}
	}
	for id, m := range planned {
		if p, exists := prior[id]; !exists || !sameTaskSpec(m, p) {
			toAdd[id] = m
		}
	}

	var failures []string
	for i, err := range client.DeleteTasks(ctx, jobID, gone) {
		if err != nil {
			failures = append(failures, fmt.Sprintf("delete task %s: %s", gone[i], describeTaskError(err, jobID, gone[i])))
			delete(toAdd, gone[i]) // not replaced: its old self is still there
			continue
		}
		delete(op.tasks, gone[i])
	}
	var reread []string
	for i, err := range client.UpdateManyConstraints(ctx, jobID, updates) {
		id := updates[i].TaskID
		var changed *azurebatch.ConstraintsChangedError
		switch {
		case errors.As(err, &changed):
			failures = append(failures, fmt.Sprintf("update the constraints of task %s: they were changed outside Terraform "+
				"since they were last read; run terraform apply again to review the change", id))
		case err != nil:
			failures = append(failures, fmt.Sprintf("update the constraints of task %s: %s", id, describeTaskError(err, jobID, id)))
		default:
			reread = append(reread, id)
		}
	}
	if len(failures) > 0 {
		op.save(ctx)
		resp.Diagnostics.AddError("Error updating Azure Batch tasks", fmt.Sprintf("%d change(s) failed:\n  %s\n\n%s",
			len(failures), abbreviatedList(failures, "\n  "), op.keepAdvice()))
		return
	}
	waitAll := plan.WaitForCompletion.ValueBool() && !state.WaitForCompletion.ValueBool()
	op.addAndSettle(ctx, toAdd, rerun, reread, waitAll)
}

func (r *azureBatchTaskSetResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := begin[azureBatchTaskSetModel](ctx, req.State.Get, timeouts.Value.Delete, taskSetDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	client := azureBatchClient(r.data, &resp.Diagnostics)
	tasks := readTaskSet(state.Tasks, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	jobID, ids := state.JobID.ValueString(), sortedMapKeys(tasks)
	var failures []string
	for i, err := range client.DeleteTasks(ctx, jobID, ids) {
		if err != nil {
			failures = append(failures, fmt.Sprintf("task %s: %s", ids[i], describeTaskError(err, jobID, ids[i])))
			continue
		}
		delete(tasks, ids[i])
	}
	if len(failures) == 0 {
		tflog.Info(ctx, "deleted Azure Batch tasks", map[string]any{"job_id": jobID, "count": len(ids)})
		return
	}
	// What is left stays in state, so the next destroy deletes only that.
	state.Tasks = tasks.value(&resp.Diagnostics)
	state.Summary = tasks.summary(&resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.AddError("Error deleting Azure Batch tasks", fmt.Sprintf("%d of %d task(s) were not deleted:\n  %s\n\n"+
		"They stay in state; the others are gone.", len(failures), len(ids), abbreviatedList(failures, "\n  ")))
}

func (r *azureBatchTaskSetResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := taskSetIdentity.importID(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	jobID, list, hasList := strings.Cut(id, "/")
	var ids []string
	valid := azurebatch.CheckID(jobID) == nil && (!hasList || list != "")
	if hasList {
		ids = strings.Split(list, ",")
	}
	for _, id := range ids {
		valid = valid && azurebatch.CheckID(id) == nil
	}
	if !valid {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Expected \"job_id\" (every task of the job) or "+
			"\"job_id/task_id,task_id,...\", where each id %s; got %q.", azurebatch.IDRule, id))
		return
	}
	raw, _ := json.Marshal(ids)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), jobID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("job_id"), jobID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for_completion"), false)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importTaskIDsKey, raw)...)
}
