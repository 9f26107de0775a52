package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// The job set's model, and the parts of its lifecycle that its CRUD methods share: the jobs as
// Go values, what an apply in progress holds and saves, refreshing jobs and resolving
// submissions whose outcome was unknown.

type mrsJobSetModel struct {
	ID                types.String   `tfsdk:"id"`
	ClusterID         types.String   `tfsdk:"cluster_id"`
	Jobs              types.Map      `tfsdk:"jobs"`
	WaitForCompletion types.Bool     `tfsdk:"wait_for_completion"`
	KillOnDestroy     types.Bool     `tfsdk:"kill_on_destroy"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
	JobIDs            types.Map      `tfsdk:"job_ids"`
	Summary           types.Map      `tfsdk:"summary"`
}

type mrsJobModel struct {
	Type       types.String  `tfsdk:"type"`
	Arguments  types.List    `tfsdk:"arguments"`
	Properties types.Map     `tfsdk:"properties"`
	ID         types.String  `tfsdk:"id"`
	State      types.String  `tfsdk:"state"`
	Result     types.String  `tfsdk:"result"`
	Progress   types.Float64 `tfsdk:"progress"`
}

var mrsJobAttrTypes = map[string]attr.Type{
	"type":       types.StringType,
	"arguments":  types.ListType{ElemType: types.StringType},
	"properties": types.MapType{ElemType: types.StringType},
	"id":         types.StringType,
	"state":      types.StringType,
	"result":     types.StringType,
	"progress":   types.Float64Type,
}

// jobSet holds the jobs of a set by name, once the jobs map is known.
type jobSet map[string]mrsJobModel

var mrsJobObjectType = types.ObjectType{AttrTypes: mrsJobAttrTypes}

// readJobSet reads the jobs of a known map; null and unknown give none.
func readJobSet(_ context.Context, m types.Map) (jobSet, diag.Diagnostics) {
	var diags diag.Diagnostics
	jobs := mapAs[mrsJobModel](m, &diags)
	if jobs == nil {
		jobs = jobSet{}
	}
	return jobs, diags
}

// existingJobs reads what state holds: the jobs, and when each submission whose outcome is
// still unknown started.
func existingJobs(ctx context.Context, m types.Map, private privateState) (jobSet, map[string]time.Time, diag.Diagnostics) {
	jobs, diags := readJobSet(ctx, m)
	pending, d := pendingSubmits(ctx, private)
	diags.Append(d...)
	return jobs, pending, diags
}

// settledJobs reads the jobs state holds and looks up those whose submission outcome was unknown
// (resolvePending), reporting a failed look-up under summary. ok is false when diags hold an
// error.
func settledJobs(ctx context.Context, client *mrs.Client, state *mrsJobSetModel, private privateState, summary string, diags *diag.Diagnostics) (jobSet, map[string]time.Time, bool) {
	jobs, pending, d := existingJobs(ctx, state.Jobs, private)
	diags.Append(d...)
	if diags.HasError() {
		return nil, nil, false
	}
	if err := resolvePending(ctx, client, state.ClusterID.ValueString(), jobs, pending); err != nil {
		diags.AddError(summary, describeMRSError(err))
		return nil, nil, false
	}
	return jobs, pending, true
}

func (s jobSet) value(_ context.Context) (types.Map, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := make(map[string]attr.Value, len(s))
	for name, job := range s {
		elems[name] = objectOf(mrsJobObjectType, job, &diags)
	}
	return mapValue(mrsJobObjectType, elems, &diags), diags
}

// recorded reports a job whose submission outcome is still unknown: it is in state so that
// the next refresh, apply or destroy looks it up (see resolvePending), but its id is not known.
func (j mrsJobModel) recorded() bool { return j.ID.IsNull() }

// failed reports a job that ended without success.
func (j mrsJobModel) failed() bool {
	return !j.ID.IsNull() && mrs.IsTerminal(j.State.ValueString()) && !strings.EqualFold(j.Result.ValueString(), mrs.ResultSucceeded)
}

// jobSetOperation is an apply of a job set in progress: what exists (jobs, and pending
// submissions whose outcome is unknown) and where it is saved. Every exit saves it, so state
// always holds each job that may exist, whatever fails.
type jobSetOperation struct {
	client  *mrs.Client
	plan    *mrsJobSetModel
	jobs    jobSet
	pending map[string]time.Time // job name -> when its unresolved submission started

	state   *tfsdk.State
	private privateWriter
	diags   *diag.Diagnostics

	timeoutName string // "timeouts.create" or "timeouts.update", for advice
	timeout     time.Duration
	creating    bool // an error taints the set
}

// save writes the set as it exists: the plan's own settings, the jobs, and the pending
// submissions in private state.
func (op *jobSetOperation) save(ctx context.Context) {
	state := *op.plan
	var diags diag.Diagnostics
	state.Jobs, diags = op.jobs.value(ctx)
	op.diags.Append(diags...)
	finishJobSetState(ctx, &state, op.jobs)
	op.diags.Append(op.state.Set(ctx, &state)...)
	op.diags.Append(setPendingSubmits(ctx, op.private, op.pending)...)
}

// keepAdvice tells how to go on after an error without redoing the jobs that are fine.
func (op *jobSetOperation) keepAdvice() string {
	return keepMembersAdvice(op.creating, "job set", "jobs", "submits only the jobs that are missing or failed")
}

// describeUnfinished names the jobs a wait left unfinished and says how to wait longer.
func describeUnfinished(jobs jobSet, waited map[string]string, err *wait.WaitError, timeoutName string, timeout time.Duration) string {
	var running []string
	for _, name := range sortedMapKeys(waited) {
		if job, ok := jobs[name]; ok && !mrs.IsTerminal(job.State.ValueString()) {
			running = append(running, fmt.Sprintf("%s (%s)", name, job.State.ValueString()))
		}
	}
	list := abbreviatedList(running, ", ")
	if errors.Is(err, context.Canceled) {
		return fmt.Sprintf("The wait was interrupted; %d job(s) were still running: %s. They are in state.", len(running), list)
	}
	return fmt.Sprintf("After %s, %d job(s) were still running: %s. They keep running and are in state. To wait longer, "+
		"raise %s (now %s).", timeout, len(running), list, timeoutName, timeout)
}

// refreshJobs updates the named jobs (all with an id when names is nil) from the service and
// drops those that are gone.
func refreshJobs(ctx context.Context, client *mrs.Client, cluster string, jobs jobSet, names map[string]string) error {
	ids := make([]string, 0, len(jobs))
	for name, job := range jobs {
		if !job.recorded() && (names == nil || names[name] != "") {
			ids = append(ids, job.ID.ValueString())
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := client.Jobs(ctx, cluster, ids)
	if err != nil {
		return err
	}
	for name, job := range jobs {
		if job.recorded() || names != nil && names[name] == "" {
			continue
		}
		remote, ok := found[job.ID.ValueString()]
		if !ok {
			tflog.Warn(ctx, "MRS job no longer exists: dropping it from the job set", map[string]any{"job": name, "id": job.ID.ValueString()})
			delete(jobs, name)
			continue
		}
		job.State, job.Result, job.Progress = types.StringValue(remote.State), types.StringValue(remote.Result), types.Float64Value(remote.Progress)
		jobs[name] = job
	}
	return nil
}

// resolvePending looks up the jobs whose submission outcome was unknown (an interrupted apply,
// a lost answer): a job found by name and submit time takes its id, one not found is dropped
// (the next apply submits it). pending is emptied as jobs are resolved.
func resolvePending(ctx context.Context, client *mrs.Client, cluster string, jobs jobSet, pending map[string]time.Time) error {
	for _, name := range sortedMapKeys(jobs) {
		job := jobs[name]
		if !job.recorded() {
			continue
		}
		// Without a recorded start (it is kept in private state), any submit time matches.
		id, err := client.FindSubmitted(ctx, cluster, jobSpec(name, job), pending[name])
		if err != nil {
			return fmt.Errorf("looking up job %s, whose submission outcome was unknown: %w", name, err)
		}
		delete(pending, name)
		if id == "" {
			tflog.Info(ctx, "MRS job whose submission outcome was unknown was not submitted: dropping it from the job set", map[string]any{"job": name})
			delete(jobs, name)
			continue
		}
		tflog.Info(ctx, "found MRS job whose submission outcome was unknown", map[string]any{"job": name, "id": id})
		job.ID, job.State, job.Result, job.Progress = types.StringValue(id), types.StringValue("NEW"), types.StringValue("UNDEFINED"), types.Float64Value(0)
		jobs[name] = job
	}
	return nil
}

// finishJobSetState derives the set's id, job ids and summary from its jobs. Jobs whose
// submission outcome is unknown have no id yet; the summary counts them as UNKNOWN.
func finishJobSetState(_ context.Context, state *mrsJobSetModel, jobs jobSet) {
	names := sortedMapKeys(jobs)
	ids := make([]string, 0, len(names))
	jobIDs := map[string]string{}
	summary := map[string]int64{}
	for _, name := range names {
		job := jobs[name]
		if job.recorded() {
			summary["UNKNOWN"]++
			continue
		}
		ids = append(ids, job.ID.ValueString())
		jobIDs[name] = job.ID.ValueString()
		summary[job.State.ValueString()]++
	}
	state.ID = types.StringValue(state.ClusterID.ValueString() + "/" + strings.Join(ids, ","))
	state.JobIDs = stringMap(jobIDs)
	counts := make(map[string]attr.Value, len(summary))
	for st, n := range summary {
		counts[st] = types.Int64Value(n)
	}
	state.Summary = types.MapValueMust(types.Int64Type, counts)
}

// pendingSubmitsKey keeps, in private state, when each unresolved submission started: the
// look-up window of resolvePending.
const pendingSubmitsKey = "pending_submits"

// privateWriter is the part of the framework's private state data that saves keys.
type privateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func pendingSubmits(ctx context.Context, private privateState) (map[string]time.Time, diag.Diagnostics) {
	pending := map[string]time.Time{}
	raw, diags := private.GetKey(ctx, pendingSubmitsKey)
	if len(raw) == 0 || diags.HasError() {
		return pending, diags
	}
	var ms map[string]int64
	if err := json.Unmarshal(raw, &ms); err != nil {
		diags.AddError("Invalid private state", "The job set's record of pending submissions cannot be read: "+err.Error())
		return pending, diags
	}
	for name, t := range ms {
		pending[name] = time.UnixMilli(t)
	}
	return pending, diags
}

func setPendingSubmits(ctx context.Context, private privateWriter, pending map[string]time.Time) diag.Diagnostics {
	if len(pending) == 0 {
		return private.SetKey(ctx, pendingSubmitsKey, nil)
	}
	ms := make(map[string]int64, len(pending))
	for name, t := range pending {
		ms[name] = t.UnixMilli()
	}
	raw, _ := json.Marshal(ms)
	return private.SetKey(ctx, pendingSubmitsKey, raw)
}
