package provider

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator"
)

const jobAddr = "batchops_azure_batch_job.test"

// jobConfig is the test job with the given arguments, on the emulator's account.
func jobConfig(e *emulator.Emulator, args string) string {
	return azureProviderConfig(e) + fmt.Sprintf(`
resource "batchops_azure_batch_job" "test" {
%s
}
`, args)
}

// jobRequests are the calls with method the emulator received for the job.
func jobRequests(e *emulator.Emulator, method, jobID string) []emulator.Request {
	return e.RequestsMatching(emulator.ServiceAzureBatch, method, `^/jobs/`+jobID+`$`)
}

// addJobRequests are the Add Job calls the emulator received.
func addJobRequests(e *emulator.Emulator) []emulator.Request {
	return e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPost, `^/jobs$`)
}

// checkJobsDeleted asks the emulator that every job in state is gone, and that destroy
// deleted it (a DELETE answered 202, or whose answer was lost) and waited: a read after the
// Delete found no job (404).
func checkJobsDeleted(e *emulator.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "batchops_azure_batch_job" || strings.HasPrefix(addr, "data.") {
				continue
			}
			id := rs.Primary.Attributes["job_id"]
			if e.AzureBatch().JobExists(id) {
				return fmt.Errorf("job %s still exists after destroy", id)
			}
			var deletedAt int64
			for _, r := range jobRequests(e, http.MethodDelete, id) {
				// 202, or done and its answer lost.
				done := r.Status == http.StatusAccepted || r.Fault == "lost"
				if done && strings.Contains(r.Query, "api-version="+azurebatch.APIVersion) {
					deletedAt = r.Seq
				}
			}
			if deletedAt == 0 {
				return fmt.Errorf("the emulator received no successful DELETE /jobs/%s?api-version=%s", id, azurebatch.APIVersion)
			}
			waited := false
			for _, r := range jobRequests(e, http.MethodGet, id) {
				waited = waited || (r.Seq > deletedAt && r.Status == http.StatusNotFound)
			}
			if !waited {
				return fmt.Errorf("destroy did not wait until job %s was gone: no GET answered 404 after its DELETE", id)
			}
		}
		return nil
	}
}

