package provider

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

const taskAddr = "batchops_azure_batch_task.test"

// checkTasksDeleted asks the emulator that every task in state received a successful Delete
// Task call and no longer exists.
func checkTasksDeleted(e *emulator.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "batchops_azure_batch_task" {
				continue
			}
			job, task := rs.Primary.Attributes["job_id"], rs.Primary.Attributes["task_id"]
			if e.AzureBatch().TaskExists(job, task) {
				return fmt.Errorf("task %s/%s still exists after destroy", job, task)
			}
			deleted := false
			for _, r := range e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodDelete, "^/jobs/"+job+"/tasks/"+task+"$") {
				if r.Status == http.StatusOK && strings.Contains(r.Query, "api-version="+azurebatch.APIVersion) {
					deleted = true
				}
			}
			if !deleted {
				return fmt.Errorf("the emulator received no successful DELETE /jobs/%s/tasks/%s?api-version=%s", job, task, azurebatch.APIVersion)
			}
		}
		return nil
	}
}

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

// taskArguments are the task resource's arguments, but multi_instance_settings: it needs
// required_slots = 1.
var taskArguments = []string{"job_id", "task_id", "command_line", "display_name", "environment", "affinity_id", "resource_files",
	"output_files", "constraints", "required_slots", "user_identity", "task_dependencies", "container_settings",
	"application_package_references", "exit_conditions", "wait_for_completion"}

// argumentsFrom sets each of the arguments to the attribute of the same name of object, in HCL.
func argumentsFrom(object string, arguments []string) string {
	var b strings.Builder
	for _, a := range arguments {
		fmt.Fprintf(&b, "  %s = %s.%s\n", a, object, a)
	}
	return b.String()
}

