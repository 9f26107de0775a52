package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

var (
	_ resource.Resource                = (*mrsJobSetResource)(nil)
	_ resource.ResourceWithConfigure   = (*mrsJobSetResource)(nil)
	_ resource.ResourceWithImportState = (*mrsJobSetResource)(nil)
	_ resource.ResourceWithIdentity    = (*mrsJobSetResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*mrsJobSetResource)(nil)
)

const (
	jobSetCreateTimeout = 60 * time.Minute
	jobSetReadTimeout   = 5 * time.Minute
	jobSetUpdateTimeout = 60 * time.Minute
	jobSetDeleteTimeout = 30 * time.Minute

	importIDsKey = "import_job_ids"
)

// NewMRSJobSetResource is the batchops_mrs_job_set resource.
func NewMRSJobSetResource() resource.Resource {
	return &mrsJobSetResource{}
}

type mrsJobSetResource struct {
	data *providerData
}

func (r *mrsJobSetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mrs_job_set"
}

func (r *mrsJobSetResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A set of MRS jobs on a cluster, keyed by job name. `terraform apply` submits each job; a " +
			"change submits added jobs, deletes removed ones and replaces changed ones, leaving the others alone. " +
			"`terraform destroy` kills the jobs that still run, waits until they have stopped, then deletes every job " +
			"of the set with `POST .../job-executions/batch-delete`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`cluster_id/job_id,job_id,...` (the job ids in job-name order), the import ID.",
				Computed:            true,
			},
			"cluster_id": schema.StringAttribute{
				MarkdownDescription: "Id of the MRS cluster.",
				Required:            true,
				Validators:          []validator.String{ruleValidator(mrs.NameRule, mrs.CheckClusterID)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"jobs": schema.MapNestedAttribute{
				MarkdownDescription: "The jobs, keyed by job name (1 to 64 letters, digits, `-` and `_`).",
				Required:            true,
				Validators: []validator.Map{
					mapvalidator.SizeAtLeast(1),
					mapvalidator.KeysAre(ruleValidator("job names "+mrs.NameRule, mrs.CheckJobName)),
				},
				PlanModifiers: []planmodifier.Map{plannedByResource{}},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						MarkdownDescription: "`MapReduce`, `SparkSubmit`, `HiveScript`, `HiveSql`, `DistCp`, `SparkScript`, `SparkSql` or `Flink`.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.OneOf(mrs.JobTypes...)},
					},
					"arguments": schema.ListAttribute{
						MarkdownDescription: "Arguments of the program, e.g. `[\"obs://bucket/prog.jar\", \"wordcount\", \"obs://bucket/in\", \"obs://bucket/out\"]` " +
							"for MapReduce. None may contain `; | & > ' < $ ! \\ \"`, nor `, ` (the service's list form could not be read back).",
						Optional:    true,
						ElementType: types.StringType,
						Validators:  []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(ruleValidator(mrs.ArgumentRule, mrs.CheckArgument))},
					},
					"properties": schema.MapAttribute{
						MarkdownDescription: "Program system parameters, e.g. `{ \"fs.obs.endpoint\" = \"obs.cn-north-4.myhuaweicloud.com\" }`. " +
							"Keys and values may not contain ``> < | ' ` & ! \\``.",
						Optional:    true,
						ElementType: types.StringType,
						Validators: []validator.Map{mapvalidator.SizeAtLeast(1),
							mapvalidator.KeysAre(ruleValidator(mrs.PropertyKeyRule, mrs.CheckPropertyKey)),
							mapvalidator.ValueStringsAre(ruleValidator(mrs.PropertyValueRule, mrs.CheckPropertyValue))},
					},
					"id":       schema.StringAttribute{MarkdownDescription: "Job id.", Computed: true},
					"state":    schema.StringAttribute{MarkdownDescription: "`job_state`: `NEW`, `SUBMITTED`, `ACCEPTED`, `RUNNING`, `FINISHED`, `FAILED` or `KILLED`.", Computed: true},
					"result":   schema.StringAttribute{MarkdownDescription: "`job_result`: `UNDEFINED` (not done), `SUCCEEDED`, `FAILED` or `KILLED`. It, not `state`, tells success.", Computed: true},
					"progress": schema.Float64Attribute{MarkdownDescription: "Progress in percent.", Computed: true},
				}},
			},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: "Wait, within the create or update timeout, until every new job is terminal; jobs whose " +
					"`result` is not `SUCCEEDED` are then an error naming them (the set stays in state), and the next apply " +
					"resubmits exactly those jobs. Default `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"kill_on_destroy": schema.BoolAttribute{
				MarkdownDescription: "Kill jobs that still run before deleting them on destroy. With `false`, destroy fails while a job runs (the service refuses to delete it). Default `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
			"job_ids": schema.MapAttribute{
				MarkdownDescription: "Job ids by job name.",
				Computed:            true,
				ElementType:         types.StringType,
			},
			"summary": schema.MapAttribute{
				MarkdownDescription: "Number of jobs in each `state`.",
				Computed:            true,
				ElementType:         types.Int64Type,
			},
		},
	}
	resp.Schema.Attributes = withFixedTypes(resp.Schema.Attributes) // cheap type look-ups in the framework
}

