package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator"
)

const taskSetAddr = "batchops_azure_batch_task_set.test"

// taskSetConfig is the test task set in job-1 with the given arguments.
func taskSetConfig(e *emulator.Emulator, args string) string {
	return azureProviderConfig(e) + fmt.Sprintf(`
resource "batchops_azure_batch_task_set" "test" {
  job_id = %q
%s
}
`, testJob, args)
}

// setTask is a path into one task of the test set.
func setTask(id, attr string) tfjsonpath.Path {
	return tfjsonpath.New("tasks").AtMapKey(id).AtMapKey(attr)
}

// taskCalls counts the emulator's requests for job-1 by method and path ("POST addtaskcollection",
// "PUT frame-2", "GET tasks" ...), the path cut to what follows /jobs/job-1/ (tasks/ dropped).
func taskCalls(e *emulator.Emulator) map[string]int {
	calls := map[string]int{}
	for _, r := range e.RequestsMatching(emulator.ServiceAzureBatch, "", `^/jobs/`+testJob+`/`) {
		rest := strings.TrimPrefix(r.Path, "/jobs/"+testJob+"/")
		if t, ok := strings.CutPrefix(rest, "tasks/"); ok {
			rest = t
		}
		calls[r.Method+" "+rest]++
	}
	return calls
}

// expectCalls compares the calls since the last reset with want, then resets.
func expectCalls(t *testing.T, e *emulator.Emulator, what string, want map[string]int) {
	t.Helper()
	got := taskCalls(e)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: requests %v, want %v", what, got, want)
	}
	e.ResetRequests()
}

// checkSummaryCounts checks that the test set's summary counts n tasks by state (the tasks may
// have moved from active to running by now).
func checkSummaryCounts(t *testing.T, s *terraform.State, n int) {
	t.Helper()
	attrs := s.RootModule().Resources[taskSetAddr].Primary.Attributes
	total := 0
	for _, state := range []string{"active", "preparing", "running", "completed"} {
		count, _ := strconv.Atoi(attrs["summary."+state])
		total += count
	}
	if total != n {
		t.Errorf("the summary counts %d tasks by state, want %d: %v", total, n, attrs)
	}
}

