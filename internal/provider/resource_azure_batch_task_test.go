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

const taskAddr = "batchops_azure_batch_task.test"

func TestAccAzureBatchTask_lifecycle(t *testing.T) {
	e := startEmulator(t)
	// render is the task of every step; the steps change its command line and constraints.
	render := func(commandLine, constraints string) string {
		return taskConfig(e, fmt.Sprintf(`
  task_id      = "render-0001"
  display_name = "frame 1"
  command_line = %q
  environment  = { FRAME = "1", QUALITY = "high" }
  resource_files = [{ http_url = "https://example.com/scene.blend", file_path = "scene.blend" }]
  constraints = { %s }
`, commandLine, constraints))
	}
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config: render("/bin/sh -c 'sleep 30'", `retention_time = "P1D"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/render-0001")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
				// The service's defaults fill the rest of constraints without a diff.
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"max_wall_clock_time":  knownvalue.StringExact(azurebatch.UnlimitedDuration),
					"retention_time":       knownvalue.StringExact("P1D"),
					"max_task_retry_count": knownvalue.Int64Exact(0),
				})),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("environment").AtMapKey("QUALITY"), knownvalue.StringExact("high")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("etag"), knownvalue.StringRegexp(regexp.MustCompile(`^0x[0-9A-F]+$`))),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`/jobs/job-1/tasks/render-0001$`))),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("user_identity"), knownvalue.Null()),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("required_slots"), knownvalue.Null()),
			},
		},
		resource.TestStep{
			ResourceName:      taskAddr,
			ImportState:       true,
			ImportStateId:     "job-1/render-0001",
			ImportStateVerify: true,
			// Import cannot know the timeouts; state, etag and the rest move as the task runs.
			ImportStateVerifyIgnore: []string{"state", "etag", "last_modified", "node_info"},
		},
		resource.TestStep{
			// The task's start moves its ETag, 1 s after it was added: once it runs, the refresh
			// before the update reads the ETag the update sends, whatever the machine's speed.
			PreConfig: func() {
				eventually(t, "the task to start running", func() bool {
					task, _ := e.AzureBatch().Task(testJob, "render-0001")
					return task.State == "running"
				})
			},
			// Constraints change in place, with the stored ETag as If-Match.
			Config: render("/bin/sh -c 'sleep 30'", `retention_time = "P1D", max_wall_clock_time = "PT2H", max_task_retry_count = 3`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionUpdate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact("PT2H")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("max_task_retry_count"), knownvalue.Int64Exact(3)),
			},
			Check: func(*terraform.State) error {
				puts := e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPut, `^/jobs/job-1/tasks/render-0001$`)
				if len(puts) != 1 {
					return fmt.Errorf("want exactly 1 PUT, got %d", len(puts))
				}
				put := puts[0]
				if put.Header.Get("If-Match") == "" || put.Status != http.StatusOK {
					return fmt.Errorf("the PUT must carry If-Match and succeed: If-Match=%q status=%d", put.Header.Get("If-Match"), put.Status)
				}
				// The full constraints object is sent: an omitted field would reset to its default.
				for _, want := range []string{`"maxWallClockTime":"PT2H"`, `"retentionTime":"P1D"`, `"maxTaskRetryCount":3`} {
					if !bytes.Contains(put.Body, []byte(want)) {
						return fmt.Errorf("PUT body %s lacks %s", put.Body, want)
					}
				}
				return nil
			},
		},
		resource.TestStep{
			// Anything else replaces the task.
			Config: render("/bin/sh -c 'sleep 60'", `retention_time = "P1D", max_wall_clock_time = "PT2H", max_task_retry_count = 3`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			Check: func(*terraform.State) error {
				if n := len(e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodDelete, `^/jobs/job-1/tasks/render-0001$`)); n != 1 {
					return fmt.Errorf("replacement must delete the old task once, got %d DELETEs", n)
				}
				if n := len(addTaskRequests(e)); n != 2 {
					return fmt.Errorf("want 2 Add Task calls after the replacement, got %d", n)
				}
				return nil
			},
		},
	)
}

// The service writes durations back in its own form ("PT90M" as "PT1H30M"); values of the same
// length cause no diff and state keeps what the configuration says.
func TestAccAzureBatchTask_normalisedDurationsCauseNoDiff(t *testing.T) {
	e := startEmulator(t)
	config := taskConfig(e, `
  task_id      = "durations"
  command_line = "echo hi"
  constraints  = { max_wall_clock_time = "PT90M", retention_time = "PT48H" }
`)
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact("PT90M")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("retention_time"), knownvalue.StringExact("PT48H")),
			},
		},
		resource.TestStep{
			// A refresh reads "PT1H30M" and "P2D" back: still no diff.
			PreConfig: func() {
				task, ok := e.AzureBatch().Task(testJob, "durations")
				if !ok || deref(task.Constraints.MaxWallClockTime) != "PT1H30M" || deref(task.Constraints.RetentionTime) != "P2D" {
					t.Fatalf("the emulator should hold the service's form of the durations, got %+v", task.Constraints)
				}
			},
			Config:   config,
			PlanOnly: true,
		},
	)
}

func TestAccAzureBatchTask_allAttributesRoundTrip(t *testing.T) {
	e := startEmulator(t)
	config := taskConfig(e, `
  task_id      = "full"
  command_line = "/bin/sh -c 'echo all'"
  affinity_id  = "tvm-1"
  required_slots = 2
  resource_files = [
    { storage_container_url = "https://acct.blob.core.windows.net/in?sv=x", blob_prefix = "scenes/", file_path = "in" },
    { auto_storage_container_name = "tools", file_mode = "0755" },
  ]
  output_files = [{
    file_pattern     = "out/*.png"
    container_url    = "https://acct.blob.core.windows.net/out?sv=secret"
    path             = "frames"
    upload_condition = "tasksuccess"
    upload_headers   = { "x-ms-blob-content-type" = "image/png" }
  }]
  user_identity = { auto_user_scope = "task", auto_user_elevation_level = "admin" }
  task_dependencies = { task_ids = ["prep"], task_id_ranges = [{ start = 1, end = 10 }] }
  container_settings = {
    image_name        = "myregistry.azurecr.io/render:1"
    working_directory = "containerImageDefault"
    registry = { registry_server = "myregistry.azurecr.io", username = "puller", password = "registry-secret" }
    host_batch_bind_mounts = [{ source = "Shared", is_read_only = true }]
  }
  application_package_references = [{ application_id = "blender", version = "4.2" }]
  exit_conditions = {
    exit_codes = [{ code = 3, job_action = "terminate", dependency_action = "block" }]
    exit_code_ranges = [{ start = 10, end = 20, job_action = "none" }]
    default = { dependency_action = "satisfy" }
  }
`)
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("user_identity"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"username":                  knownvalue.Null(),
					"auto_user_scope":           knownvalue.StringExact("task"),
					"auto_user_elevation_level": knownvalue.StringExact("admin"),
				})),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("container_settings").AtMapKey("registry").AtMapKey("password"), knownvalue.StringExact("registry-secret")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("task_dependencies").AtMapKey("task_id_ranges").AtSliceIndex(0).AtMapKey("end"), knownvalue.Int64Exact(10)),
			},
		},
		resource.TestStep{
			ResourceName:            taskAddr,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"state", "etag", "last_modified", "node_info", "container_settings.registry.password"},
		},
	)
	adds := addTaskRequests(e)
	if len(adds) != 1 {
		t.Fatalf("want 1 Add Task, got %d", len(adds))
	}
	for _, want := range []string{`"dependsOn":{"taskIdRanges":[{"end":10,"start":1}],"taskIds":["prep"]}`, `"requiredSlots":2`, `"affinityInfo":{"affinityId":"tvm-1"}`} {
		if !bytes.Contains(adds[0].Body, []byte(want)) {
			t.Errorf("Add Task body lacks %s:\n%s", want, adds[0].Body)
		}
	}
}

func TestAccAzureBatchTask_driftAfterOutOfBandDelete(t *testing.T) {
	e := startEmulator(t)
	config := taskConfig(e, `
  task_id      = "drifty"
  command_line = "echo hi"
`)
	runAccTest(t, checkTasksDeleted(e), driftSteps(t, config, "the task",
		func(*terraform.State) bool { return e.AzureBatch().DeleteTask(testJob, "drifty") },
		plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionCreate),
	)...)
	if n := len(addTaskRequests(e)); n != 2 {
		t.Fatalf("the deleted task must be added again: want 2 Add Task calls, got %d", n)
	}
}

func TestAccAzureBatchTask_waitForCompletion(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: taskConfig(e, `
  task_id             = "waited"
  command_line        = "/bin/sh -c 'sleep 1; exit 0'"
  wait_for_completion = true
  timeouts            = { create = "1m" }
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("state"), knownvalue.StringExact("completed")),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("result"), knownvalue.StringExact("success")),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("exit_code"), knownvalue.Int64Exact(0)),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("failure_info"), knownvalue.Null()),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("node_info").AtMapKey("pool_id"), knownvalue.NotNull()),
		},
	})
}