// Every argument comes from another resource's attribute that is unknown at plan time (the
// output of a terraform_data created in the same apply): the plan shows them unknown, apply
// sends them, and the next plan is empty. multi_instance_settings needs required_slots = 1,
// so it has a task of its own, which also waits for completion.
func TestAccAzureBatchTask_everyArgumentUnknownAtPlan(t *testing.T) {
	e := startEmulator(t)
	const multiAddr = "batchops_azure_batch_task.multi"
	config := azureProviderConfig(e) + `
resource "terraform_data" "x" {
  input = {
    job_id       = "job-1"
    task_id      = "from-data"
    command_line = "/bin/sh -c 'echo unknown at plan'"
    display_name = "all unknown"
    environment  = { A = "1", B = "two" }
    affinity_id  = "tvm-1"
    resource_files = [
      { http_url = "https://example.com/a.txt", file_path = "a.txt" },
      { storage_container_url = "https://acct.blob.core.windows.net/in?sv=x", blob_prefix = "scenes/", file_path = "in", file_mode = "0755" },
    ]
    output_files = [{
      file_pattern     = "out/*"
      container_url    = "https://acct.blob.core.windows.net/out?sv=secret"
      path             = "results"
      upload_condition = "taskcompletion"
      upload_headers   = { "x-ms-blob-content-type" = "text/plain" }
    }]
    constraints       = { max_wall_clock_time = "PT1H", max_task_retry_count = 2 }
    required_slots    = 2
    user_identity     = { auto_user_scope = "task", auto_user_elevation_level = "admin" }
    task_dependencies = { task_ids = ["prep"], task_id_ranges = [{ start = 1, end = 3 }] }
    container_settings = {
      image_name             = "myregistry.azurecr.io/render:1"
      container_run_options  = "--rm"
      working_directory      = "taskWorkingDirectory"
      registry               = { registry_server = "myregistry.azurecr.io", username = "puller", password = "registry-secret" }
      host_batch_bind_mounts = [{ source = "Task", is_read_only = false }]
    }
    application_package_references = [{ application_id = "blender", version = "4.2" }]
    exit_conditions = {
      exit_codes           = [{ code = 3, job_action = "none", dependency_action = "block" }]
      exit_code_ranges     = [{ start = 10, end = 20, dependency_action = "satisfy" }]
      pre_processing_error = { job_action = "none" }
      file_upload_error    = { dependency_action = "satisfy" }
      default              = { job_action = "none", dependency_action = "satisfy" }
    }
    wait_for_completion = false

    multi_task_id = "multi-from-data"
    multi_instance_settings = {
      number_of_instances       = 2
      coordination_command_line = "/bin/sh -c 'echo coordinate'"
      common_resource_files     = [{ auto_storage_container_name = "shared" }]
    }
    multi_wait = true
  }
}

locals {
  x = terraform_data.x.output
}

resource "batchops_azure_batch_task" "test" {
` + argumentsFrom("local.x", taskArguments) + `}

resource "batchops_azure_batch_task" "multi" {
  job_id                  = local.x.job_id
  task_id                 = local.x.multi_task_id
  command_line            = local.x.command_line
  required_slots          = 1
  multi_instance_settings = local.x.multi_instance_settings
  wait_for_completion     = local.x.multi_wait
}
`
	var unknownAtPlan []plancheck.PlanCheck
	for _, a := range taskArguments {
		unknownAtPlan = append(unknownAtPlan, plancheck.ExpectUnknownValue(taskAddr, tfjsonpath.New(a)))
	}
	for _, a := range []string{"job_id", "task_id", "multi_instance_settings", "wait_for_completion"} {
		unknownAtPlan = append(unknownAtPlan, plancheck.ExpectUnknownValue(multiAddr, tfjsonpath.New(a)))
	}
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: unknownAtPlan},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/from-data")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("environment"), knownvalue.MapExact(map[string]knownvalue.Check{
					"A": knownvalue.StringExact("1"), "B": knownvalue.StringExact("two"),
				})),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("resource_files").AtSliceIndex(1).AtMapKey("blob_prefix"), knownvalue.StringExact("scenes/")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("resource_files").AtSliceIndex(0).AtMapKey("blob_prefix"), knownvalue.Null()),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("output_files").AtSliceIndex(0).AtMapKey("upload_headers").AtMapKey("x-ms-blob-content-type"), knownvalue.StringExact("text/plain")),
				// Unset constraints take the service's defaults without a diff.
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"max_wall_clock_time":  knownvalue.StringExact("PT1H"),
					"retention_time":       knownvalue.StringExact("P7D"),
					"max_task_retry_count": knownvalue.Int64Exact(2),
				})),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("required_slots"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("user_identity").AtMapKey("auto_user_scope"), knownvalue.StringExact("task")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("task_dependencies").AtMapKey("task_ids"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("prep")})),
				// The service never returns the password: it is kept from the configuration.
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("container_settings").AtMapKey("registry").AtMapKey("password"), knownvalue.StringExact("registry-secret")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("container_settings").AtMapKey("host_batch_bind_mounts").AtSliceIndex(0).AtMapKey("source"), knownvalue.StringExact("Task")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("application_package_references").AtSliceIndex(0).AtMapKey("version"), knownvalue.StringExact("4.2")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("exit_conditions").AtMapKey("exit_code_ranges").AtSliceIndex(0).AtMapKey("job_action"), knownvalue.Null()),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("exit_conditions").AtMapKey("file_upload_error").AtMapKey("dependency_action"), knownvalue.StringExact("satisfy")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("wait_for_completion"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(multiAddr, tfjsonpath.New("multi_instance_settings").AtMapKey("number_of_instances"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(multiAddr, tfjsonpath.New("multi_instance_settings").AtMapKey("common_resource_files").AtSliceIndex(0).AtMapKey("auto_storage_container_name"), knownvalue.StringExact("shared")),
				statecheck.ExpectKnownValue(multiAddr, tfjsonpath.New("required_slots"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue(multiAddr, tfjsonpath.New("state"), knownvalue.StringExact("completed")),
			},
			Check: func(*terraform.State) error {
				adds := addTaskRequests(e)
				var body []byte
				for _, a := range adds {
					if bytes.Contains(a.Body, []byte(`"id":"from-data"`)) {
						body = a.Body
					}
				}
				for _, want := range []string{
					`"environmentSettings":[{"name":"A","value":"1"},{"name":"B","value":"two"}]`,
					`"dependsOn":{"taskIdRanges":[{"end":3,"start":1}],"taskIds":["prep"]}`,
					`"requiredSlots":2`, `"password":"registry-secret"`, `"maxTaskRetryCount":2`,
				} {
					if !bytes.Contains(body, []byte(want)) {
						return fmt.Errorf("Add Task body for from-data lacks %s:\n%s", want, body)
					}
				}
				return nil
			},
		},
		emptyPlanStep(config),
	)
}

// Arguments from input variables and for expressions. terraform-plugin-testing has no validate
// step, but every plan starts with the same validation walk as `terraform validate`, in which
// input variables are unknown: this step's plan validates the configuration with all of them
// unknown (validators, nested ones included, must wait), then plans, applies and re-plans with
// them known.
func TestAccAzureBatchTask_argumentsFromVariables(t *testing.T) {
	e := startEmulator(t)
	cfg := azureProviderConfig(e) + `
variable "job_id" {
  type = string
}
variable "frames" {
  type = list(number)
}
variable "env" {
  type    = map(string)
  default = { QUALITY = "high" }
}
variable "source_url" {
  type    = string
  default = "https://example.com/scenes"
}
variable "container" {
  type    = string
  default = "tools"
}
variable "blob_prefix" {
  type    = string
  default = null
}
variable "user" {
  type    = string
  default = null
}
variable "scope" {
  type    = string
  default = "task"
}
variable "first" {
  type    = number
  default = 1
}
variable "last" {
  type    = number
  default = 10
}
variable "retention" {
  type    = string
  default = "PT48H"
}

resource "batchops_azure_batch_task" "test" {
  job_id       = var.job_id
  task_id      = "frames-${var.frames[0]}-${var.frames[length(var.frames) - 1]}"
  command_line = "render ${join(" ", var.frames)}"
  environment  = merge({ for i, f in var.frames : "FRAME_${i}" => tostring(f) }, var.env)
  resource_files = concat(
    [for f in var.frames : { http_url = "${var.source_url}/${f}.blend", file_path = "frame-${f}.blend" }],
    [{ auto_storage_container_name = var.container, blob_prefix = var.blob_prefix }],
  )
  user_identity     = { username = var.user, auto_user_scope = var.scope }
  task_dependencies = { task_id_ranges = [{ start = var.first, end = var.last }] }
  constraints       = { retention_time = var.retention }
}
`
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: cfg,
		ConfigVariables: config.Variables{
			"job_id": config.StringVariable("job-1"),
			"frames": config.ListVariable(config.IntegerVariable(1), config.IntegerVariable(2), config.IntegerVariable(3)),
		},
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/frames-1-3")),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("environment"), knownvalue.MapExact(map[string]knownvalue.Check{
				"FRAME_0": knownvalue.StringExact("1"), "FRAME_1": knownvalue.StringExact("2"), "FRAME_2": knownvalue.StringExact("3"),
				"QUALITY": knownvalue.StringExact("high"),
			})),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("resource_files"), knownvalue.ListSizeExact(4)),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("resource_files").AtSliceIndex(2).AtMapKey("http_url"), knownvalue.StringExact("https://example.com/scenes/3.blend")),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("retention_time"), knownvalue.StringExact("PT48H")),
		},
	})
}

