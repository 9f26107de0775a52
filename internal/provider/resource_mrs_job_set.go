package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
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
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

var (
	_ resource.Resource                = (*mrsJobSetResource)(nil)
	_ resource.ResourceWithConfigure   = (*mrsJobSetResource)(nil)
	_ resource.ResourceWithImportState = (*mrsJobSetResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*mrsJobSetResource)(nil)
)

const (
	jobSetCreateTimeout = 60 * time.Minute
	jobSetReadTimeout   = 5 * time.Minute
	jobSetUpdateTimeout = 60 * time.Minute
	jobSetDeleteTimeout = 30 * time.Minute

	// submitConcurrency bounds the submits (and kills) in flight for one job set.
	submitConcurrency = 8
	// listThreshold: sets larger than this are read with the job list, not one GET per job.
	listThreshold = 3
	importIDsKey  = "import_job_ids"
)

var (
	mrsJobTypes     = []string{"MapReduce", "SparkSubmit", "HiveScript", "HiveSql", "DistCp", "SparkScript", "SparkSql", "Flink"}
	mrsNamePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	mrsNameRule     = "must be 1 to 64 letters, digits, hyphens (-) and underscores (_)"
	rfc3339Pattern  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
	mrsJobIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// NewMRSJobSetResource is the batchops_mrs_job_set resource.
func NewMRSJobSetResource() resource.Resource {
	return &mrsJobSetResource{}
}

type mrsJobSetResource struct {
	data *providerData
}

type mrsJobSetModel struct {
	ID                types.String           `tfsdk:"id"`
	ClusterID         types.String           `tfsdk:"cluster_id"`
	Jobs              map[string]mrsJobModel `tfsdk:"jobs"`
	WaitForCompletion types.Bool             `tfsdk:"wait_for_completion"`
	KillOnDestroy     types.Bool             `tfsdk:"kill_on_destroy"`
	Timeouts          timeouts.Value         `tfsdk:"timeouts"`
	JobIDs            types.Map              `tfsdk:"job_ids"`
	Summary           types.Map              `tfsdk:"summary"`
}

type mrsJobModel struct {
	Type       types.String            `tfsdk:"type"`
	Arguments  []types.String          `tfsdk:"arguments"`
	Properties map[string]types.String `tfsdk:"properties"`
	ID         types.String            `tfsdk:"id"`
	State      types.String            `tfsdk:"state"`
	Result     types.String            `tfsdk:"result"`
	Progress   types.Float64           `tfsdk:"progress"`
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
				Validators:          []validator.String{stringvalidator.RegexMatches(mrsNamePattern, mrsNameRule)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"jobs": schema.MapNestedAttribute{
				MarkdownDescription: "The jobs, keyed by job name (1 to 64 letters, digits, `-` and `_`).",
				Required:            true,
				Validators: []validator.Map{
					mapvalidator.SizeAtLeast(1),
					mapvalidator.KeysAre(stringvalidator.RegexMatches(mrsNamePattern, "job names "+mrsNameRule)),
				},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						MarkdownDescription: "`MapReduce`, `SparkSubmit`, `HiveScript`, `HiveSql`, `DistCp`, `SparkScript`, `SparkSql` or `Flink`.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.OneOf(mrsJobTypes...)},
					},
					"arguments": schema.ListAttribute{
						MarkdownDescription: "Arguments of the program, e.g. `[\"obs://bucket/prog.jar\", \"wordcount\", \"obs://bucket/in\", \"obs://bucket/out\"]` " +
							"for MapReduce. None may contain `; | & > ' < $ ! \\ \"`, nor `, ` (the service's list form could not be read back).",
						Optional:    true,
						ElementType: types.StringType,
						Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(
							stringvalidator.RegexMatches(regexp.MustCompile(`^[^;|&>'<$!\\"]*$`), "must not contain ; | & > ' < $ ! \\ or \""),
							stringvalidator.RegexMatches(regexp.MustCompile(`^(?:[^,]|,[^ ])*,?$`), "must not contain \", \" (comma and space)"),
						)},
					},
					"properties": schema.MapAttribute{
						MarkdownDescription: "Program system parameters, e.g. `{ \"fs.obs.endpoint\" = \"obs.cn-north-4.myhuaweicloud.com\" }`. " +
							"Keys and values may not contain ``> < | ' ` & ! \\``.",
						Optional:    true,
						ElementType: types.StringType,
						Validators: []validator.Map{mapvalidator.SizeAtLeast(1),
							mapvalidator.KeysAre(stringvalidator.RegexMatches(regexp.MustCompile("^[^><|'`&!\\\\=, ]+$"), "must be a key without > < | ' ` & ! \\ = , or spaces")),
							mapvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile("^[^><|'`&!\\\\]*$"), "must not contain > < | ' ` & ! or \\"))},
					},
					"id":       schema.StringAttribute{MarkdownDescription: "Job id.", Computed: true},
					"state":    schema.StringAttribute{MarkdownDescription: "`job_state`: `NEW`, `SUBMITTED`, `ACCEPTED`, `RUNNING`, `FINISHED`, `FAILED` or `KILLED`.", Computed: true},
					"result":   schema.StringAttribute{MarkdownDescription: "`job_result`: `UNDEFINED` (not done), `SUCCEEDED`, `FAILED` or `KILLED`. It, not `state`, tells success.", Computed: true},
					"progress": schema.Float64Attribute{MarkdownDescription: "Progress in percent.", Computed: true},
				}},
			},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: "Wait, within the create or update timeout, until every new job is terminal; jobs whose " +
					"`result` is not `SUCCEEDED` are then an error naming them (the set stays in state). Default `false`.",
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
}