func TestAccAzureBatchTask_waitForCompletionFailure(t *testing.T) {
	e := startEmulator(t)
	config := taskConfig(e, `
  task_id             = "fails"
  command_line        = "/bin/sh -c 'exit 3'"
  wait_for_completion = true
`)
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)Azure Batch task failed.*exit code 3.*FailureExitCode.*stays in state`),
		},
		resource.TestStep{
			// The failed task is in state, tainted: the next plan replaces it.
			Config:             config,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		},
	)
}

func TestAccAzureBatchTask_waitTimesOut(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: taskConfig(e, `
  task_id             = "slow"
  command_line        = "sleep 3600"
  wait_for_completion = true
  timeouts            = { create = "2s" }
`),
		ExpectError: errorText(`timed out waiting for task job-1/slow to complete (last status: running)`),
	})
}

func TestAccAzureBatchTask_planTimeValidation(t *testing.T) {
	e := startEmulator(t)
	cases := map[string]struct{ body, want string }{
		"task id characters": {`task_id = "bad id!"
  command_line = "x"`, `task_id.*must be 1 to 64 characters of letters, digits`},
		"task id length": {`task_id = "` + strings.Repeat("a", 65) + `"
  command_line = "x"`, `task_id.*must be 1 to 64`},
		"duration": {`task_id = "t"
  command_line = "x"
  constraints = { max_wall_clock_time = "2 hours" }`, `(?s)Invalid duration.*"2 hours" is not an ISO 8601 duration`},
		"months": {`task_id = "t"
  command_line = "x"
  constraints = { retention_time = "P1M" }`, `years or months`},
		"retry count": {`task_id = "t"
  command_line = "x"
  constraints = { max_task_retry_count = -2 }`, `max_task_retry_count.*at least -1`},
		"resource file source": {`task_id = "t"
  command_line = "x"
  resource_files = [{ http_url = "https://x/y", storage_container_url = "https://x", file_path = "y" }]`, `(?s)Invalid Attribute Combination`},
		"upload condition": {`task_id = "t"
  command_line = "x"
  output_files = [{ file_pattern = "*", container_url = "https://x", upload_condition = "always" }]`, `upload_condition.*value must be one of`},
		"file mode": {`task_id = "t"
  command_line = "x"
  resource_files = [{ http_url = "https://x/y", file_path = "y", file_mode = "0999" }]`, `file_mode must be an octal file mode`},
		"display name": {`task_id = "t"
  command_line = "x"
  display_name = ""`, `display_name string length must be between 1 and 1024`},
		"user identity": {`task_id = "t"
  command_line = "x"
  user_identity = { username = "bob", auto_user_scope = "task" }`, `(?s)Invalid Attribute Combination`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      taskConfig(e, tc.body),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(tc.want),
		})
	}
	runAccTest(t, nil, steps...)
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("invalid configurations must fail at plan time without calling the service; got %d requests", n)
	}
}

func TestAccAzureBatchTask_badCredentials(t *testing.T) {
	e := startEmulator(t)
	wrongKey := "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=" // base64, but not the account's key
	runAccTest(t, nil, resource.TestStep{
		Config: azureProviderConfigWithKey(e, wrongKey) + taskResource(testJob, `
  task_id      = "t"
  command_line = "echo hi"
