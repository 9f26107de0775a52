package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

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
			PreConfig: e.ResetRequests,
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
				// An untouched task keeps its values in the plan.
				plancheck.ExpectKnownValue(taskSetAddr, setTask("frame-1", "state"), knownvalue.NotNull()),
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
					"GET tasks": 2, // the refresh, then the read after the changes
					"DELETE frame-2": 1, "DELETE frame-3": 1, "POST addtaskcollection": 1, "PUT frame-1": 1,
				})
				return nil
			},
		},
	)
}