func TestAccAzureBatchJob_lifecycle(t *testing.T) {
	e := startEmulator(t)
	job := func(priority, rest string) string {
		return jobConfig(e, fmt.Sprintf(`
  job_id       = "render"
  pool_id      = "pool-1"
  display_name = "Render the film"
  priority     = %s
  common_environment_settings = { SCENE = "intro" }
%s`, priority, rest))
	}
	// patches counts the Patch Job calls, each with If-Match and answered 200.
	patches := func(want int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			got := jobRequests(e, http.MethodPatch, "render")
			if len(got) != want {
				return fmt.Errorf("want %d PATCH /jobs/render in all, got %d", want, len(got))
			}
			last := got[len(got)-1]
			if last.Header.Get("If-Match") == "" || last.Status != http.StatusOK {
				return fmt.Errorf("the PATCH must carry If-Match and succeed: If-Match=%q status=%d", last.Header.Get("If-Match"), last.Status)
			}
			if n := len(jobRequests(e, http.MethodDelete, "render")); n != 0 {
				return fmt.Errorf("an in-place update must not delete the job: %d DELETEs", n)
			}
			return nil
		}
	}
	updateInPlace := plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionUpdate)
	runAccTest(t, checkJobsDeleted(e),
		resource.TestStep{
			Config: job("10", `  metadata = { owner = "alice" }`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("id"), knownvalue.StringExact("render")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(10)),
				// The service's defaults fill what was left unset, without a diff (the
				// harness plans again after every apply and fails on changes).
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("max_parallel_tasks"), knownvalue.Int64Exact(-1)),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("constraints"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"max_wall_clock_time":  knownvalue.StringExact(azurebatch.UnlimitedDuration),
					"max_task_retry_count": knownvalue.Int64Exact(0),
				})),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("uses_task_dependencies"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("on_all_tasks_complete"), knownvalue.StringExact("noaction")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("on_task_failure"), knownvalue.StringExact("noaction")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("common_environment_settings").AtMapKey("SCENE"), knownvalue.StringExact("intro")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("etag"), knownvalue.StringRegexp(regexp.MustCompile(`^0x[0-9A-F]+$`))),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`/jobs/render$`))),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("creation_time"), knownvalue.NotNull()),
			},
			Check: func(*terraform.State) error {
				adds := addJobRequests(e)
				if len(adds) != 1 || adds[0].Status != http.StatusCreated {
					return fmt.Errorf("want one Add Job answered 201, got %v", adds)
				}
				for _, want := range []string{`"id":"render"`, `"poolInfo":{"poolId":"pool-1"}`, `"priority":10`, `"usesTaskDependencies":false`,
					`"metadata":[{"name":"owner","value":"alice"}]`, `"commonEnvironmentSettings":[{"name":"SCENE","value":"intro"}]`} {
					if !bytes.Contains(adds[0].Body, []byte(want)) {
						return fmt.Errorf("Add Job body lacks %s:\n%s", want, adds[0].Body)
					}
				}
				// Unset server-default settings are left to the service.
				if bytes.Contains(adds[0].Body, []byte(`"constraints"`)) || bytes.Contains(adds[0].Body, []byte(`"maxParallelTasks"`)) {
					return fmt.Errorf("Add Job sent settings the configuration left unset:\n%s", adds[0].Body)
				}
				return nil
			},
		},
		resource.TestStep{
			ResourceName:      jobAddr,
			ImportState:       true,
			ImportStateId:     "render",
			ImportStateVerify: true,
		},
		resource.TestStep{
			// priority, max_parallel_tasks, constraints and metadata change in place, in one PATCH.
			Config: job("100", `
  max_parallel_tasks = 4
  constraints        = { max_wall_clock_time = "PT2H", max_task_retry_count = 3 }
  metadata           = { owner = "bob", stage = "final" }`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{updateInPlace}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(100)),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("max_parallel_tasks"), knownvalue.Int64Exact(4)),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact("PT2H")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("constraints").AtMapKey("max_task_retry_count"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("metadata"), knownvalue.MapExact(map[string]knownvalue.Check{
					"owner": knownvalue.StringExact("bob"), "stage": knownvalue.StringExact("final"),
				})),
			},
			Check: resource.ComposeTestCheckFunc(patches(1), func(*terraform.State) error {
				body := jobRequests(e, http.MethodPatch, "render")[0].Body
				for _, want := range []string{`"priority":100`, `"maxParallelTasks":4`,
					`"constraints":{"maxTaskRetryCount":3,"maxWallClockTime":"PT2H"}`, `"metadata":[{"name":"owner","value":"bob"},{"name":"stage","value":"final"}]`} {
					if !bytes.Contains(body, []byte(want)) {
						return fmt.Errorf("PATCH body lacks %s:\n%s", want, body)
					}
				}
				if bytes.Contains(body, []byte(`onAllTasksComplete`)) {
					return fmt.Errorf("PATCH sent what did not change:\n%s", body)
				}
				return nil
			}),
		},
		resource.TestStep{
			// Removing metadata clears it, in place; the constraints left out keep their values.
			Config:           job("100", `  max_parallel_tasks = 4`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{updateInPlace}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("metadata"), knownvalue.Null()),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact("PT2H")),
			},
			Check: resource.ComposeTestCheckFunc(patches(2), func(*terraform.State) error {
				if body := jobRequests(e, http.MethodPatch, "render")[1].Body; string(body) != `{"metadata":[]}` {
					return fmt.Errorf("want a PATCH clearing the metadata only, got %s", body)
				}
				return nil
			}),
		},
		resource.TestStep{
			// noaction to terminatejob is in place; the job has no tasks, so it completes at once.
			Config:           job("100", `  on_all_tasks_complete = "terminatejob"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{updateInPlace}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("on_all_tasks_complete"), knownvalue.StringExact("terminatejob")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("state"), knownvalue.StringExact("completed")),
			},
			Check: patches(3),
		},
		resource.TestStep{
			// The service refuses terminatejob back to noaction: the job is replaced.
			Config: job("100", `  on_all_tasks_complete = "noaction"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("on_all_tasks_complete"), knownvalue.StringExact("noaction")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
				// A new job: its settings are the configuration's and the defaults.
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("max_parallel_tasks"), knownvalue.Int64Exact(-1)),
			},
			Check: func(*terraform.State) error {
				if n := len(jobRequests(e, http.MethodDelete, "render")); n != 1 {
					return fmt.Errorf("the replacement must delete the old job once, got %d DELETEs", n)
				}
				if n := len(addJobRequests(e)); n != 2 {
					return fmt.Errorf("want 2 Add Job calls after the replacement, got %d", n)
				}
				return nil
			},
		},
	)
}