`),
		ExpectError: regexp.MustCompile(`(?s)rejected the credentials.*account_key.*AuthenticationFailed`),
	})
	if e.AzureBatch().TaskExists(testJob, "t") {
		t.Fatal("no task may be created with a wrong key")
	}
}

func TestAccAzureBatchTask_missingJob(t *testing.T) {
	e := startEmulator(t)
	config := azureProviderConfig(e) + taskResource("no-such-job", `
  task_id      = "t"
  command_line = "echo hi"
`)
	runAccTest(t, nil,
		resource.TestStep{
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)Job "no-such-job" does not exist.*JobNotFound`),
		},
		resource.TestStep{
			// A definite refusal records nothing: the next plan adds the task.
			Config:             config,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionCreate),
			}},
		},
	)
	if gets := e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodGet, `/tasks/`); len(gets) != 0 {
		t.Fatalf("nothing was recorded, so nothing should have been read back; got %v", gets)
	}
}

func TestAccAzureBatchTask_retriesThroughFaults(t *testing.T) {
	e := startEmulator(t)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job-1/tasks$`, Status: 503, RetryAfter: time.Second, Times: 2})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `^/jobs/job-1/tasks/busy$`, Status: 429, Times: 1})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodDelete, Status: 500, Times: 1})
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: taskConfig(e, `
  task_id      = "busy"
  command_line = "echo hi"
`),
	})
	adds := addTaskRequests(e)
	if len(adds) != 3 || adds[0].Fault != "503" || adds[1].Fault != "503" || adds[2].Status != http.StatusCreated {
		t.Fatalf("want two 503s then a 201 for Add Task, got %v", adds)
	}
	if gap := adds[1].Time.Sub(adds[0].Time); gap < 900*time.Millisecond {
		t.Errorf("Retry-After: 1 was not honoured: retried after %s", gap)
	}
}

func TestAccAzureBatchTask_lostCreateResponseMakesNoDuplicate(t *testing.T) {
	e := startEmulator(t)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job-1/tasks$`, Lost: true, Times: 1})
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: taskConfig(e, `
  task_id      = "lost"
  command_line = "echo hi"
  environment  = { A = "1" }
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/lost")),
		},
	})
	adds := addTaskRequests(e)
	if len(adds) != 2 || adds[0].Fault != "lost" || adds[1].Status != http.StatusConflict {
		t.Fatalf("want a lost Add Task and a repeat answered 409 TaskExists, got %v", adds)
	}
}

func TestAccAzureBatchTask_existingDifferentTaskAsksForImport(t *testing.T) {
	e := startEmulator(t)
	addTaskElsewhere(t, e, azurebatch.TaskSpec{ID: azurebatch.Ptr("taken"), CommandLine: azurebatch.Ptr("echo other")})
	runAccTest(t, nil, resource.TestStep{
		Config: taskConfig(e, `
  task_id      = "taken"
  command_line = "echo mine"
`),
		ExpectError: errorText(`a different task with ID "taken" already exists in job "job-1". To manage it with Terraform, import it: terraform import <resource address> job-1/taken`),
	})
}

// Importing a task made elsewhere: a plan with the matching configuration shows no changes.
func TestAccAzureBatchTask_importThenPlanShowsNoChanges(t *testing.T) {
	e := startEmulator(t)
	addTaskElsewhere(t, e, azurebatch.TaskSpec{
		ID: azurebatch.Ptr("made-elsewhere"), CommandLine: azurebatch.Ptr("echo elsewhere"),
		EnvironmentSettings: []azurebatch.EnvironmentSetting{{Name: azurebatch.Ptr("A"), Value: azurebatch.Ptr("1")}},
		Constraints:         &azurebatch.TaskConstraints{MaxWallClockTime: azurebatch.Ptr("PT2H"), MaxTaskRetryCount: azurebatch.Ptr[int32](1)},
	})
	config := taskConfig(e, `
  task_id      = "made-elsewhere"
  command_line = "echo elsewhere"
  environment  = { A = "1" }
  constraints  = { max_wall_clock_time = "PT2H", max_task_retry_count = 1 }
`)
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config:             config,
			ResourceName:       taskAddr,
			ImportState:        true,
			ImportStateId:      "job-1/made-elsewhere",
			ImportStatePersist: true,
		},
		resource.TestStep{
			Config:   config,
			PlanOnly: true,
		},
	)
}

func TestAccAzureBatchTask_importRejectsBadID(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, nil, resource.TestStep{
		Config: taskConfig(e, `task_id = "x"
  command_line = "x"`),
		ResourceName:  taskAddr,
		ImportState:   true,
		ImportStateId: "just-a-task",
		ExpectError:   regexp.MustCompile(`Expected "job_id/task_id"`),
	})
}

// TF_LOG=trace must show the HTTP traffic but never the account key or a signature. The key
// comes from the environment, as users should pass it, so that only the provider and Terraform
// could leak it (the test harness logs the configuration it writes).
func TestAccAzureBatchTask_traceLogHasNoSecrets(t *testing.T) {
	e := startEmulator(t)
	t.Setenv("AZURE_BATCH_ACCESS_KEY", testKey)
	log := traceLog(t, checkTasksDeleted(e), resource.TestStep{
		Config: providerConfig("azure_batch", map[string]string{"endpoint": e.AzureBatchURL(), "account_name": testAccount, "ca_certificate_file": e.CAFile()}) +
			taskResource(testJob, `
  task_id      = "logged"
  command_line = "echo hi"
  constraints  = { max_wall_clock_time = "PT1H" }
`),
	})
	checkLogHidesSecret(t, log, []string{"HTTP request", "SharedKey ***", "api-version=2024-07-01.20.0"},
		"account key", testKey, regexp.MustCompile(`SharedKey [A-Za-z0-9]+:[A-Za-z0-9+/]{20,}=*`))
}

// Add Task whose answer never comes, however often it is repeated: the task exists on the
// service, so it is recorded (tainted) and destroy deletes it.
func TestAccAzureBatchTask_lostAddTaskIsRecorded(t *testing.T) {
	e := startEmulator(t)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job-1/tasks$`, Lost: true, Times: -1})
	config := taskConfig(e, `
  task_id      = "never-answered"
  command_line = "echo hi"
  constraints  = { retention_time = "P1D" }
`)
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config: config,
			ExpectError: regexp.MustCompile(`(?s)Outcome of adding Azure Batch task unknown.*` + errorText(`Add Task for job-1/never-answered got no definite answer, so the task may or may not exist`).String() +
				`.*` + errorText(`The task is recorded in state (tainted): the next refresh finds it`).String()),
		},
		resource.TestStep{
			PreConfig: func() {
				if !e.AzureBatch().TaskExists(testJob, "never-answered") {
					t.Fatal("the first Add Task should have added the task before its answer was lost")
				}
				if adds := addTaskRequests(e); len(adds) < 2 || adds[len(adds)-1].Fault != "lost" {
					t.Fatalf("want Add Task repeated after lost answers, got %v", adds)
				}
			},
			// The task is in state, tainted: refresh reads it and the plan replaces it.
			Config:             config,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
		},
	)
}