func TestAccAzureBatchTaskSet_lifecycle(t *testing.T) {
	e := startEmulator(t)
	frames := func(frame2, extra string) string {
		return taskSetConfig(e, fmt.Sprintf(`
  tasks = {
    frame-1 = {
      command_line = "/bin/sh -c 'sleep 600'"
      environment  = { FRAME = "1" }
      constraints  = { max_task_retry_count = 2 }
    }
    frame-2 = {
      command_line = %q
      display_name = "frame 2"
    }
    frame-3 = {
      command_line = "/bin/sh -c 'sleep 600'"
      constraints  = { max_wall_clock_time = "PT2H" }
    }
%s
  }
`, frame2, extra))
	}
	first := frames("/bin/sh -c 'sleep 600'", "")
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			PreConfig: e.ResetRequests,
			Config:    first,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskSetAddr, tfjsonpath.New("id"), knownvalue.StringExact(testJob)),
				statecheck.ExpectKnownValue(taskSetAddr, setTask("frame-1", "state"), knownvalue.StringExact("active")),
				statecheck.ExpectKnownValue(taskSetAddr, setTask("frame-1", "etag"), knownvalue.StringRegexp(regexp.MustCompile(`^0x[0-9A-F]+$`))),
				// The service's defaults fill the constraints left out, without a diff.
				statecheck.ExpectKnownValue(taskSetAddr, setTask("frame-1", "constraints"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"max_wall_clock_time":  knownvalue.StringExact(azurebatch.UnlimitedDuration),
					"retention_time":       knownvalue.StringExact("P7D"),
					"max_task_retry_count": knownvalue.Int64Exact(2),
				})),
				statecheck.ExpectKnownValue(taskSetAddr, setTask("frame-3", "constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact("PT2H")),
				statecheck.ExpectKnownValue(taskSetAddr, setTask("frame-2", "required_slots"), knownvalue.Null()),
				statecheck.ExpectKnownValue(taskSetAddr, tfjsonpath.New("summary"), knownvalue.MapExact(map[string]knownvalue.Check{
					"active": knownvalue.Int64Exact(3),
				})),
			},
			Check: func(*terraform.State) error {
				// One collection call for the three tasks, one list to read them back.
				expectCalls(t, e, "create", map[string]int{"POST addtaskcollection": 1, "GET tasks": 1})
				return nil
			},
		},
		emptyPlanStep(first),
		resource.TestStep{
			ResourceName:      taskSetAddr,
			ImportState:       true,
			ImportStateId:     testJob,
			ImportStateVerify: true,
			// Import cannot know the timeouts; the status moves as the tasks run.
			ImportStateVerifyIgnore: []string{"tasks.frame-1.state", "tasks.frame-1.etag", "tasks.frame-2.state", "tasks.frame-2.etag",
				"tasks.frame-3.state", "tasks.frame-3.etag", "summary"},
		},
		resource.TestStep{
			// A task's start moves its ETag, 1 s after it was added: once frame-1 runs, the
			// refresh before the update reads the ETag the update sends, whatever the machine's speed.
			PreConfig: func() {
				eventually(t, "frame-1 to start running", func() bool {
					task, _ := e.AzureBatch().Task(testJob, "frame-1")
					return task.State == "running"
				})
				e.ResetRequests()
			},
			// frame-1's constraints change in place, frame-2 is replaced, frame-3 is removed and
			// frame-4 added; nothing else is touched.
			Config: strings.Replace(strings.Replace(frames("/bin/sh -c 'sleep 300'", `
    frame-4 = { command_line = "/bin/sh -c 'sleep 600'" }`), "max_task_retry_count = 2", "max_task_retry_count = 3", 1),
				`    frame-3 = {
      command_line = "/bin/sh -c 'sleep 600'"
      constraints  = { max_wall_clock_time = "PT2H" }
    }
`, "", 1),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(taskSetAddr, plancheck.ResourceActionUpdate),
				// frame-1 is read back after its update: its status is unknown until then.
				plancheck.ExpectUnknownValue(taskSetAddr, setTask("frame-1", "state")),
				plancheck.ExpectUnknownValue(taskSetAddr, setTask("frame-1", "etag")),
				plancheck.ExpectUnknownValue(taskSetAddr, setTask("frame-2", "state")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskSetAddr, setTask("frame-1", "constraints").AtMapKey("max_task_retry_count"), knownvalue.Int64Exact(3)),
			},
			Check: func(s *terraform.State) error {
				checkSummaryCounts(t, s, 3)
				if e.AzureBatch().TaskExists(testJob, "frame-3") {
					t.Error("frame-3 should be deleted")
				}
				if task, _ := e.AzureBatch().Task(testJob, "frame-2"); task.CommandLine != "/bin/sh -c 'sleep 300'" {
					t.Errorf("frame-2 runs %q", task.CommandLine)
				}
				expectCalls(t, e, "update", map[string]int{
					"GET tasks":      2, // the refresh, then the read after the changes
					"DELETE frame-2": 1, "DELETE frame-3": 1, "POST addtaskcollection": 1, "PUT frame-1": 1,
				})
				return nil
			},
		},
	)
}

// framesConfig is a set of var.frames tasks built with a for expression.
func framesConfig(e *emulator.Emulator) string {
	return `
variable "frames" { type = number }
` + taskSetConfig(e, `
  tasks = {
    for i in range(var.frames) : format("frame-%03d", i) => {
      command_line = "/bin/sh -c 'echo ${i}'"
      environment  = { FRAME = tostring(i) }
    }
  }
`)
}