// jobSetIdentity is the job set's identity: its cluster. A set has no object of its own on the
// service, only its jobs, and those change: an added job or a replaced one (a new job id) would
// change an identity built from job names or ids, which must stay as it is while the resource
// lives. The cluster does stay. Importing by identity therefore adopts every job of the cluster,
// as the task set's identity (its job) adopts every task of the job and as the import ID
// "cluster_id" does; "cluster_id/job_id,..." picks jobs. The plan that follows the import
// shows which of them the configuration would delete.
var jobSetIdentity = identityFields{
	{name: "cluster_id", state: path.Root("cluster_id"), description: "Id of the MRS cluster. Importing by identity adopts every job of the cluster " +
		"(their names must differ); the plan then shows which of them the configuration would delete."},
}

func (r *mrsJobSetResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = jobSetIdentity.schema()
}

func (r *mrsJobSetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan plans the jobs as configured, keeping the service's values for jobs that stay as
// they are, so a plan shows exactly which jobs are submitted, deleted or replaced. With
// wait_for_completion, a job that ended without success is planned for resubmission: the set
// promises jobs that succeed.
func (r *mrsJobSetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if r.data != nil {
		r.data.mrs.checkPlan(&resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	// jobs are planned here, from the configuration (plannedByResource left them unknown).
	var plan, state mrsJobSetModel
	var configured types.Map
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("jobs"), &configured)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() || configured.IsUnknown() {
		return // jobs built from values known only after apply: Terraform plans again then
	}
	planned, diags := readJobSet(ctx, configured)
	resp.Diagnostics.Append(diags...)
	prior, diags := readJobSet(ctx, state.Jobs)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resubmitFailed := plan.WaitForCompletion.ValueBool() || plan.WaitForCompletion.IsUnknown()
	changed := len(planned) != len(prior)
	for name, job := range planned {
		p, ok := prior[name]
		if ok && !p.recorded() && sameJobSpec(job, p) && !(resubmitFailed && p.failed()) {
			job.ID, job.State, job.Result, job.Progress = p.ID, p.State, p.Result, p.Progress
		} else {
			// Said explicitly: for an unchanged configuration Terraform proposes the prior
			// values, which would hide a resubmission.
			job.ID, job.State, job.Result, job.Progress = types.StringUnknown(), types.StringUnknown(), types.StringUnknown(), types.Float64Unknown()
			changed = true
		}
		planned[name] = job
	}
	if changed {
		plan.ID, plan.JobIDs, plan.Summary = types.StringUnknown(), types.MapUnknown(types.StringType), types.MapUnknown(types.Int64Type)
	} else {
		plan.ID, plan.JobIDs, plan.Summary = state.ID, state.JobIDs, state.Summary
	}
	plan.Jobs, diags = planned.value(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// sameJobSpec compares what defines a job: its type, arguments and properties. A value not
// known yet differs from any known one.
func sameJobSpec(a, b mrsJobModel) bool {
	return a.Type.Equal(b.Type) && a.Arguments.Equal(b.Arguments) && a.Properties.Equal(b.Properties)
}

func jobSpec(name string, j mrsJobModel) mrs.JobSpec {
	spec := mrs.JobSpec{Name: name, Type: j.Type.ValueString(), Arguments: listStrings(j.Arguments)}
	if props := mapStrings(j.Properties); len(props) > 0 {
		spec.Properties = props
	}
	return spec
}

func (r *mrsJobSetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer jobSetIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State)
	var plan mrsJobSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := mrsClient(r.data, &resp.Diagnostics)
	timeout, diags := plan.Timeouts.Create(ctx, jobSetCreateTimeout)
	resp.Diagnostics.Append(diags...)
	toSubmit, diags := readJobSet(ctx, plan.Jobs)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !mrsProjectKnown(ctx, client, &resp.Diagnostics) {
		return
	}
	op := jobSetOperation{client: client, plan: &plan, jobs: jobSet{}, pending: map[string]time.Time{},
		state: &resp.State, private: resp.Private, diags: &resp.Diagnostics,
		timeoutName: "timeouts.create", timeout: timeout, creating: true}
	r.submitAndSettle(ctx, &op, toSubmit)
}

// submitAndSettle submits the given jobs, reads them back and waits when asked.
func (r *mrsJobSetResource) submitAndSettle(ctx context.Context, op *jobSetOperation, toSubmit jobSet) {
	cluster := op.plan.ClusterID.ValueString()
	names := sortedMapKeys(toSubmit)
	specs := make([]mrs.JobSpec, len(names))
	for i, name := range names {
		specs[i] = jobSpec(name, toSubmit[name])
	}
	submitted := map[string]string{}
	var refused, unknown, notSent []string
	for i, res := range op.client.SubmitAll(ctx, cluster, specs) {
		name, job := names[i], toSubmit[names[i]]
		var outcomeUnknown *mrs.OutcomeUnknownError
		switch {
		case res.Err == nil || res.ID != "":
			// An id with an error is a job record the service made but did not run: it is
			// recorded so that destroy deletes it, and reported below.
			job.ID, job.State, job.Result, job.Progress = types.StringValue(res.ID), types.StringValue("NEW"), types.StringValue("UNDEFINED"), types.Float64Value(0)
			submitted[name] = res.ID
		case errors.As(res.Err, &outcomeUnknown):
			job.ID, job.State, job.Result, job.Progress = types.StringNull(), types.StringNull(), types.StringNull(), types.Float64Null()
			op.pending[name] = outcomeUnknown.Since
		}
		if res.Err == nil || res.ID != "" || outcomeUnknown != nil {
			op.jobs[name] = job
		}
		switch {
		case outcomeUnknown != nil:
			unknown = append(unknown, fmt.Sprintf("job %s: %s", name, describeMRSError(res.Err)))
		case res.ID == "" && ctx.Err() != nil && errors.Is(res.Err, ctx.Err()):
			notSent = append(notSent, name)
		case res.Err != nil:
			refused = append(refused, fmt.Sprintf("job %s: %s", name, describeMRSError(res.Err)))
		}
	}
	if len(refused) > 0 || len(unknown) > 0 || len(notSent) > 0 {
		op.save(ctx)
		var b strings.Builder
		if len(notSent) > 0 {
			fmt.Fprintf(&b, "The operation was interrupted or timed out before %d job(s) were submitted: %s.\n\n", len(notSent), abbreviatedList(notSent, ", "))
		}
		if len(refused) > 0 {
			fmt.Fprintf(&b, "MRS did not accept these jobs:\n  %s\n\n", strings.Join(refused, "\n  "))
		}
		if len(unknown) > 0 {
			fmt.Fprintf(&b, "The outcome of these submissions is unknown (the answer never came):\n  %s\n"+
				"They are recorded in state: the next refresh looks each up by name and submit time, so that apply "+
				"or destroy finds it.\n\n", strings.Join(unknown, "\n  "))
		}
		fmt.Fprintf(&b, "%d job(s) were submitted and are kept in state, so that destroy removes them. %s", len(submitted), op.keepAdvice())
		op.diags.AddError("Error submitting MRS jobs", b.String())
		return
	}
	tflog.Info(ctx, "submitted MRS jobs", map[string]any{"cluster_id": cluster, "count": len(submitted)})

	// Only the new jobs are read: the others keep the values the plan showed.
	err := refreshJobs(ctx, op.client, cluster, op.jobs, submitted)
	if err == nil && op.plan.WaitForCompletion.ValueBool() && len(submitted) > 0 {
		err = r.waitTerminal(ctx, op.client, cluster, op.jobs, submitted)
	}
	op.save(ctx)
	var waitErr *wait.WaitError
	switch {
	case errors.As(err, &waitErr):
		op.diags.AddError("MRS jobs did not finish in time", describeUnfinished(op.jobs, submitted, waitErr, op.timeoutName, op.timeout)+"\n\n"+op.keepAdvice())
		return
	case err != nil:
		op.diags.AddError("Error reading MRS jobs", describeMRSError(err)+"\n\nThe job set stays in state. "+op.keepAdvice())
		return
	}
	if !op.plan.WaitForCompletion.ValueBool() {
		return
	}
	var failed []string
	for _, name := range sortedMapKeys(submitted) {
		if job := op.jobs[name]; job.failed() {
			failed = append(failed, fmt.Sprintf("%s (id %s): state %s, result %s", name, job.ID.ValueString(), job.State.ValueString(), job.Result.ValueString()))
		}
	}
	if len(failed) > 0 {
		op.diags.AddError("MRS jobs did not succeed", fmt.Sprintf("%d of %d job(s) ended without result SUCCEEDED:\n  %s\n\n"+
			"Each job's state and result are in state, and the jobs that succeeded are kept. %s",
			len(failed), len(submitted), strings.Join(failed, "\n  "), op.keepAdvice()))
	}
}

// waitTerminal polls until the named jobs are terminal, logging progress at INFO.
func (r *mrsJobSetResource) waitTerminal(ctx context.Context, client *mrs.Client, cluster string, jobs jobSet, names map[string]string) error {
	return r.data.pollMembers(ctx, "MRS jobs to finish", sortedMapKeys(names), func(name string) (bool, bool) {
		job, ok := jobs[name]
		return !ok || mrs.IsTerminal(job.State.ValueString()), ok && job.failed()
	}, func(ctx context.Context) error {
		return refreshJobs(ctx, client, cluster, jobs, names)
	}, "jobs finished", "without success")
}

func (r *mrsJobSetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer jobSetIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	state, ctx, cancel := begin[mrsJobSetModel](ctx, req.State.Get, timeouts.Value.Read, jobSetReadTimeout, &resp.Diagnostics)
	defer cancel()
	client := mrsClient(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.Jobs.IsNull() {
		r.readImported(ctx, client, &state, req, resp)
		return
	}
	jobs, pending, ok := settledJobs(ctx, client, &state, req.Private, "Error reading MRS jobs", &resp.Diagnostics)
	if !ok {
		return
	}
	cluster := state.ClusterID.ValueString()
	if err := refreshJobs(ctx, client, cluster, jobs, nil); err != nil {
		resp.Diagnostics.AddError("Error reading MRS jobs", describeMRSError(err))
		return
	}
	if len(jobs) == 0 {
		tflog.Warn(ctx, "every job of the MRS job set is gone: removing it from state", map[string]any{"cluster_id": cluster})
		resp.State.RemoveResource(ctx)
		return
	}
	var diags diag.Diagnostics
	state.Jobs, diags = jobs.value(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	finishJobSetState(ctx, &state, jobs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(setPendingSubmits(ctx, resp.Private, pending)...)
}

// readImported builds the set from the job ids given to import, or from every job of the cluster
// when none were given, reading each job's type, arguments and properties back from the
// service's string forms.
func (r *mrsJobSetResource) readImported(ctx context.Context, client *mrs.Client, state *mrsJobSetModel, req resource.ReadRequest, resp *resource.ReadResponse) {
	raw, diags := req.Private.GetKey(ctx, importIDsKey)
	resp.Diagnostics.Append(diags...)
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil || ids == nil {
		resp.Diagnostics.AddError("Missing job ids", "The imported job set has no job ids. This is a bug in the provider; please report it.")
		return
	}
	cluster := state.ClusterID.ValueString()
	var found map[string]mrs.Job
	var err error
	if len(ids) > 0 {
		found, err = client.Jobs(ctx, cluster, ids)
	} else {
		found = map[string]mrs.Job{}
		err = client.ListJobs(ctx, cluster, mrs.ListFilter{SortBy: "asc"}, func(job mrs.Job) error {
			found[job.ID] = job
			ids = append(ids, job.ID)
			return nil
		})
		if err == nil && len(ids) == 0 {
			resp.Diagnostics.AddError("No MRS jobs to import", fmt.Sprintf("Cluster %s has no jobs.", cluster))
			return
		}
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading MRS jobs", describeMRSError(err))
		return
	}
	jobs := jobSet{}
	for _, id := range ids {
		job, ok := found[id]
		if !ok {
			resp.Diagnostics.AddError("MRS job not found", fmt.Sprintf("Job %s does not exist on cluster %s.", id, state.ClusterID.ValueString()))
			return
		}
		if _, dup := jobs[job.Name]; dup {
			resp.Diagnostics.AddError("Duplicate job name", fmt.Sprintf("Two of the imported jobs are named %q; a job set is keyed by job name. "+
				"Import the jobs by their ids instead: %s/job_id,job_id,...", job.Name, cluster))
			return
		}
		m := mrsJobModel{Type: types.StringValue(job.Type), Arguments: types.ListNull(types.StringType), Properties: types.MapNull(types.StringType),
			ID: types.StringValue(job.ID), State: types.StringValue(job.State), Result: types.StringValue(job.Result), Progress: types.Float64Value(job.Progress)}
		if len(job.Arguments) > 0 {
			m.Arguments = stringList(job.Arguments)
		}
		if len(job.Properties) > 0 {
			m.Properties = stringMap(job.Properties)
		}
		jobs[job.Name] = m
	}
	state.Jobs, diags = jobs.value(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	finishJobSetState(ctx, state, jobs)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importIDsKey, nil)...)
}

func (r *mrsJobSetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer jobSetIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	var plan, state mrsJobSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := mrsClient(r.data, &resp.Diagnostics)
	timeout, diags := plan.Timeouts.Update(ctx, jobSetUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	jobs, pending, diags := existingJobs(ctx, state.Jobs, req.Private)
	resp.Diagnostics.Append(diags...)
	planned, diags := readJobSet(ctx, plan.Jobs)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !mrsProjectKnown(ctx, client, &resp.Diagnostics) {
		return
	}
	op := jobSetOperation{client: client, plan: &plan, jobs: jobs, pending: pending,
		state: &resp.State, private: resp.Private, diags: &resp.Diagnostics,
		timeoutName: "timeouts.update", timeout: timeout}
	cluster := plan.ClusterID.ValueString()

	// Submissions left unresolved by an interrupted apply are settled first (a refresh has
	// done it already, unless it was skipped).
	if err := resolvePending(ctx, client, cluster, jobs, pending); err != nil {
		op.save(ctx)
		resp.Diagnostics.AddError("Error reading MRS jobs", describeMRSError(err))
		return
	}
	gone, toSubmit := jobSet{}, jobSet{}
	for name, job := range jobs {
		if p, ok := planned[name]; !ok || !sameJobSpec(p, job) || plan.WaitForCompletion.ValueBool() && job.failed() {
			gone[name] = job
		}
	}
	for name, job := range planned {
		_, exists := jobs[name]
		_, replaced := gone[name]
		if !exists || replaced {
			toSubmit[name] = job
		}
	}
	if len(gone) > 0 {
		deleted, err := r.deleteJobs(ctx, client, cluster, gone, true)
		for _, name := range deleted {
			delete(jobs, name)
		}
		if err != nil {
			op.save(ctx)
			resp.Diagnostics.AddError("Error deleting MRS jobs", describeMRSError(err))
			return
		}
	}
	r.submitAndSettle(ctx, &op, toSubmit)
}

// deleteJobs deletes the jobs (killing those that still run, when kill is set) and returns the
// names of the jobs that are gone.
func (r *mrsJobSetResource) deleteJobs(ctx context.Context, client *mrs.Client, cluster string, jobs jobSet, kill bool) ([]string, error) {
	names := sortedMapKeys(jobs)
	refs := make([]mrs.JobRef, len(names))
	var running []string
	for i, name := range names {
		refs[i] = mrs.JobRef{Name: name, ID: jobs[name].ID.ValueString(), State: jobs[name].State.ValueString()}
		if !mrs.IsTerminal(refs[i].State) {
			running = append(running, name)
		}
	}
	if err := client.DeleteJobs(ctx, cluster, refs, kill, r.data.pollOptions(ctx, "killed MRS jobs to stop")); err != nil {
		if mrs.IsJobRunning(err) && !kill {
			return nil, fmt.Errorf("%w\n\nkill_on_destroy is false and jobs still run (%s): wait for them or set kill_on_destroy = true", err, strings.Join(running, ", "))
		}
		return nil, err
	}
	tflog.Info(ctx, "deleted MRS jobs", map[string]any{"cluster_id": cluster, "count": len(refs), "killed": len(running)})
	return names, nil
}

func (r *mrsJobSetResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := begin[mrsJobSetModel](ctx, req.State.Get, timeouts.Value.Delete, jobSetDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	client := mrsClient(r.data, &resp.Diagnostics)
	// With -refresh=false, submissions an interrupted apply left unresolved are looked up here.
	jobs, _, ok := settledJobs(ctx, client, &state, req.Private, "Error deleting MRS jobs", &resp.Diagnostics)
	if !ok || len(jobs) == 0 {
		return
	}
	if _, err := r.deleteJobs(ctx, client, state.ClusterID.ValueString(), jobs, state.KillOnDestroy.ValueBool()); err != nil {
		resp.Diagnostics.AddError("Error deleting MRS jobs", describeMRSError(err))
	}
}

func (r *mrsJobSetResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID, ok := jobSetIdentity.importID(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	cluster, list, hasList := strings.Cut(importID, "/")
	ids := []string{} // none: every job of the cluster
	if hasList {
		ids = strings.Split(list, ",")
	}
	valid := mrs.CheckClusterID(cluster) == nil && (!hasList || list != "")
	for _, id := range ids {
		valid = valid && mrs.CheckJobID(id) == nil
	}
	if !valid {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Expected \"cluster_id\" (every job of the cluster) or \"cluster_id/job_id,job_id,...\"; got %q.", importID))
		return
	}
	raw, _ := json.Marshal(ids)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), importID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cluster_id"), cluster)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for_completion"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("kill_on_destroy"), true)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importIDsKey, raw)...)
}

// describeMRSError turns client errors into advice a user can act on.
func describeMRSError(err error) string {
	if mrs.IsAuthFailure(err) {
		return "MRS rejected the credentials. Check mrs.access_key, mrs.secret_key and mrs.project_id " +
			"(HW_ACCESS_KEY / HW_SECRET_KEY / HW_PROJECT_ID), and mrs.security_token for temporary credentials.\n\nOriginal Error: " + err.Error()
	}
	return err.Error()
}
