package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// Ctrl-C during an apply (design.md §6): Terraform must exit promptly, state must hold every
// object that may exist (a create whose request went out but whose answer never came
// included), and `terraform destroy` must then leave nothing on the service. Each test runs a
// real `terraform apply` on many objects against the emulator with added latency, sends SIGINT
// once the emulator has seen part of the creates, then runs `terraform destroy`.

// interruptExitBound is how long Terraform may take to exit after SIGINT. It is generous for a
// loaded machine: an interrupted apply that waits for its work to finish takes minutes.
const interruptExitBound = 60 * time.Second

const interruptLatency = 150 * time.Millisecond

func TestAccInterrupt_azureBatchTasks(t *testing.T) {
	t.Parallel()
	const (
		n     = 120
		after = 30
		job   = "job-2"
	)
	e := startEmulator(t)
	e.SetFaults(emulator.ServiceAzureBatch, emulator.Faults{Latency: interruptLatency})
	h := newCLIHarness(t, azureProviderConfig(e)+fmt.Sprintf(`
resource "batchops_azure_batch_task" "t" {
  count        = %d
  job_id       = %q
  task_id      = format("interrupt-%%03d", count.index)
  command_line = "echo ${count.index}"
}
`, n, job))

	addTask := `^/jobs/` + job + `/tasks$`
	h.applyAndInterrupt(fmt.Sprintf("%d Add Task requests", after), func() bool {
		return len(e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPost, addTask)) >= after
	})

	var inState []string
	for _, i := range instancesOf(h.state(), "batchops_azure_batch_task") {
		inState = append(inState, fmt.Sprint(i.Attributes["task_id"]))
	}
	h.checkInterruptedApply(fmt.Sprintf("%d Add Task requests", len(e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPost, addTask))),
		inState, func() (ids, details []string) {
			for _, task := range e.AzureBatch().Tasks(job) {
				ids = append(ids, task.ID)
			}
			return ids, ids
		})
}

// A task set of 2000 tasks goes in 20 Add Task Collection calls, 8 at a time: interrupted
// while the second eight are on their way, the tasks added and those of calls whose answer never
// came are in state, the last calls are never sent, and destroy deletes every task.
func TestAccInterrupt_azureBatchTaskSet(t *testing.T) {
	t.Parallel()
	const job = "job-2"
	e := startEmulator(t)
	e.SetFaults(emulator.ServiceAzureBatch, emulator.Faults{Latency: 3 * interruptLatency})
	h := newCLIHarness(t, azureProviderConfig(e)+fmt.Sprintf(`
resource "batchops_azure_batch_task_set" "test" {
  job_id = %q
  tasks = { for p in setproduct(range(2), range(1000)) : format("interrupt-%%d-%%03d", p[0], p[1]) => {
    command_line = "echo ${p[1]}"
  } }
}
`, job))

	collection := `^/jobs/` + job + `/addtaskcollection$`
	h.applyAndInterrupt("an Add Task Collection request", func() bool {
		return len(e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPost, collection)) >= 1
	})
	e.SetFaults(emulator.ServiceAzureBatch, emulator.Faults{}) // the latency was for the interrupt only

	var inState []string
	for _, i := range instancesOf(h.state(), "batchops_azure_batch_task_set") {
		tasks, _ := i.Attributes["tasks"].(map[string]any)
		for id := range tasks {
			inState = append(inState, id)
		}
	}
	h.checkInterruptedApply(fmt.Sprintf("%d Add Task Collection requests", len(e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPost, collection))),
		inState, func() (ids, details []string) {
			for _, task := range e.AzureBatch().Tasks(job) {
				ids = append(ids, task.ID)
			}
			return ids, ids
		})
}