// Settings the service cannot change replace the job; each replacement waits until the old
// job is gone before adding the new one with the same id.
func TestAccAzureBatchJob_replacements(t *testing.T) {
	e := startEmulator(t)
	base := map[string]string{"pool_id": `"pool-1"`, "display_name": `"first"`, "uses_task_dependencies": "false",
		"on_task_failure": `"noaction"`, "common_environment_settings": `{ A = "1" }`}
	config := func(name, value string) string {
		var b strings.Builder
		b.WriteString(`  job_id = "replaced"` + "\n")
		for _, k := range sortedMapKeys(base) {
			v := base[k]
			if k == name {
				v = value
			}
			fmt.Fprintf(&b, "  %s = %s\n", k, v)
		}
		return jobConfig(e, b.String())
	}
	steps := []resource.TestStep{{Config: config("", "")}}
	changes := [][2]string{
		{"pool_id", `"pool-2"`},
		{"uses_task_dependencies", "true"},
		{"display_name", `"second"`},
		{"on_task_failure", `"performexitoptionsjobaction"`},
		{"common_environment_settings", `{ A = "2" }`},
	}
	for _, c := range changes {
		steps = append(steps, resource.TestStep{
			Config: config(c[0], c[1]),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("state"), knownvalue.StringExact("active"))},
		})
	}
	runAccTest(t, checkJobsDeleted(e), steps...)
	if n, want := len(jobRequests(e, http.MethodDelete, "replaced")), len(changes)+1; n != want {
		t.Errorf("want %d DELETEs (a replacement each, then destroy), got %d", want, n)
	}
	if n := len(jobRequests(e, http.MethodPatch, "replaced")); n != 0 {
		t.Errorf("replacements must not PATCH, got %d", n)
	}
	for _, add := range addJobRequests(e) {
		if add.Status != http.StatusCreated {
			t.Errorf("every Add Job should succeed (the old job gone first), got %d: %s", add.Status, add.Body)
		}
	}
}

// The service's defaults given explicitly, "unlimited" included, and durations the service
// writes in another form cause no diff.
func TestAccAzureBatchJob_serverDefaultsCauseNoDiff(t *testing.T) {
	e := startEmulator(t)
	config := azureProviderConfig(e) + `
resource "batchops_azure_batch_job" "test" {
  job_id                 = "defaults"
  pool_id                = "pool-1"
  priority               = 0
  max_parallel_tasks     = -1
  constraints            = { max_wall_clock_time = "` + azurebatch.UnlimitedDuration + `", max_task_retry_count = 0 }
  uses_task_dependencies = false
  on_all_tasks_complete  = "noaction"
  on_task_failure        = "noaction"
}

resource "batchops_azure_batch_job" "normalised" {
  job_id      = "normalised"
  pool_id     = "pool-1"
  constraints = { max_wall_clock_time = "PT90M" }
}
`
	runAccTest(t, checkJobsDeleted(e),
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("batchops_azure_batch_job.normalised", tfjsonpath.New("constraints"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"max_wall_clock_time":  knownvalue.StringExact("PT90M"),
					"max_task_retry_count": knownvalue.Int64Exact(0),
				})),
			},
		},
		resource.TestStep{
			// A refresh reads "PT1H30M" back: still no diff.
			PreConfig: func() {
				job, ok := e.AzureBatch().Job("normalised")
				if !ok || deref(job.Constraints.MaxWallClockTime) != "PT1H30M" {
					t.Fatalf("the emulator should hold the service's form of the duration, got %+v", job.Constraints)
				}
			},
			Config:           config,
			PlanOnly:         true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
	)
}

func TestAccAzureBatchJob_driftAfterOutOfBandDelete(t *testing.T) {
	e := startEmulator(t)
	config := jobConfig(e, `
  job_id  = "drifty"
  pool_id = "pool-1"
`)
	runAccTest(t, checkJobsDeleted(e), driftSteps(t, config, "the job",
		func(*terraform.State) bool { return e.AzureBatch().DeleteJob("drifty") },
		plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionCreate),
	)...)
	if n := len(addJobRequests(e)); n != 2 {
		t.Fatalf("the deleted job must be added again: want 2 Add Job calls, got %d", n)
	}
}