// 250 tasks from a variable go in three Add Task Collection calls and are read back with one
// List Tasks; a refresh is one request; destroy deletes each task (CheckDestroy asks the emulator).
func TestAccAzureBatchTaskSet_250Tasks(t *testing.T) {
	e := startEmulator(t)
	cfg := framesConfig(e)
	vars := config.Variables{"frames": config.IntegerVariable(250)}
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			PreConfig:       e.ResetRequests,
			Config:          cfg,
			ConfigVariables: vars,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskSetAddr, tfjsonpath.New("tasks"), knownvalue.MapSizeExact(250)),
				statecheck.ExpectKnownValue(taskSetAddr, setTask("frame-249", "environment").AtMapKey("FRAME"), knownvalue.StringExact("249")),
			},
			Check: func(s *terraform.State) error {
				checkSummaryCounts(t, s, 250)
				if n := e.AzureBatch().TaskCount(testJob); n != 250 {
					t.Errorf("the job holds %d tasks", n)
				}
				expectCalls(t, e, "create", map[string]int{"POST addtaskcollection": 3, "GET tasks": 1})
				return nil
			},
		},
		resource.TestStep{
			PreConfig:        e.ResetRequests,
			Config:           cfg,
			ConfigVariables:  vars,
			PlanOnly:         true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
		resource.TestStep{
			PreConfig: func() {
				// The plan-only step refreshed once: one request for the 250 tasks.
				expectCalls(t, e, "refresh", map[string]int{"GET tasks": 1})
			},
			// Import by a list of ids takes those tasks only.
			ResourceName:     taskSetAddr,
			ImportState:      true,
			ImportStateId:    testJob + "/frame-001,frame-002",
			ImportStateCheck: checkImportedTasks("frame-001", "frame-002"),
			ConfigVariables:  vars,
			Config:           cfg,
		},
	)
}

// checkImportedTasks checks that an import holds exactly the tasks ids, read whole.
func checkImportedTasks(ids ...string) resource.ImportStateCheckFunc {
	return func(states []*terraform.InstanceState) error {
		if len(states) != 1 {
			return fmt.Errorf("%d imported states", len(states))
		}
		got := taskSetIDs(states[0].Attributes)
		slices.Sort(got)
		if !slices.Equal(got, ids) {
			return fmt.Errorf("imported tasks %v, want %v", got, ids)
		}
		for _, id := range ids {
			if states[0].Attributes["tasks."+id+".command_line"] == "" {
				return fmt.Errorf("task %s imported without its command line: %v", id, states[0].Attributes)
			}
		}
		return nil
	}
}

// Every argument may come from another resource's output, unknown until apply.
func TestAccAzureBatchTaskSet_valuesKnownOnlyAfterApply(t *testing.T) {
	e := startEmulator(t)
	cfg := azureProviderConfig(e) + fmt.Sprintf(`
resource "terraform_data" "src" {
  input = { job = %q, ids = ["a", "b"], command = "/bin/sh -c 'sleep 600'", retries = 2, wall = "PT2H" }
}

resource "batchops_azure_batch_task_set" "test" {
  job_id = terraform_data.src.output.job
  tasks = {
    for id in terraform_data.src.output.ids : id => {
      command_line = terraform_data.src.output.command
      constraints  = { max_task_retry_count = terraform_data.src.output.retries, max_wall_clock_time = terraform_data.src.output.wall }
    }
  }
  wait_for_completion = terraform_data.src.output.retries > 5
}
`, testJob)
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(taskSetAddr, tfjsonpath.New("tasks")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskSetAddr, setTask("b", "constraints").AtMapKey("max_task_retry_count"), knownvalue.Int64Exact(2)),
			},
		},
		emptyPlanStep(cfg),
	)
}

// Keys that are the same id to the service, and bad ids, are refused at plan time, naming the
// attribute.
func TestAccAzureBatchTaskSet_planTimeValidation(t *testing.T) {
	e := startEmulator(t)
	var steps []resource.TestStep
	for _, tc := range []struct{ tasks, want string }{
		{`{ Frame-1 = { command_line = "a" }, frame-1 = { command_line = "b" } }`, `"Frame-1" and "frame-1" are the same id`},
		{`{ "frame 1" = { command_line = "a" } }`, `tasks`},
		{`{ f = { command_line = "a", constraints = { max_wall_clock_time = "90 minutes" } } }`, `max_wall_clock_time`},
	} {
		steps = append(steps, resource.TestStep{
			Config:      taskSetConfig(e, "  tasks = "+tc.tasks),
			PlanOnly:    true,
			ExpectError: errorText(tc.want),
		})
	}
	runAccTest(t, nil, steps...)
	if n := len(e.RequestsFor(emulator.ServiceAzureBatch)); n != 0 {
		t.Errorf("validation made %d requests", n)
	}
}