// tfObject is an object of typ with the given attributes, the others null.
func tfObject(typ tftypes.Type, vals map[string]tftypes.Value) tftypes.Value {
	obj := typ.(tftypes.Object)
	all := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, at := range obj.AttributeTypes {
		if v, ok := vals[name]; ok {
			all[name] = v
		} else {
			all[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(obj, all)
}

func tfUnknown(typ tftypes.Type) tftypes.Value { return tftypes.NewValue(typ, tftypes.UnknownValue) }

func tfElem(typ tftypes.Type) tftypes.Type {
	switch t := typ.(type) {
	case tftypes.List:
		return t.ElementType
	case tftypes.Map:
		return t.ElementType
	}
	panic(fmt.Sprintf("no element type in %s", typ))
}

// tfList is a list of typ holding objects with the given attributes.
func tfList(typ tftypes.Type, elems ...map[string]tftypes.Value) tftypes.Value {
	values := make([]tftypes.Value, 0, len(elems))
	for _, e := range elems {
		values = append(values, tfObject(tfElem(typ), e))
	}
	return tftypes.NewValue(typ, values)
}

// What `terraform validate` sends when arguments come from variables: unknown values, at any
// depth. Validation passes over them and still rejects bad known values.
func TestAzureBatchTaskValidateConfigWithUnknownValues(t *testing.T) {
	ctx := context.Background()
	server, err := testProviderFactories["batchops"]()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schemas.ResourceSchemas["batchops_azure_batch_task"].ValueType().(tftypes.Object)
	at := func(name string) tftypes.Type { return typ.AttributeTypes[name] }
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	num := func(n int) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
	unknownString, unknownNumber := tfUnknown(tftypes.String), tfUnknown(tftypes.Number)
	validate := func(t *testing.T, args map[string]tftypes.Value) []*tfprotov6.Diagnostic {
		t.Helper()
		config := map[string]tftypes.Value{"job_id": str("job-1"), "task_id": str("t"), "command_line": str("x")}
		for k, v := range args {
			config[k] = v
		}
		dv, err := tfprotov6.NewDynamicValue(typ, tfObject(typ, config))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "batchops_azure_batch_task", Config: &dv})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}

	t.Run("every argument unknown", func(t *testing.T) {
		args := map[string]tftypes.Value{}
		for _, name := range append(slices.Clone(taskArguments), "multi_instance_settings") {
			args[name] = tfUnknown(at(name))
		}
		if diags := validate(t, args); len(diags) != 0 {
			t.Fatalf("unknown arguments must pass validation, got %v", diagText(diags))
		}
	})

	t.Run("unknown nested values", func(t *testing.T) {
		deps := at("task_dependencies").(tftypes.Object)
		container := at("container_settings").(tftypes.Object)
		exits := at("exit_conditions").(tftypes.Object)
		multi := at("multi_instance_settings").(tftypes.Object)
		diags := validate(t, map[string]tftypes.Value{
			"environment": tftypes.NewValue(at("environment"), map[string]tftypes.Value{"A": unknownString}),
			"resource_files": tfList(at("resource_files"),
				map[string]tftypes.Value{"http_url": unknownString},                                                                 // ExactlyOneOf, AlsoRequires wait
				map[string]tftypes.Value{"auto_storage_container_name": unknownString, "http_url": str("u"), "file_path": str("f")}, // ExactlyOneOf waits
				map[string]tftypes.Value{"http_url": str("u"), "file_path": unknownString, "blob_prefix": unknownString},            // AlsoRequires, ConflictsWith wait
				map[string]tftypes.Value{"storage_container_url": str("s"), "file_mode": unknownString},
			),
			"output_files": tfList(at("output_files"), map[string]tftypes.Value{
				"file_pattern": unknownString, "container_url": unknownString, "upload_condition": unknownString,
				"upload_headers": tfUnknown(tfElem(at("output_files")).(tftypes.Object).AttributeTypes["upload_headers"]),
			}),
			"constraints":    tfObject(at("constraints"), map[string]tftypes.Value{"max_wall_clock_time": unknownString, "max_task_retry_count": unknownNumber}),
			"required_slots": unknownNumber,
			"user_identity":  tfObject(at("user_identity"), map[string]tftypes.Value{"username": unknownString, "auto_user_scope": str("task")}),
			"task_dependencies": tfObject(deps, map[string]tftypes.Value{
				"task_ids": tftypes.NewValue(deps.AttributeTypes["task_ids"], []tftypes.Value{unknownString, str("prep")}),
				"task_id_ranges": tfList(deps.AttributeTypes["task_id_ranges"],
					map[string]tftypes.Value{"start": unknownNumber, "end": num(2)}, // AtLeastSumOf waits
					map[string]tftypes.Value{"start": num(5), "end": unknownNumber},
				),
			}),
			"container_settings": tfObject(container, map[string]tftypes.Value{
				"image_name": unknownString, "working_directory": unknownString,
				"registry":               tfObject(container.AttributeTypes["registry"], map[string]tftypes.Value{"password": unknownString}),
				"host_batch_bind_mounts": tfList(container.AttributeTypes["host_batch_bind_mounts"], map[string]tftypes.Value{"source": unknownString}),
			}),
			"multi_instance_settings": tfObject(multi, map[string]tftypes.Value{
				"number_of_instances": unknownNumber, "coordination_command_line": unknownString,
				"common_resource_files": tfUnknown(multi.AttributeTypes["common_resource_files"]),
			}),
			"exit_conditions": tfObject(exits, map[string]tftypes.Value{
				"exit_codes": tfList(exits.AttributeTypes["exit_codes"], map[string]tftypes.Value{"code": unknownNumber, "job_action": unknownString}),
				"default":    tfUnknown(exits.AttributeTypes["default"]),
			}),
		})
		if len(diags) != 0 {
			t.Fatalf("unknown nested values must pass validation, got %v", diagText(diags))
		}
	})

	deps := at("task_dependencies").(tftypes.Object)
	for name, tc := range map[string]struct {
		args map[string]tftypes.Value
		want string
	}{
		"ExactlyOneOf, two sources": {map[string]tftypes.Value{"resource_files": tfList(at("resource_files"),
			map[string]tftypes.Value{"http_url": str("u"), "storage_container_url": str("s"), "file_path": str("f")})},
			"2 attributes specified when one (and only one) of"},
		"ExactlyOneOf, no source": {map[string]tftypes.Value{"resource_files": tfList(at("resource_files"),
			map[string]tftypes.Value{"file_path": str("f")})},
			"No attribute specified when one (and only one) of"},
		"AlsoRequires": {map[string]tftypes.Value{"resource_files": tfList(at("resource_files"),
			map[string]tftypes.Value{"http_url": str("u")})},
			`Attribute "resource_files[0].file_path" must be specified when "resource_files[0].http_url" is specified`},
		"ConflictsWith, blob prefix": {map[string]tftypes.Value{"resource_files": tfList(at("resource_files"),
			map[string]tftypes.Value{"http_url": str("u"), "file_path": str("f"), "blob_prefix": str("p")})},
			`Attribute "resource_files[0].http_url" cannot be specified when "resource_files[0].blob_prefix" is specified`},
		"ConflictsWith, user": {map[string]tftypes.Value{"user_identity": tfObject(at("user_identity"),
			map[string]tftypes.Value{"username": str("bob"), "auto_user_elevation_level": str("admin")})},
			`Attribute "user_identity.auto_user_elevation_level" cannot be specified when "user_identity.username" is specified`},
		"AtLeastSumOf": {map[string]tftypes.Value{"task_dependencies": tfObject(deps, map[string]tftypes.Value{
			"task_id_ranges": tfList(deps.AttributeTypes["task_id_ranges"], map[string]tftypes.Value{"start": num(5), "end": num(2)})})},
			"value must be at least sum of"},
		"duration": {map[string]tftypes.Value{"constraints": tfObject(at("constraints"), map[string]tftypes.Value{"retention_time": str("P1M")})},
			"years or months"},
	} {
		t.Run("known bad: "+name, func(t *testing.T) {
			diags := validate(t, tc.args)
			if text := diagText(diags); len(diags) == 0 || !strings.Contains(text, tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, text)
			}
		})
	}

	t.Run("data source ids unknown", func(t *testing.T) {
		dsType := schemas.DataSourceSchemas["batchops_azure_batch_task"].ValueType()
		for _, c := range []struct {
			job, task tftypes.Value
			want      string
		}{
			{unknownString, unknownString, ""},
			{str("job-1"), str("bad id!"), "must be 1 to 64 characters"},
		} {
			dv, err := tfprotov6.NewDynamicValue(dsType, tfObject(dsType, map[string]tftypes.Value{"job_id": c.job, "task_id": c.task}))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "batchops_azure_batch_task", Config: &dv})
			if err != nil {
				t.Fatal(err)
			}
			if text := diagText(resp.Diagnostics); (c.want == "") != (len(resp.Diagnostics) == 0) || !strings.Contains(text, c.want) {
				t.Fatalf("job %s, task %s: want %q, got %v", c.job, c.task, c.want, text)
			}
		}
	})
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%s: %s] ", d.Summary, d.Detail)
	}
	return b.String()
}