// Every argument known only after apply (a terraform_data output): the plan shows them
// unknown, apply sends them, and the next plan is empty.
func TestAccAzureBatchJob_argumentsUnknownAtPlan(t *testing.T) {
	e := startEmulator(t)
	arguments := []string{"job_id", "pool_id", "display_name", "priority", "max_parallel_tasks", "constraints",
		"uses_task_dependencies", "on_all_tasks_complete", "on_task_failure", "metadata", "common_environment_settings", "timeouts"}
	config := azureProviderConfig(e) + `
resource "terraform_data" "x" {
  input = {
    job_id                      = "from-data"
    pool_id                     = "pool-1"
    display_name                = "all unknown"
    priority                    = -5
    max_parallel_tasks          = 2
    constraints                 = { max_wall_clock_time = "P1D", max_task_retry_count = -1 }
    uses_task_dependencies      = true
    on_all_tasks_complete       = "noaction"
    on_task_failure             = "performexitoptionsjobaction"
    metadata                    = { team = "render" }
    common_environment_settings = { MODE = "batch" }
    timeouts                    = { create = "5m", read = "5m", update = "5m", delete = "5m" }
  }
}

resource "batchops_azure_batch_job" "test" {
` + argumentsFrom("terraform_data.x.output", arguments) + `}
`
	var unknownAtPlan []plancheck.PlanCheck
	for _, a := range arguments {
		unknownAtPlan = append(unknownAtPlan, plancheck.ExpectUnknownValue(jobAddr, tfjsonpath.New(a)))
	}
	runAccTest(t, checkJobsDeleted(e),
		resource.TestStep{
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: unknownAtPlan},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("id"), knownvalue.StringExact("from-data")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(-5)),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("constraints").AtMapKey("max_task_retry_count"), knownvalue.Int64Exact(-1)),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("uses_task_dependencies"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("on_task_failure"), knownvalue.StringExact("performexitoptionsjobaction")),
				statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("metadata").AtMapKey("team"), knownvalue.StringExact("render")),
			},
		},
		emptyPlanStep(config),
	)
}

func TestAccAzureBatchJob_planTimeValidation(t *testing.T) {
	e := startEmulator(t)
	cases := map[string]struct{ body, want string }{
		"job id": {`job_id = "bad id!"
  pool_id = "p"`, `job_id must be 1 to 64 characters of letters, digits`},
		"pool id": {`job_id = "j"
  pool_id = "` + strings.Repeat("p", 65) + `"`, `pool_id must be 1 to 64 characters`},
		"priority": {`job_id = "j"
  pool_id = "p"
  priority = 2000`, `(?s)Attribute priority value must be between -1000 and 1000, got: 2000`},
		"max parallel tasks": {`job_id = "j"
  pool_id = "p"
  max_parallel_tasks = 0`, `(?s)max_parallel_tasks.*at least 1`},
		"on all tasks complete": {`job_id = "j"
  pool_id = "p"
  on_all_tasks_complete = "terminate"`, `on_all_tasks_complete value must be one of`},
		"duration": {`job_id = "j"
  pool_id = "p"
  constraints = { max_wall_clock_time = "P1M" }`, `(?s)Invalid duration.*years or months`},
		"retry count": {`job_id = "j"
  pool_id = "p"
  constraints = { max_task_retry_count = -2 }`, `max_task_retry_count.*at least -1`},
		"empty metadata": {`job_id = "j"
  pool_id = "p"
  metadata = {}`, `metadata map must contain at least 1 elements`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{Config: jobConfig(e, tc.body), PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)})
	}
	runAccTest(t, nil, steps...)
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("invalid configurations must fail at plan time without calling the service; got %d requests", n)
	}
}

