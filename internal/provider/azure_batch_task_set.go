package provider

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

type azureBatchTaskSetModel struct {
	ID                types.String   `tfsdk:"id"`
	JobID             types.String   `tfsdk:"job_id"`
	Tasks             types.Map      `tfsdk:"tasks"` // of taskSetMemberModel
	WaitForCompletion types.Bool     `tfsdk:"wait_for_completion"`
	Summary           types.Map      `tfsdk:"summary"` // of int64
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// taskSetMemberModel is one task of a set: a task's definition and the little of its status a
// set keeps (the set is refreshed with one List Tasks selecting only that).
type taskSetMemberModel struct {
	taskSpecModel
	State    types.String `tfsdk:"state"`
	ExitCode types.Int64  `tfsdk:"exit_code"`
	Result   types.String `tfsdk:"result"`
	ETag     types.String `tfsdk:"etag"`
}

// taskSetListSelect is what List Tasks is asked for to refresh the member attributes the
// service sets (state, exit_code, result, etag) and the constraints.
var taskSetListSelect = []string{"id", "eTag", "state", "executionInfo", "constraints"}

// pending reports a task whose Add Task Collection had no definite answer: it is recorded so
// that refresh and destroy find it, without status until it has been seen.
func (m taskSetMemberModel) pending() bool { return m.ETag.IsNull() }

func (m taskSetMemberModel) failed() bool {
	return m.State.ValueString() == string(azurebatch.TaskStateCompleted) && m.Result.ValueString() == string(azurebatch.TaskExecutionResultFailure)
}

// setStatus takes the status and constraints of a task read with taskSetListSelect.
func (m *taskSetMemberModel) setStatus(t *azurebatch.Task, diags *diag.Diagnostics) {
	m.State = types.StringValue(string(deref(t.State)))
	m.ETag = types.StringValue(string(deref(t.ETag)))
	m.ExitCode, m.Result = types.Int64Null(), types.StringNull()
	if ei := t.ExecutionInfo; ei != nil {
		m.ExitCode, m.Result = int64Value(ei.ExitCode), enumValue(ei.Result)
	}
	m.Constraints = flattenConstraints(t.Constraints, diags)
}

// taskSetMemberAttributes are a task's attributes without what a set holds once for all of its
// tasks (the job, the wait, the timeouts), the key (the task id), multi-instance settings (a
// task set's tasks are single) and the status a set does not refresh.
func taskSetMemberAttributes() map[string]schema.Attribute {
	attrs := azureBatchTaskAttributes()
	for _, name := range []string{"id", "job_id", "task_id", "multi_instance_settings", "last_modified", "url", "creation_time", "failure_info", "node_info"} {
		delete(attrs, name)
	}
	return withoutPlanModifiers(attrs)
}

// taskSetMemberType is the object type of a member, taken from its schema.
var taskSetMemberType = sync.OnceValue(func() types.ObjectType {
	return types.ObjectType{AttrTypes: attributeTypes(taskSetMemberAttributes())}
})

// taskSet is the tasks of a set by id, as the configuration spells the ids.
type taskSet map[string]taskSetMemberModel

// readTaskSet converts a known map of members (see mapAs).
func readTaskSet(m types.Map, diags *diag.Diagnostics) taskSet {
	return mapAs[taskSetMemberModel](m, diags)
}

// value is the set as a framework map.
func (s taskSet) value(diags *diag.Diagnostics) types.Map {
	t := taskSetMemberType()
	elems := make(map[string]attr.Value, len(s))
	for id, member := range s {
		elems[id] = objectOf(t, member, diags)
	}
	return mapValue(t, elems, diags)
}

// byFoldedID indexes tasks read from the service by their id without case, as the service
// compares ids.
func byFoldedID(tasks []azurebatch.Task) map[string]*azurebatch.Task {
	out := make(map[string]*azurebatch.Task, len(tasks))
	for i := range tasks {
		out[strings.ToLower(deref(tasks[i].ID))] = &tasks[i]
	}
	return out
}

// summary counts the tasks by state and, for completed tasks, by result; "unknown" counts
// tasks whose add had no definite answer.
func (s taskSet) summary(diags *diag.Diagnostics) types.Map {
	counts := map[string]int64{}
	for _, m := range s {
		if m.pending() {
			counts["unknown"]++
			continue
		}
		counts[m.State.ValueString()]++
		if r := m.Result.ValueString(); r != "" {
			counts[r]++
		}
	}
	elems := make(map[string]attr.Value, len(counts))
	for k, n := range counts {
		elems[k] = types.Int64Value(n)
	}
	return mapValue(types.Int64Type, elems, diags)
}

// sameTaskSpec compares what defines a task apart from its constraints (which change in
// place). A value not known yet differs from any known one.
func sameTaskSpec(a, b taskSetMemberModel) bool {
	va, vb := reflect.ValueOf(a.taskSpecModel), reflect.ValueOf(b.taskSpecModel)
	for _, f := range modelFields(va.Type()) {
		if f.name == "constraints" {
			continue
		}
		x, _ := va.FieldByIndex(f.index).Interface().(attr.Value)
		y, _ := vb.FieldByIndex(f.index).Interface().(attr.Value)
		if !x.Equal(y) {
			return false
		}
	}
	return true
}

// sameConstraints compares constraints as the service does (azurebatch.SameConstraints); a
// value not known yet differs from any.
func sameConstraints(a, b types.Object) bool {
	if !fullyKnown(a) || !fullyKnown(b) {
		return false
	}
	x, _ := expandConstraints(a)
	y, _ := expandConstraints(b)
	return azurebatch.SameConstraints(x, y)
}

func fullyKnown(obj types.Object) bool {
	if obj.IsUnknown() {
		return false
	}
	for _, v := range obj.Attributes() {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// refreshTaskSet reads the tasks ids of the set with one List Tasks (a page per 1000 tasks)
// and drops those that are gone.
func refreshTaskSet(ctx context.Context, client *azurebatch.Client, jobID string, tasks taskSet, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	listed, err := client.ListTasksByID(ctx, jobID, ids, taskSetListSelect)
	if err != nil {
		return err
	}
	found := byFoldedID(listed)
	var diags diag.Diagnostics
	for _, id := range ids {
		m, ok := tasks[id]
		if !ok {
			continue
		}
		t, ok := found[strings.ToLower(id)]
		if !ok {
			tflog.Warn(ctx, "Azure Batch task no longer exists: dropping it from the task set", map[string]any{"task": jobID + "/" + id})
			delete(tasks, id)
			continue
		}
		m.setStatus(t, &diags)
		tasks[id] = m
	}
	if diags.HasError() {
		return fmt.Errorf("reading the tasks of job %s: %s", jobID, diags[0].Detail())
	}
	return nil
}