func (r *mrsJobSetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan keeps the service's values for jobs that do not change, so a plan shows exactly
// which jobs are submitted, deleted or replaced.
func (r *mrsJobSetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if r.data != nil {
		mrsClient(r.data, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if req.State.Raw.IsNull() || !req.Plan.Raw.IsFullyKnown() && !jobsKnown(ctx, req.Plan) {
		return
	}
	var plan, state mrsJobSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	changed := len(plan.Jobs) != len(state.Jobs)
	for name, job := range plan.Jobs {
		prior, ok := state.Jobs[name]
		if ok && sameJobSpec(job, prior) {
			job.ID, job.State, job.Result, job.Progress = prior.ID, prior.State, prior.Result, prior.Progress
		} else {
			changed = true
		}
		plan.Jobs[name] = job
	}
	if !changed {
		plan.ID, plan.JobIDs, plan.Summary = state.ID, state.JobIDs, state.Summary
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// jobsKnown reports whether the planned jobs map is known (other values may still be unknown).
func jobsKnown(ctx context.Context, plan tfsdk.Plan) bool {
	var jobs types.Map
	diags := plan.GetAttribute(ctx, path.Root("jobs"), &jobs)
	return !diags.HasError() && !jobs.IsUnknown()
}

// sameJobSpec compares what defines a job: its type, arguments and properties.
func sameJobSpec(a, b mrsJobModel) bool {
	sa, sb := jobSpec("", a), jobSpec("", b)
	ja, _ := json.Marshal(sa)
	jb, _ := json.Marshal(sb)
	return string(ja) == string(jb)
}

func jobSpec(name string, j mrsJobModel) mrs.JobSpec {
	spec := mrs.JobSpec{Name: name, Type: j.Type.ValueString()}
	for _, a := range j.Arguments {
		spec.Arguments = append(spec.Arguments, a.ValueString())
	}
	if len(j.Properties) > 0 {
		spec.Properties = map[string]string{}
		for k, v := range j.Properties {
			spec.Properties[k] = v.ValueString()
		}
	}
	return spec
}

func (r *mrsJobSetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan mrsJobSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := mrsClient(r.data, &resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, jobSetCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	state := plan
	state.Jobs = map[string]mrsJobModel{}
	r.submitAndSettle(ctx, client, &plan, &state, plan.Jobs, &resp.State, &resp.Diagnostics)
}

// submitAndSettle submits the given jobs, refreshes the set and waits when asked. state holds
// what exists and is saved whatever happens, so a partial failure leaves every submitted job
// in state (the resource is then tainted) for destroy to remove.
func (r *mrsJobSetResource) submitAndSettle(ctx context.Context, client *mrs.Client, plan, state *mrsJobSetModel, jobs map[string]mrsJobModel, out *tfsdk.State, diags *diag.Diagnostics) {
	cluster := state.ClusterID.ValueString()
	submitted, failures := submitJobs(ctx, client, cluster, jobs)
	for name, id := range submitted {
		job := jobs[name]
		job.ID, job.State, job.Result, job.Progress = types.StringValue(id), types.StringValue("NEW"), types.StringValue("UNDEFINED"), types.Float64Value(0)
		state.Jobs[name] = job
	}
	if len(failures) > 0 {
		finishJobSetState(ctx, state)
		diags.Append(out.Set(ctx, state)...)
		diags.AddError("Error submitting MRS jobs", failureText(failures)+
			fmt.Sprintf("\n\n%d job(s) were submitted and are kept in state, so that destroy removes them.", len(submitted)))
		return
	}
	tflog.Info(ctx, "submitted MRS jobs", map[string]any{"cluster_id": cluster, "count": len(submitted)})

	// Only the new jobs are read: the others keep the values the plan showed.
	err := r.refresh(ctx, client, state, submitted)
	if err == nil && plan.WaitForCompletion.ValueBool() && len(submitted) > 0 {
		err = r.waitTerminal(ctx, client, state, submitted)
	}
	finishJobSetState(ctx, state)
	diags.Append(out.Set(ctx, state)...)
	if err != nil {
		diags.AddError("Error reading MRS jobs", describeMRSError(err)+"\n\nThe job set stays in state.")
		return
	}
	if plan.WaitForCompletion.ValueBool() {
		var failed []string
		for _, name := range sortedMapKeys(submitted) {
			job := state.Jobs[name]
			if job.Result.ValueString() != "SUCCEEDED" {
				failed = append(failed, fmt.Sprintf("%s (id %s): state %s, result %s", name, job.ID.ValueString(), job.State.ValueString(), job.Result.ValueString()))
			}
		}
		if len(failed) > 0 {
			diags.AddError("MRS jobs did not succeed", "These jobs ended without result SUCCEEDED:\n  "+strings.Join(failed, "\n  ")+
				"\n\nThe job set stays in state (tainted); the next apply replaces it.")
		}
	}
}

// submitJobs submits jobs with bounded concurrency. The client never submits one twice.
func submitJobs(ctx context.Context, client *mrs.Client, cluster string, jobs map[string]mrsJobModel) (map[string]string, map[string]error) {
	submitted, failures := map[string]string{}, map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, submitConcurrency)
	for _, name := range sortedMapKeys(jobs) {
		wg.Add(1)
		sem <- struct{}{}
		go func(name string) {
			defer func() { <-sem; wg.Done() }()
			id, err := client.Submit(ctx, cluster, jobSpec(name, jobs[name]))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures[name] = err
			} else {
				submitted[name] = id
			}
		}(name)
	}
	wg.Wait()
	return submitted, failures
}

func failureText(failures map[string]error) string {
	var b strings.Builder
	for _, name := range sortedMapKeys(failures) {
		fmt.Fprintf(&b, "job %s: %s\n", name, describeMRSError(failures[name]))
	}
	return strings.TrimSpace(b.String())
}

// fetchJobs reads the given jobs (by id): one GET each for small sets, else the job list
// (100 a page, newest first) until every job is found. Missing ids are absent from the result.
func fetchJobs(ctx context.Context, client *mrs.Client, cluster string, ids []string) (map[string]mrs.Job, error) {
	found := make(map[string]mrs.Job, len(ids))
	if len(ids) <= listThreshold {
		for _, id := range ids {
			job, err := client.GetJob(ctx, cluster, id)
			if mrs.IsJobGone(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			found[id] = *job
		}
		return found, nil
	}
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	errAllFound := errors.New("all found")
	err := client.ListJobs(ctx, cluster, mrs.ListFilter{SortBy: "desc"}, func(j mrs.Job) error {
		if wanted[j.ID] {
			found[j.ID] = j
			if len(found) == len(wanted) {
				return errAllFound
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errAllFound) {
		return nil, err
	}
	return found, nil
}

// refresh updates the named jobs of state (all when names is nil) from the service and drops
// those that are gone.
func (r *mrsJobSetResource) refresh(ctx context.Context, client *mrs.Client, state *mrsJobSetModel, names map[string]string) error {
	ids := make([]string, 0, len(state.Jobs))
	for name, job := range state.Jobs {
		if names == nil || names[name] != "" {
			ids = append(ids, job.ID.ValueString())
		}
	}
	found, err := fetchJobs(ctx, client, state.ClusterID.ValueString(), ids)
	if err != nil {
		return err
	}
	for name, job := range state.Jobs {
		if names != nil && names[name] == "" {
			continue
		}
		remote, ok := found[job.ID.ValueString()]
		if !ok {
			tflog.Warn(ctx, "MRS job no longer exists: dropping it from the job set", map[string]any{"job": name, "id": job.ID.ValueString()})
			delete(state.Jobs, name)
			continue
		}
		job.State, job.Result, job.Progress = types.StringValue(remote.State), types.StringValue(remote.Result), types.Float64Value(remote.Progress)
		state.Jobs[name] = job
	}
	return nil
}

// waitTerminal polls until the named jobs are terminal.
func (r *mrsJobSetResource) waitTerminal(ctx context.Context, client *mrs.Client, state *mrsJobSetModel, names map[string]string) error {
	pending := func() []string {
		var out []string
		for name := range names {
			if job, ok := state.Jobs[name]; ok && !mrs.IsTerminal(job.State.ValueString()) {
				out = append(out, name)
			}
		}
		sort.Strings(out)
		return out
	}
	if len(pending()) == 0 {
		return nil
	}
	return transport.Poll(ctx, r.data.poll, "MRS jobs to finish", strings.Join(pending(), ", ")+" not terminal",
		func(ctx context.Context) (bool, string, error) {
			if err := r.refresh(ctx, client, state, names); err != nil {
				return false, "", err
			}
			p := pending()
			return len(p) == 0, strings.Join(p, ", ") + " not terminal", nil
		})
}

// finishJobSetState derives the set's id, job ids and summary from its jobs.
func finishJobSetState(ctx context.Context, state *mrsJobSetModel) {
	names := sortedMapKeys(state.Jobs)
	ids := make([]string, 0, len(names))
	jobIDs := map[string]string{}
	summary := map[string]int64{}
	for _, name := range names {
		job := state.Jobs[name]
		ids = append(ids, job.ID.ValueString())
		jobIDs[name] = job.ID.ValueString()
		summary[job.State.ValueString()]++
	}
	state.ID = types.StringValue(state.ClusterID.ValueString() + "/" + strings.Join(ids, ","))
	state.JobIDs, _ = types.MapValueFrom(ctx, types.StringType, jobIDs)
	state.Summary, _ = types.MapValueFrom(ctx, types.Int64Type, summary)
}

func (r *mrsJobSetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state mrsJobSetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := mrsClient(r.data, &resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, jobSetReadTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if state.Jobs == nil {
		r.readImported(ctx, client, &state, req, resp)
		return
	}
	if err := r.refresh(ctx, client, &state, nil); err != nil {
		resp.Diagnostics.AddError("Error reading MRS jobs", describeMRSError(err))
		return
	}
	if len(state.Jobs) == 0 {
		tflog.Warn(ctx, "every job of the MRS job set is gone: removing it from state", map[string]any{"cluster_id": state.ClusterID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	finishJobSetState(ctx, &state)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// readImported builds the set from the job ids given to import, reading each job's type,
// arguments and properties back from the service's string forms.
func (r *mrsJobSetResource) readImported(ctx context.Context, client *mrs.Client, state *mrsJobSetModel, req resource.ReadRequest, resp *resource.ReadResponse) {
	raw, diags := req.Private.GetKey(ctx, importIDsKey)
	resp.Diagnostics.Append(diags...)
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil || len(ids) == 0 {
		resp.Diagnostics.AddError("Missing job ids", "The imported job set has no job ids. This is a bug in the provider; please report it.")
		return
	}
	found, err := fetchJobs(ctx, client, state.ClusterID.ValueString(), ids)
	if err != nil {
		resp.Diagnostics.AddError("Error reading MRS jobs", describeMRSError(err))
		return
	}
	state.Jobs = map[string]mrsJobModel{}
	for _, id := range ids {
		job, ok := found[id]
		if !ok {
			resp.Diagnostics.AddError("MRS job not found", fmt.Sprintf("Job %s does not exist on cluster %s.", id, state.ClusterID.ValueString()))
			return
		}
		if _, dup := state.Jobs[job.Name]; dup {
			resp.Diagnostics.AddError("Duplicate job name", fmt.Sprintf("Two of the imported jobs are named %q; a job set is keyed by job name.", job.Name))
			return
		}
		m := mrsJobModel{Type: types.StringValue(job.Type), ID: types.StringValue(job.ID), State: types.StringValue(job.State),
			Result: types.StringValue(job.Result), Progress: types.Float64Value(job.Progress)}
		for _, a := range job.Arguments {
			m.Arguments = append(m.Arguments, types.StringValue(a))
		}
		if len(job.Properties) > 0 {
			m.Properties = map[string]types.String{}
			for k, v := range job.Properties {
				m.Properties[k] = types.StringValue(v)
			}
		}
		state.Jobs[job.Name] = m
	}
	finishJobSetState(ctx, state)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importIDsKey, nil)...)
}

func (r *mrsJobSetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state mrsJobSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := mrsClient(r.data, &resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, jobSetUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	// state becomes the new state step by step: the resource's own settings from the plan,
	// the jobs as they exist.
	jobs := state.Jobs
	state = plan
	state.Jobs = jobs

	gone := map[string]mrsJobModel{}
	toSubmit := map[string]mrsJobModel{}
	for name, job := range state.Jobs {
		if planned, ok := plan.Jobs[name]; !ok || !sameJobSpec(planned, job) {
			gone[name] = job
		}
	}
	for name, job := range plan.Jobs {
		if current, ok := state.Jobs[name]; !ok || !sameJobSpec(job, current) {
			toSubmit[name] = job
		}
	}
	if len(gone) > 0 {
		deleted, err := r.deleteJobs(ctx, client, state.ClusterID.ValueString(), gone, true)
		for _, name := range deleted {
			delete(state.Jobs, name)
		}
		if err != nil {
			finishJobSetState(ctx, &state)
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
			resp.Diagnostics.AddError("Error deleting MRS jobs", describeMRSError(err))
			return
		}
	}
	r.submitAndSettle(ctx, client, &plan, &state, toSubmit, &resp.State, &resp.Diagnostics)
}

// deleteJobs kills the jobs that still run (when kill is set), waits until they are terminal,
// then deletes them all with batch-delete. It returns the names of the jobs that are gone. The
// jobs' states come from the refresh Terraform has just made: a job that finished since then
// is killed for nothing (the service ignores that), and a terminal job never runs again, so
// no extra read is needed.
func (r *mrsJobSetResource) deleteJobs(ctx context.Context, client *mrs.Client, cluster string, jobs map[string]mrsJobModel, kill bool) ([]string, error) {
	set := mrsJobSetModel{ClusterID: types.StringValue(cluster), Jobs: map[string]mrsJobModel{}}
	for name, job := range jobs {
		set.Jobs[name] = job
	}
	var running []string
	for _, name := range sortedMapKeys(set.Jobs) {
		if !mrs.IsTerminal(set.Jobs[name].State.ValueString()) {
			running = append(running, name)
		}
	}
	if kill && len(running) > 0 {
		if err := killJobs(ctx, client, cluster, set.Jobs, running); err != nil {
			return nil, err
		}
		waitFor := map[string]string{}
		for _, name := range running {
			waitFor[name] = set.Jobs[name].ID.ValueString()
		}
		if err := r.waitTerminal(ctx, client, &set, waitFor); err != nil {
			return nil, fmt.Errorf("waiting for killed jobs to stop: %w", err)
		}
	}
	ids := make([]string, 0, len(jobs))
	for _, name := range sortedMapKeys(jobs) {
		ids = append(ids, jobs[name].ID.ValueString())
	}
	if err := client.BatchDelete(ctx, cluster, ids); err != nil {
		if mrs.IsJobRunning(err) && !kill {
			return nil, fmt.Errorf("%w\n\nkill_on_destroy is false and jobs still run (%s): wait for them or set kill_on_destroy = true", err, strings.Join(running, ", "))
		}
		return nil, err
	}
	tflog.Info(ctx, "deleted MRS jobs", map[string]any{"cluster_id": cluster, "count": len(ids), "killed": len(running)})
	return sortedMapKeys(jobs), nil
}

func killJobs(ctx context.Context, client *mrs.Client, cluster string, jobs map[string]mrsJobModel, names []string) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, submitConcurrency)
	for _, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func(name string) {
			defer func() { <-sem; wg.Done() }()
			if err := client.Kill(ctx, cluster, jobs[name].ID.ValueString()); err != nil && !mrs.IsJobGone(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("killing job %s: %w", name, err))
				mu.Unlock()
			}
		}(name)
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r *mrsJobSetResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state mrsJobSetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := mrsClient(r.data, &resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, jobSetDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() || len(state.Jobs) == 0 {
		return
	}
	if _, err := r.deleteJobs(ctx, client, state.ClusterID.ValueString(), state.Jobs, state.KillOnDestroy.ValueBool()); err != nil {
		resp.Diagnostics.AddError("Error deleting MRS jobs", describeMRSError(err))
	}
}

func (r *mrsJobSetResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	cluster, list, ok := strings.Cut(req.ID, "/")
	ids := strings.Split(list, ",")
	valid := ok && mrsNamePattern.MatchString(cluster) && list != ""
	for _, id := range ids {
		valid = valid && mrsJobIDPattern.MatchString(id)
	}
	if !valid {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Expected \"cluster_id/job_id,job_id,...\"; got %q.", req.ID))
		return
	}
	raw, _ := json.Marshal(ids)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
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