// The reason for the resource: tasks with task_dependencies need a job created with
// usesTaskDependencies, which only Add Job sets. The tasks take the job's id, which is unknown
// while the job is replaced, so they are replaced with it rather than left behind in state
// (deleting a job deletes its tasks).
func TestAccAzureBatchJob_taskDependencies(t *testing.T) {
	e := startEmulator(t)
	config := func(uses bool) string {
		return azureProviderConfig(e) + fmt.Sprintf(`
resource "batchops_azure_batch_job" "test" {
  job_id                 = "pipeline"
  pool_id                = "pool-1"
  uses_task_dependencies = %t
}

resource "batchops_azure_batch_task" "prepare" {
  job_id       = batchops_azure_batch_job.test.id
  task_id      = "prepare"
  command_line = "/bin/sh -c 'sleep 1; exit 0'"
}

resource "batchops_azure_batch_task" "render" {
  job_id              = batchops_azure_batch_job.test.id
  task_id             = "render"
  command_line        = "/bin/sh -c 'exit 0'"
  task_dependencies   = { task_ids = [batchops_azure_batch_task.prepare.task_id] }
  wait_for_completion = true
}
`, uses)
	}
	const renderAddr = "batchops_azure_batch_task.render"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkTasksDeleted(e), checkJobsDeleted(e)),
		Steps: []resource.TestStep{
			{
				Config:      config(false),
				ExpectError: regexp.MustCompile(`(?s)task_dependencies needs a job created with uses_task_dependencies = true.*TaskDependenciesNotSpecifiedOnJob`),
			},
			{
				// Switching it on replaces the job, and with it the task already in it.
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("batchops_azure_batch_task.prepare", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction(renderAddr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(renderAddr, tfjsonpath.New("job_id"), knownvalue.StringExact("pipeline")),
					statecheck.ExpectKnownValue(renderAddr, tfjsonpath.New("state"), knownvalue.StringExact("completed")),
					statecheck.ExpectKnownValue(renderAddr, tfjsonpath.New("result"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(renderAddr, tfjsonpath.New("node_info").AtMapKey("pool_id"), knownvalue.StringExact("pool-1")),
				},
				Check: func(*terraform.State) error {
					// The dependent task started only once the other had completed.
					prepare, okP := e.AzureBatch().Task("pipeline", "prepare")
					render, okR := e.AzureBatch().Task("pipeline", "render")
					if !okP || !okR || prepare.ExecutionInfo.EndTime == nil || render.ExecutionInfo.StartTime == nil {
						return fmt.Errorf("both tasks should have run: prepare %+v, render %+v", prepare.ExecutionInfo, render.ExecutionInfo)
					}
					end, _ := time.Parse(time.RFC3339Nano, *prepare.ExecutionInfo.EndTime)
					start, _ := time.Parse(time.RFC3339Nano, *render.ExecutionInfo.StartTime)
					if start.Before(end) {
						return fmt.Errorf("render started at %s, before prepare ended at %s", start, end)
					}
					return nil
				},
			},
		},
	})
}

// A completed job accepts no changes: the error says so and how to go on.
func TestAccAzureBatchJob_completedJobRefusesChanges(t *testing.T) {
	e := startEmulator(t)
	config := func(priority int) string {
		return jobConfig(e, fmt.Sprintf(`
  job_id                = "done"
  pool_id               = "pool-1"
  on_all_tasks_complete = "terminatejob"
  priority              = %d
`, priority))
	}
	runAccTest(t, checkJobsDeleted(e),
		resource.TestStep{
			Config:            config(1),
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("state"), knownvalue.StringExact("completed"))},
		},
		resource.TestStep{
			Config:      config(2),
			ExpectError: errorText(`Job "done" has completed (with on_all_tasks_complete = "terminatejob", once all its tasks had), and a completed job accepts no changes. To change it, replace it: terraform apply -replace=<resource address>.`),
		},
	)
}

func TestAccAzureBatchJob_existingJobAsksForImport(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, nil,
		resource.TestStep{
			Config:      jobConfig(e, `job_id = "JOB-1"`+"\n  pool_id = \"pool-1\""),
			ExpectError: errorText(`a different job with ID "JOB-1" already exists. To manage it with Terraform, import it: terraform import <resource address> job-1`),
		},
		resource.TestStep{
			Config:        jobConfig(e, `job_id = "x"`+"\n  pool_id = \"pool-1\""),
			ResourceName:  jobAddr,
			ImportState:   true,
			ImportStateId: "not a job id",
			ExpectError:   regexp.MustCompile(`Expected a job ID, which must be 1 to 64 characters`),
		},
	)
}