// collectionTaskIDs are the task ids of the Add Task Collection calls since the last reset.
func collectionTaskIDs(t *testing.T, e *emulator.Emulator) []string {
	t.Helper()
	var ids []string
	for _, r := range e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPost, `^/jobs/`+testJob+`/addtaskcollection$`) {
		var body struct{ Value []struct{ ID string } }
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		for _, v := range body.Value {
			ids = append(ids, v.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// A task deleted out of band is drift of that task alone: the plan adds it back and keeps the
// others' values, and the apply sends only it.
func TestAccAzureBatchTaskSet_drift(t *testing.T) {
	e := startEmulator(t)
	cfg := taskSetConfig(e, `
  tasks = {
    a = { command_line = "/bin/sh -c 'sleep 600'" }
    b = { command_line = "/bin/sh -c 'sleep 600'" }
    c = { command_line = "/bin/sh -c 'sleep 600'" }
  }
`)
	steps := driftSteps(t, cfg, "task b", func(*terraform.State) bool {
		ok := e.AzureBatch().DeleteTask(testJob, "b")
		e.ResetRequests()
		return ok
	},
		plancheck.ExpectResourceAction(taskSetAddr, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(taskSetAddr, setTask("b", "state")),
		plancheck.ExpectKnownValue(taskSetAddr, setTask("a", "state"), knownvalue.NotNull()),
		plancheck.ExpectKnownValue(taskSetAddr, setTask("c", "etag"), knownvalue.NotNull()),
	)
	steps[1].Check = func(*terraform.State) error {
		if got := collectionTaskIDs(t, e); !slices.Equal(got, []string{"b"}) {
			t.Errorf("the apply sent %v, want only b", got)
		}
		if !e.AzureBatch().TaskExists(testJob, "b") {
			t.Error("b was not added back")
		}
		return nil
	}
	runAccTest(t, checkTasksDeleted(e), steps...)
}

// 503 and 429 answers are retried after their Retry-After; a lost Add Task Collection answer is
// resolved by sending the call again, whose TaskExists results are adopted: no task twice, and a
// delete that fails once is retried.
func TestAccAzureBatchTaskSet_faults(t *testing.T) {
	e := startEmulator(t)
	collection := `^/jobs/` + testJob + `/addtaskcollection$`
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: collection, Status: 503, RetryAfter: time.Second, Times: 1})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: collection, Lost: true, Times: 1})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `^/jobs/` + testJob + `/tasks$`, Status: 429, Times: 1})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodDelete, Status: 500, Times: 1})
	cfg := framesConfig(e)
	vars := config.Variables{"frames": config.IntegerVariable(30)}
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config:          cfg,
			ConfigVariables: vars,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskSetAddr, tfjsonpath.New("tasks"), knownvalue.MapSizeExact(30)),
			},
			Check: func(*terraform.State) error {
				var faults []string
				for _, r := range e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPost, collection) {
					faults = append(faults, fmt.Sprintf("%s%d", r.Fault, r.Status))
				}
				if want := []string{"503503", "lost0", "200"}; !slices.Equal(faults, want) {
					t.Errorf("collection calls %v, want %v", faults, want)
				}
				if n := e.AzureBatch().TaskCount(testJob); n != 30 {
					t.Errorf("the job holds %d tasks, want 30", n)
				}
				return nil
			},
		},
		resource.TestStep{Config: cfg, ConfigVariables: vars, PlanOnly: true},
	)
}

// With wait_for_completion, a failed task is an error naming it; the next apply runs exactly
// that task again with Reactivate Task and leaves the others alone.
func TestAccAzureBatchTaskSet_failedTasksRunAgain(t *testing.T) {
	e := startEmulator(t)
	set := func(wait bool) string {
		return taskSetConfig(e, fmt.Sprintf(`
  tasks = {
    good = { command_line = "/bin/sh -c 'echo ok'" }
    bad  = { command_line = "/bin/sh -c 'exit 3'" }
  }
  wait_for_completion = %t
`, wait))
	}
	completed := func() {
		eventually(t, "both tasks to complete", func() bool {
			good, _ := e.AzureBatch().Task(testJob, "good")
			bad, _ := e.AzureBatch().Task(testJob, "bad")
			return good.State == "completed" && bad.State == "completed"
		})
		e.ResetRequests()
	}
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{Config: set(false)},
		resource.TestStep{
			PreConfig: completed,
			Config:    set(true),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(taskSetAddr, setTask("bad", "result")),
			}},
			ExpectError: errorText(`1 task(s) completed with result "failure": bad: exit code 3`),
		},
		resource.TestStep{
			PreConfig: func() {
				calls := taskCalls(e)
				if calls["POST bad/reactivate"] != 1 || calls["POST good/reactivate"] != 0 || calls["POST addtaskcollection"] != 0 {
					t.Errorf("the apply should reactivate bad only: %v", calls)
				}
				completed()
			},
			Config: set(true),
			// Only bad runs again: good keeps its result in the plan.
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(taskSetAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectUnknownValue(taskSetAddr, setTask("bad", "result")),
				plancheck.ExpectKnownValue(taskSetAddr, setTask("good", "result"), knownvalue.StringExact("success")),
			}},
			ExpectError: errorText(`bad: exit code 3`),
		},
	)
}