// Values unknown at plan are checked once known: the plan passes, apply refuses them before
// any request.
func TestAccAzureBatchTask_badValueKnownOnlyAtApplyIsRejected(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, nil, resource.TestStep{
		Config: azureProviderConfig(e) + `
resource "terraform_data" "x" {
  input = { start = 5, end = 2 }
}
resource "batchops_azure_batch_task" "test" {
  job_id            = "job-1"
  task_id           = "late-check"
  command_line      = "echo hi"
  task_dependencies = { task_id_ranges = [{ start = terraform_data.x.output.start, end = terraform_data.x.output.end }] }
}
`,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectUnknownValue(taskAddr, tfjsonpath.New("task_dependencies").AtMapKey("task_id_ranges").AtSliceIndex(0).AtMapKey("end")),
		}},
		ExpectError: regexp.MustCompile(`Attribute task_dependencies.task_id_ranges\[0\].end value must be at least sum\s+of <.start, got: 2`),
	})
	if n := len(e.RequestsFor(emulator.ServiceAzureBatch)); n != 0 {
		t.Fatalf("a value refused at apply must not reach the service; the emulator saw %d requests", n)
	}
}

// The attribute types next to the models must be the schema's, for the resource and the data
// source alike.
func TestAzureBatchTaskAttrTypesMatchSchema(t *testing.T) {
	ctx := context.Background()
	var rs fwresource.SchemaResponse
	NewAzureBatchTaskResource().Schema(ctx, fwresource.SchemaRequest{}, &rs)
	var ds datasource.SchemaResponse
	NewAzureBatchTaskDataSource().Schema(ctx, datasource.SchemaRequest{}, &ds)
	obj := func(m map[string]attr.Type) attr.Type { return types.ObjectType{AttrTypes: m} }
	list := func(t attr.Type) attr.Type { return types.ListType{ElemType: t} }
	for name, want := range map[string]attr.Type{
		"environment":                    types.MapType{ElemType: types.StringType},
		"resource_files":                 list(resourceFileType),
		"output_files":                   list(outputFileType),
		"constraints":                    obj(constraintsAttrTypes),
		"user_identity":                  obj(userIdentityAttrTypes),
		"task_dependencies":              obj(taskDependenciesAttrTypes),
		"container_settings":             obj(containerSettingsAttrTypes),
		"multi_instance_settings":        obj(multiInstanceSettingsAttrTypes),
		"application_package_references": list(applicationPackageType),
		"exit_conditions":                obj(exitConditionsAttrTypes),
		"failure_info":                   obj(failureInfoAttrTypes),
		"node_info":                      obj(nodeInfoAttrTypes),
	} {
		for kind, typ := range map[string]func() (attr.Type, diag.Diagnostics){
			"resource":    func() (attr.Type, diag.Diagnostics) { return rs.Schema.TypeAtPath(ctx, path.Root(name)) },
			"data source": func() (attr.Type, diag.Diagnostics) { return ds.Schema.TypeAtPath(ctx, path.Root(name)) },
		} {
			got, diags := typ()
			if diags.HasError() || !got.Equal(want) {
				t.Errorf("%s %s: schema type %v, model type %v (%v)", kind, name, got, want, diags)
			}
		}
	}
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

// Ctrl-C makes Terraform cancel the context of the provider's calls (StopProvider). The
// tests below call the resource's methods directly with a context they cancel, as a plugin
// server does.

// directTaskResource is the task resource configured with a client of the emulator.
func directTaskResource(t *testing.T, e *emulator.Emulator) (*azureBatchTaskResource, fwresource.SchemaResponse) {
	t.Helper()
	r := &azureBatchTaskResource{data: &providerData{
		waits:      testWaits,
		azureBatch: service[*azurebatch.Client]{client: azureTestClient(t, e)},
	}}
	var s fwresource.SchemaResponse
	r.Schema(context.Background(), fwresource.SchemaRequest{}, &s)
	return r, s
}

// createPlan is the plan Terraform sends to create a task with args: computed values unknown,
// the other arguments null.
func createPlan(s fwresource.SchemaResponse, args map[string]tftypes.Value) tfsdk.Plan {
	typ := s.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		switch a := s.Schema.Attributes[name]; {
		case args[name].Type() != nil:
			vals[name] = args[name]
		case a.IsComputed() && !a.IsOptional(), name == "constraints":
			vals[name] = tfUnknown(at)
		default:
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	return tfsdk.Plan{Schema: s.Schema, Raw: tftypes.NewValue(typ, vals)}
}

// eventually waits for something that is bound to happen.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func stateString(t *testing.T, s tfsdk.State, name string) types.String {
	t.Helper()
	var v types.String
	if diags := s.GetAttribute(context.Background(), path.Root(name), &v); diags.HasError() {
		t.Fatalf("state %s: %v", name, diags)
	}
	return v
}

func diagsText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%s: %s] ", d.Summary(), d.Detail())
	}
	return b.String()
}

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