func TestAccInterrupt_mrsJobSet(t *testing.T) {
	t.Parallel()
	const (
		n     = 200
		after = 60
	)
	e := startMRSEmulator(t, emumrs.Config{})
	e.SetFaults(emulator.ServiceMRS, emulator.Faults{Latency: interruptLatency})
	h := newCLIHarness(t, mrsProviderConfig(e)+fmt.Sprintf(`
resource "batchops_mrs_job_set" "test" {
  cluster_id = %q
  jobs = { for i in range(%d) : format("job-%%03d", i) => {
    type      = "HiveSql"
    arguments = ["SELECT ${i}"]
  } }
}
`, mrsCluster, n))

	submit := jobsBasePath + `$`
	h.applyAndInterrupt(fmt.Sprintf("%d job submits", after), func() bool {
		return len(e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, submit)) >= after
	})

	var inState []string
	for _, i := range instancesOf(h.state(), "batchops_mrs_job_set") {
		jobs, _ := i.Attributes["jobs"].(map[string]any)
		for name := range jobs {
			inState = append(inState, name)
		}
	}
	h.checkInterruptedApply(fmt.Sprintf("%d submits", len(e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, submit))),
		inState, func() (names, details []string) {
			for _, j := range e.MRS().Jobs(mrsCluster) {
				names = append(names, j.Name)
				details = append(details, j.Name+" ("+j.JobID+", "+j.State+")")
			}
			return names, details
		})
}

func TestAccInterrupt_hpcSOABatch(t *testing.T) {
	t.Parallel()
	const blocks = 3 // of 1000 requests: range() stops at 1024 values
	e := startHPCEmulator(t, hpcpack.Config{RequestTime: time.Millisecond})
	// Longer than for the others: only three Send Requests (of 1000 each) must outlast the signal.
	e.SetFaults(emulator.ServiceHPCPack, emulator.Faults{Latency: 2 * interruptLatency})
	h := newCLIHarness(t, hpcProviderConfig(e, "")+fmt.Sprintf(`
resource "batchops_hpc_soa_session" "test" {
  service_name = "EchoService"
}

resource "batchops_hpc_soa_batch" "test" {
  session_id = batchops_hpc_soa_session.test.id
  name       = "big"
  requests = flatten([for block in range(%d) : [for i in range(1000) : {
    action    = "http://tempuri.org/IEchoSvc/Echo"
    body      = "<Echo xmlns=\"http://tempuri.org/\"><input>${block * 1000 + i}</input></Echo>"
    user_data = tostring(block * 1000 + i)
  }]])
}
`, blocks))

	send := `(?i)/batch/big$`
	h.applyAndInterrupt("the first Send Requests", func() bool {
		return len(e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, send)) >= 1
	})

	var inState []string
	for _, i := range instancesOf(h.state(), "batchops_hpc_soa_session") {
		inState = append(inState, fmt.Sprintf("session %v", i.Attributes["id"]))
	}
	for _, i := range instancesOf(h.state(), "batchops_hpc_soa_batch") {
		inState = append(inState, fmt.Sprintf("batch %v", i.Attributes["id"]))
	}
	// What of the configuration is on the head node: open sessions, and batches of open
	// sessions that were not purged, named as the state's ids name them.
	h.checkInterruptedApply(fmt.Sprintf("%d Send Requests", len(e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, send))),
		inState, func() (ids, details []string) {
			for _, s := range e.HPCPack().Sessions() {
				if s.Closed {
					continue
				}
				ids = append(ids, fmt.Sprintf("session %d", s.ID))
				details = append(details, fmt.Sprintf("session %d (open)", s.ID))
				for _, b := range e.HPCPack().Batches(s.ID) {
					if !b.Purged {
						ids = append(ids, fmt.Sprintf("batch %d/%s", s.ID, b.Name))
						details = append(details, fmt.Sprintf("batch %d/%s (%d requests)", s.ID, b.Name, b.RequestCount))
					}
				}
			}
			return ids, details
		})
}

// checkInterruptedApply checks what an interrupted apply left: every object of the
// configuration on the service is in state, and after terraform destroy none is left.
// onService names the objects as inState does (ids) and for a reader (details); sent says how
// far the apply had got.
func (h *cliHarness) checkInterruptedApply(sent string, inState []string, onService func() (ids, details []string)) {
	t := h.t
	t.Helper()
	service, _ := onService()
	t.Logf("after the interrupt: %s, %d objects on the service, %d in state", sent, len(service), len(inState))
	if missing := missingFrom(service, inState); len(missing) > 0 {
		t.Errorf("%d of the %d objects on the service are not in state after the interrupt: %s",
			len(missing), len(service), strings.Join(missing, ", "))
	}
	if err := h.destroy(); err != nil {
		t.Errorf("terraform destroy: %v", err)
	}
	if _, left := onService(); len(left) > 0 {
		sort.Strings(left)
		t.Errorf("after destroy the service still holds %d object(s) of the configuration (orphaned): %s", len(left), strings.Join(left, ", "))
	}
}