// Patch Job carries the ETag last read: a job somebody changed since is not overwritten, and
// the error says to refresh.
func TestAzureBatchJobUpdateIsConditional(t *testing.T) {
	e := startEmulator(t)
	r := &azureBatchJobResource{data: &providerData{
		waits:      testWaits,
		azureBatch: service[*azurebatch.Client]{client: azureTestClient(t, e)},
	}}
	var s fwresource.SchemaResponse
	r.Schema(context.Background(), fwresource.SchemaRequest{}, &s)
	ctx := context.Background()
	plan := createPlan(s, map[string]tftypes.Value{
		"job_id": tftypes.NewValue(tftypes.String, "contested"), "pool_id": tftypes.NewValue(tftypes.String, "pool-1"),
		"uses_task_dependencies": tftypes.NewValue(tftypes.Bool, false),
	})
	created := fwresource.CreateResponse{State: tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	r.Create(ctx, fwresource.CreateRequest{Plan: plan}, &created)
	if created.Diagnostics.HasError() {
		t.Fatalf("create: %s", diagsText(created.Diagnostics))
	}

	// Somebody else raises the priority after the last refresh.
	if err := r.data.azureBatch.client.UpdateJob(ctx, "contested", azurebatch.JobUpdate{Priority: azurebatch.Ptr[int32](7)}, ""); err != nil {
		t.Fatal(err)
	}
	next := tfsdk.Plan{Schema: s.Schema, Raw: created.State.Raw}
	if d := next.SetAttribute(ctx, path.Root("priority"), types.Int64Value(5)); d.HasError() {
		t.Fatal(diagsText(d))
	}
	e.ResetRequests()
	resp := fwresource.UpdateResponse{State: created.State}
	r.Update(ctx, fwresource.UpdateRequest{Plan: next, State: created.State}, &resp)
	text := diagsText(resp.Diagnostics)
	for _, want := range []string{"Azure Batch job changed since it was read", `job "contested" was changed`, "ConditionNotMet",
		"run terraform apply again, which reads the job as it is now"} {
		if !strings.Contains(text, want) {
			t.Errorf("the error should say %q, got %s", want, text)
		}
	}
	var got []string
	for _, q := range e.RequestsFor(emulator.ServiceAzureBatch) {
		got = append(got, fmt.Sprint(q.Method, " ", q.Status))
	}
	if strings.Join(got, ", ") != "PATCH 412" {
		t.Errorf("requests %v, want the refused PATCH only", got)
	}
	if job, _ := e.AzureBatch().Job("contested"); job.Priority != 7 {
		t.Errorf("their priority was overwritten: %d", job.Priority)
	}
}

// Lost answers to Add Job and Delete Job: the repeat of the add finds the job it added (409
// JobExists) and adopts it; the repeat of the delete finds it being deleted (409
// JobBeingDeleted) and waits until it is gone. No duplicate, nothing left behind.
func TestAccAzureBatchJob_lostAnswers(t *testing.T) {
	e := startEmulator(t)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs$`, Lost: true, Times: 1})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodDelete, PathRegexp: `^/jobs/lost$`, Lost: true, Times: 1})
	runAccTest(t, checkJobsDeleted(e), resource.TestStep{
		Config: jobConfig(e, `
  job_id   = "lost"
  pool_id  = "pool-1"
  metadata = { a = "1" }
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("id"), knownvalue.StringExact("lost")),
			statecheck.ExpectKnownValue(jobAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
		},
	})
	adds := addJobRequests(e)
	if len(adds) != 2 || adds[0].Fault != "lost" || adds[1].Status != http.StatusConflict {
		t.Fatalf("want a lost Add Job and a repeat answered 409 JobExists, got %v", adds)
	}
	deletes := jobRequests(e, http.MethodDelete, "lost")
	if len(deletes) != 2 || deletes[0].Fault != "lost" || deletes[1].Status != http.StatusConflict {
		t.Fatalf("want a lost Delete Job and a repeat answered 409 JobBeingDeleted, got %v", deletes)
	}
}

// Terraform and OpenTofu 1.12+ name the job by its identity, the job id, and import it from
// an `import` block holding that identity.
func TestAccAzureBatchJob_importByIdentity(t *testing.T) {
	e := startEmulator(t)
	job := func(priority int) string {
		return jobConfig(e, fmt.Sprintf(`
  job_id   = "by-identity"
  pool_id  = "pool-1"
  priority = %d`, priority))
	}
	identity := map[string]string{"job_id": "by-identity"}
	runIdentityTest(t, checkJobsDeleted(e),
		resource.TestStep{
			Config:            job(0),
			ConfigStateChecks: []statecheck.StateCheck{expectIdentity(jobAddr, identity)},
		},
		importByIdentityStep(jobAddr),
		resource.TestStep{
			// An update in place keeps the identity.
			Config: job(10),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionUpdate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{expectIdentity(jobAddr, identity)},
		},
	)
}