// Add Task refused with 503 until the retries run out: the outcome is unknown, so the task is
// recorded; the refresh finds no task and forgets it, and the plan adds it.
func TestAccAzureBatchTask_unavailableAddTaskIsRecordedThenForgotten(t *testing.T) {
	e := startEmulator(t)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job-1/tasks$`, Status: 503, Times: -1})
	config := taskConfig(e, `
  task_id      = "unavailable"
  command_line = "echo hi"
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		// Destroy refreshes first, finds nothing and has nothing to delete.
		CheckDestroy: func(*terraform.State) error {
			if e.AzureBatch().TaskExists(testJob, "unavailable") {
				return fmt.Errorf("task job-1/unavailable exists")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Outcome of adding Azure Batch task unknown.*HTTP 503.*recorded in state`),
			},
			{
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// Without refresh the recorded (tainted) task is replaced...
					PostApplyPreRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionDestroyBeforeCreate)},
					// ...the refresh finds it does not exist, so it is simply added.
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
	if gets := e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodGet, `^/jobs/job-1/tasks/unavailable$`); len(gets) == 0 || gets[0].Status != http.StatusNotFound {
		t.Fatalf("the refresh should have asked for the recorded task and got 404, got %v", gets)
	}
}

// A constraints change is sent with the ETag in state. The task's start moves the ETag, which
// the client settles by itself (412, read, update again); constraints changed by somebody else
// since the last refresh are not overwritten, and the error says what to do.
func TestAzureBatchTaskConstraintsUpdateIsConditional(t *testing.T) {
	e := startEmulator(t)
	r, s := directTaskResource(t, e)
	ctx := context.Background()
	plan := createPlan(s, map[string]tftypes.Value{
		"job_id": tftypes.NewValue(tftypes.String, "job-1"), "task_id": tftypes.NewValue(tftypes.String, "moving"),
		"command_line": tftypes.NewValue(tftypes.String, "sleep 3600"), "wait_for_completion": tftypes.NewValue(tftypes.Bool, false),
	})
	created := fwresource.CreateResponse{State: tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	r.Create(ctx, fwresource.CreateRequest{Plan: plan}, &created)
	if created.Diagnostics.HasError() || stateString(t, created.State, "state").ValueString() != "active" {
		t.Fatalf("create: %s, state %s", diagsText(created.Diagnostics), stateString(t, created.State, "state"))
	}
	etag := stateString(t, created.State, "etag").ValueString()
	eventually(t, "the task to start running", func() bool {
		task, _ := e.AzureBatch().Task(testJob, "moving")
		return task.State == "running" && task.ETag != etag
	})

	update := func(state tfsdk.State, retries int64) fwresource.UpdateResponse {
		t.Helper()
		plan := tfsdk.Plan{Schema: s.Schema, Raw: state.Raw}
		if d := plan.SetAttribute(ctx, path.Root("constraints").AtName("max_task_retry_count"), types.Int64Value(retries)); d.HasError() {
			t.Fatal(diagsText(d))
		}
		e.ResetRequests()
		resp := fwresource.UpdateResponse{State: state}
		r.Update(ctx, fwresource.UpdateRequest{Plan: plan, State: state}, &resp)
		return resp
	}
	requests := func() string {
		var out []string
		for _, q := range e.RequestsFor(emulator.ServiceAzureBatch) {
			out = append(out, fmt.Sprint(q.Method, " ", q.Status))
		}
		return strings.Join(out, ", ")
	}

	updated := update(created.State, 3)
	if updated.Diagnostics.HasError() {
		t.Fatalf("only the task's state moved the ETag: want the update done, got %s", diagsText(updated.Diagnostics))
	}
	if got := requests(); got != "PUT 412, GET 200, PUT 200, GET 200" {
		t.Errorf("requests %s, want a 412, a read, the update again and the read back", got)
	}
	if task, _ := e.AzureBatch().Task(testJob, "moving"); deref(task.Constraints.MaxTaskRetryCount) != 3 {
		t.Errorf("max_task_retry_count on the service %d, want 3", deref(task.Constraints.MaxTaskRetryCount))
	}

	// Somebody else changes the constraints after the last refresh.
	if err := r.data.azureBatch.client.UpdateConstraints(ctx, testJob, "moving", azurebatch.TaskConstraints{MaxTaskRetryCount: azurebatch.Ptr[int32](7)}, nil, ""); err != nil {
		t.Fatal(err)
	}
	refused := update(updated.State, 5)
	text := diagsText(refused.Diagnostics)
	for _, want := range []string{"Error updating Azure Batch task constraints",
		"the task's constraints were changed outside Terraform since it was last read; run terraform apply again to review the change",
		"ConditionNotMet"} {
		if !strings.Contains(text, want) {
			t.Errorf("the error should say %q, got %s", want, text)
		}
	}
	if got := requests(); got != "PUT 412, GET 200" {
		t.Errorf("requests %s, want the 412 and the read only", got)
	}
	if task, _ := e.AzureBatch().Task(testJob, "moving"); deref(task.Constraints.MaxTaskRetryCount) != 7 {
		t.Errorf("their max_task_retry_count was overwritten: %d", deref(task.Constraints.MaxTaskRetryCount))
	}
}

// The endpoint as azurerm_batch_account.account_endpoint gives it, without a scheme: https
// is assumed. The emulator serves https on 127.0.0.1:PORT.
func TestAccAzureBatchTask_endpointWithoutScheme(t *testing.T) {
	e := startEmulator(t)
	host := strings.TrimPrefix(e.AzureBatchURL(), "https://")
	if !strings.HasPrefix(host, "127.0.0.1:") {
		t.Fatalf("the emulator's endpoint should be https://127.0.0.1:PORT, got %s", e.AzureBatchURL())
	}
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: providerConfig("azure_batch", map[string]string{"endpoint": host, "account_name": testAccount, "account_key": testKey, "ca_certificate_file": e.CAFile()}) +
			taskResource(testJob, `
  task_id      = "bare-host"
  command_line = "echo hi"
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`/jobs/job-1/tasks/bare-host$`))),
		},
	})
	if n := len(addTaskRequests(e)); n != 1 {
		t.Fatalf("want 1 Add Task through the endpoint without scheme, got %d", n)
	}
}