// missingFrom returns the members of have that are not in state, sorted.
func missingFrom(have, state []string) []string {
	in := map[string]bool{}
	for _, s := range state {
		in[s] = true
	}
	var out []string
	for _, h := range have {
		if !in[h] {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out
}

// Ctrl-C during wait_for_completion abandons the wait at once: the submitted jobs are all in
// state, and destroy kills and deletes them.
func TestAccInterrupt_mrsJobSetWait(t *testing.T) {
	t.Parallel()
	const n = 20
	e := startMRSEmulator(t, emumrs.Config{})
	h := newCLIHarness(t, mrsProviderConfig(e)+fmt.Sprintf(`
resource "batchops_mrs_job_set" "test" {
  cluster_id = %q
  jobs = { for i in range(%d) : format("long-%%02d", i) => {
    type      = "HiveSql"
    arguments = ["SELECT ${i}", "sleep=1h"]
  } }
  wait_for_completion = true
}
`, mrsCluster, n))

	// Submitted, read back, and then polled at least once: the wait is under way.
	reads := func() int {
		return len(e.RequestsMatching(emulator.ServiceMRS, http.MethodGet, jobsBasePath+`(/[^/]+)?$`))
	}
	res := h.applyAndInterrupt("the wait's first poll", func() bool {
		return len(e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, jobsBasePath+`$`)) == n && reads() >= 2
	})
	if res.signalToExit > 15*time.Second {
		t.Errorf("terraform took %s to exit after SIGINT: the wait was not abandoned at once", res.signalToExit)
	}
	set := instancesOf(h.state(), "batchops_mrs_job_set")
	if len(set) != 1 {
		t.Fatalf("want the job set in state after the interrupt, got %d instances", len(set))
	}
	if ids, _ := set[0].Attributes["job_ids"].(map[string]any); len(ids) != n {
		t.Errorf("want all %d submitted jobs in state, got %d", n, len(ids))
	}
	if err := h.destroy(); err != nil {
		t.Errorf("terraform destroy: %v", err)
	}
	if left := e.MRS().JobCount(mrsCluster); left != 0 {
		t.Errorf("after destroy %d job(s) remain on the cluster", left)
	}
}

// Ctrl-C makes Terraform cancel the context of the provider's calls (StopProvider). The Azure
// task tests below call the resource's methods directly with a context they cancel, as a
// plugin server does, to stop at a chosen point of Create.

// Interrupted while Add Task is on its way: the service adds the task but the answer never
// comes back. The task is recorded; refresh then reads it and destroy deletes it.
func TestAzureBatchTaskInterruptedAddTaskIsRecorded(t *testing.T) {
	e := startEmulator(t)
	// The service holds every request until the caller gives up; the rule (which loses the
	// answer) is used up when Add Task arrives, which is when the test interrupts.
	e.SetFaults(emulator.ServiceAzureBatch, emulator.Faults{Latency: time.Hour})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job-1/tasks$`, Lost: true})
	r, s := directTaskResource(t, e)
	plan := createPlan(s, map[string]tftypes.Value{
		"job_id": tftypes.NewValue(tftypes.String, "job-1"), "task_id": tftypes.NewValue(tftypes.String, "interrupted"),
		"command_line": tftypes.NewValue(tftypes.String, "echo hi"), "wait_for_completion": tftypes.NewValue(tftypes.Bool, false),
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for e.FaultRules(emulator.ServiceAzureBatch)[0].Times != 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	resp := fwresource.CreateResponse{State: tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	r.Create(ctx, fwresource.CreateRequest{Plan: plan}, &resp)
	e.SetFaults(emulator.ServiceAzureBatch, emulator.Faults{})

	text := diagsText(resp.Diagnostics)
	for _, want := range []string{"Outcome of adding Azure Batch task unknown", "context canceled", "recorded in state (tainted)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the error should say %q, got %s", want, text)
		}
	}
	if got := stateString(t, resp.State, "id").ValueString(); got != "job-1/interrupted" {
		t.Fatalf("the task must be recorded with its id, state id %q", got)
	}
	if got := stateString(t, resp.State, "state"); !got.IsNull() {
		t.Errorf("values never read must be null in state, state is %s", got)
	}

	// The service did add it (after the caller had gone): refresh finds it.
	eventually(t, "the interrupted Add Task to be done", func() bool { return e.AzureBatch().TaskExists(testJob, "interrupted") })
	read := fwresource.ReadResponse{State: resp.State}
	r.Read(context.Background(), fwresource.ReadRequest{State: resp.State}, &read)
	if read.Diagnostics.HasError() || stateString(t, read.State, "state").ValueString() == "" {
		t.Fatalf("refresh should read the task: %s, state %s", diagsText(read.Diagnostics), stateString(t, read.State, "state"))
	}
	var del fwresource.DeleteResponse
	r.Delete(context.Background(), fwresource.DeleteRequest{State: read.State}, &del)
	if del.Diagnostics.HasError() || e.AzureBatch().TaskExists(testJob, "interrupted") {
		t.Fatalf("destroy should delete the recorded task: %s", diagsText(del.Diagnostics))
	}
}

// Add Task that never left (interrupted first, or nothing listening) added nothing: nothing is
// recorded.
func TestAzureBatchTaskAddTaskNeverSentRecordsNothing(t *testing.T) {
	e := startEmulator(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	_ = closed.Close()
	for name, tc := range map[string]struct {
		endpoint  string
		cancelled bool
		want      string
	}{
		"cancelled before sending": {e.AzureBatchURL(), true, "context canceled"},
		"nothing listening":        {closedAddr, false, "connection refused"},
	} {
		t.Run(name, func(t *testing.T) {
			r, s := directTaskResource(t, e)
			client, err := azurebatch.New(azurebatch.Config{Endpoint: tc.endpoint, AccountName: testAccount, AccountKey: testKey, CACertificateFile: e.CAFile(),
				Retry: transport.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			r.data.azureBatch.client = client
			plan := createPlan(s, map[string]tftypes.Value{
				"job_id": tftypes.NewValue(tftypes.String, "job-1"), "task_id": tftypes.NewValue(tftypes.String, "never-sent"),
				"command_line": tftypes.NewValue(tftypes.String, "echo hi"), "wait_for_completion": tftypes.NewValue(tftypes.Bool, false),
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelled {
				cancel()
			}
			resp := fwresource.CreateResponse{State: tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
			r.Create(ctx, fwresource.CreateRequest{Plan: plan}, &resp)
			if text := diagsText(resp.Diagnostics); !strings.Contains(text, "Error adding Azure Batch task") || !strings.Contains(text, tc.want) {
				t.Fatalf("want the Add Task error with %q, got %s", tc.want, text)
			}
			if !resp.State.Raw.IsNull() {
				t.Fatalf("nothing may be recorded for a request that never left, state %s", resp.State.Raw)
			}
		})
	}
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("no request should have reached the service, got %d", n)
	}
}

// Interrupted during wait_for_completion: the wait is abandoned and the task stays in state.
func TestAzureBatchTaskInterruptedWaitKeepsTheTask(t *testing.T) {
	e := startEmulator(t)
	r, s := directTaskResource(t, e)
	plan := createPlan(s, map[string]tftypes.Value{
		"job_id": tftypes.NewValue(tftypes.String, "job-1"), "task_id": tftypes.NewValue(tftypes.String, "long"),
		"command_line": tftypes.NewValue(tftypes.String, "sleep 3600"), "wait_for_completion": tftypes.NewValue(tftypes.Bool, true),
	})
	// The wait runs on a fake clock: once it has started its first timer, Create is waiting,
	// and that is when the interrupt comes.
	clock := wait.NewFake(time.Now())
	r.data.waits.clock = clock
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if clock.BlockUntil(ctx, 1) == nil {
			cancel()
		}
	}()
	resp := fwresource.CreateResponse{State: tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	r.Create(ctx, fwresource.CreateRequest{Plan: plan}, &resp)

	if text := diagsText(resp.Diagnostics); !strings.Contains(text, "Interrupted while waiting for Azure Batch task to complete") ||
		!strings.Contains(text, "the operation was interrupted (last status: active)") || !strings.Contains(text, "The task stays in state") {
		t.Fatalf("want the interrupted-wait error, got %s", text)
	}
	if got := stateString(t, resp.State, "id").ValueString(); got != "job-1/long" {
		t.Fatalf("the task must stay in state, state id %q", got)
	}
	if got := stateString(t, resp.State, "state").ValueString(); got != "active" && got != "running" {
		t.Fatalf("state should show the task as last read, got %q", got)
	}
	if !e.AzureBatch().TaskExists(testJob, "long") {
		t.Fatal("the task should still exist")
	}
}