// A task id somebody else uses for another task is an error naming that task and the way out;
// the set's other tasks are added and kept in state, so destroy removes them.
func TestAccAzureBatchTaskSet_conflictNamesTheTask(t *testing.T) {
	e := startEmulator(t)
	addTaskElsewhere(t, e, azurebatch.TaskSpec{ID: azurebatch.Ptr("taken"), CommandLine: azurebatch.Ptr("echo theirs")})
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: taskSetConfig(e, `
  tasks = {
    mine  = { command_line = "echo mine" }
    taken = { command_line = "echo ours" }
  }
`),
		ExpectError: errorText(`Azure Batch did not take 1 task(s): task taken:`),
	}, resource.TestStep{
		// The failed create kept what it added: refresh shows only "mine" in the (tainted) set.
		RefreshState:       true,
		ExpectNonEmptyPlan: true, // tainted: replaced on the next apply
		Check: func(s *terraform.State) error {
			if got := taskSetIDs(s.RootModule().Resources[taskSetAddr].Primary.Attributes); !slices.Equal(got, []string{"mine"}) {
				return fmt.Errorf("tasks in state %v, want [mine]", got)
			}
			if task, _ := e.AzureBatch().Task(testJob, "taken"); task.CommandLine != "echo theirs" {
				return fmt.Errorf("the other task was changed: %q", task.CommandLine)
			}
			return nil
		},
	})
	if !e.AzureBatch().TaskExists(testJob, "taken") {
		t.Error("destroy deleted a task the set does not own")
	}
}

// Import names what is wrong: an id that is not a job id or a list of task ids, a task that
// does not exist.
func TestAccAzureBatchTaskSet_importErrors(t *testing.T) {
	e := startEmulator(t)
	cfg := taskSetConfig(e, `  tasks = { a = { command_line = "/bin/sh -c 'sleep 600'" } }`)
	importStep := func(id, want string) resource.TestStep {
		return resource.TestStep{Config: cfg, ResourceName: taskSetAddr, ImportState: true, ImportStateId: id, ExpectError: errorText(want)}
	}
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{Config: cfg},
		importStep(testJob+"/", `Expected "job_id" (every task of the job) or "job_id/task_id,task_id,..."`),
		importStep("job 1", `got "job 1"`),
		importStep(testJob+"/a,missing", "Task missing does not exist in job "+testJob),
	)
}

// The task set's identity is its job, which stays while tasks are added, changed and removed;
// importing by identity adopts every task of the job, as the import ID "job_id" does.
func TestAccAzureBatchTaskSet_importByIdentity(t *testing.T) {
	e := startEmulator(t)
	identity := map[string]string{"job_id": testJob}
	runIdentityTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config:            taskSetConfig(e, `  tasks = { a = { command_line = "echo a" }, b = { command_line = "echo b" } }`),
			ConfigStateChecks: []statecheck.StateCheck{expectIdentity(taskSetAddr, identity)},
		},
		resource.TestStep{
			// b replaced, c added: other task ids, the same identity.
			Config: taskSetConfig(e, `  tasks = { a = { command_line = "echo a" }, b = { command_line = "echo b2" }, c = { command_line = "echo c" } }`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(taskSetAddr, plancheck.ResourceActionUpdate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				expectIdentity(taskSetAddr, identity),
				statecheck.ExpectKnownValue(taskSetAddr, setTask("b", "command_line"), knownvalue.StringExact("echo b2")),
			},
		},
		// The configuration names every task of job-1, so adopting them all plans nothing more.
		importByIdentityStep(taskSetAddr),
	)
}