// The same from AZURE_BATCH_ENDPOINT.
func TestAccAzureBatchTask_endpointWithoutSchemeFromEnvironment(t *testing.T) {
	e := startEmulator(t)
	t.Setenv("AZURE_BATCH_ENDPOINT", strings.TrimPrefix(e.AzureBatchURL(), "https://"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{{
			Config: providerConfig("azure_batch", map[string]string{"account_name": testAccount, "account_key": testKey, "ca_certificate_file": e.CAFile()}) +
				taskResource(testJob, `
  task_id      = "bare-host-env"
  command_line = "echo hi"
`),
		}},
	})
	if n := len(addTaskRequests(e)); n != 1 {
		t.Fatalf("want 1 Add Task through AZURE_BATCH_ENDPOINT without scheme, got %d", n)
	}
}

// Terraform and OpenTofu 1.12+ name the task by its identity, job and task id, and import it
// from an `import` block holding that identity instead of "job_id/task_id".
func TestAccAzureBatchTask_importByIdentity(t *testing.T) {
	e := startEmulator(t)
	config := taskConfig(e, `
  task_id      = "by-identity"
  command_line = "echo hi"
`)
	identity := map[string]string{"job_id": testJob, "task_id": "by-identity"}
	runIdentityTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config:            config,
			ConfigStateChecks: []statecheck.StateCheck{expectIdentity(taskAddr, identity)},
		},
		importByIdentityStep(taskAddr),
		resource.TestStep{
			// The constraints change in place: the identity stays.
			Config: taskConfig(e, `
  task_id      = "by-identity"
  command_line = "echo hi"
  constraints  = { max_task_retry_count = 2 }
`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionUpdate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{expectIdentity(taskAddr, identity)},
		},
	)
}
