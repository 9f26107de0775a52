package provider

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"
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
			for _, r := range requestsMatching(e, http.MethodDelete, "^/jobs/"+job+"/tasks/"+task+"$") {
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

func taskConfig(e *emulator.Emulator, body string) string {
	return azureProviderConfig(e) + fmt.Sprintf(`
resource "batchops_azure_batch_task" "test" {
  job_id = "job-1"
%s
}
`, body)
}

func TestAccAzureBatchTask_lifecycle(t *testing.T) {
	e := startEmulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{
			{
				Config: taskConfig(e, `
  task_id      = "render-0001"
  display_name = "frame 1"
  command_line = "/bin/sh -c 'sleep 30'"
  environment  = { FRAME = "1", QUALITY = "high" }
  resource_files = [{ http_url = "https://example.com/scene.blend", file_path = "scene.blend" }]
  constraints = { retention_time = "P1D" }
`),
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
			{
				ResourceName:      taskAddr,
				ImportState:       true,
				ImportStateId:     "job-1/render-0001",
				ImportStateVerify: true,
				// Import cannot know the timeouts; state, etag and the rest move as the task runs.
				ImportStateVerifyIgnore: []string{"state", "etag", "last_modified", "node_info"},
			},
			{
				// Constraints change in place, with the stored ETag as If-Match.
				Config: taskConfig(e, `
  task_id      = "render-0001"
  display_name = "frame 1"
  command_line = "/bin/sh -c 'sleep 30'"
  environment  = { FRAME = "1", QUALITY = "high" }
  resource_files = [{ http_url = "https://example.com/scene.blend", file_path = "scene.blend" }]
  constraints = { retention_time = "P1D", max_wall_clock_time = "PT2H", max_task_retry_count = 3 }
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact("PT2H")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("max_task_retry_count"), knownvalue.Int64Exact(3)),
				},
				Check: func(*terraform.State) error {
					puts := requestsMatching(e, http.MethodPut, `^/jobs/job-1/tasks/render-0001$`)
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
			{
				// Anything else replaces the task.
				Config: taskConfig(e, `
  task_id      = "render-0001"
  display_name = "frame 1"
  command_line = "/bin/sh -c 'sleep 60'"
  environment  = { FRAME = "1", QUALITY = "high" }
  resource_files = [{ http_url = "https://example.com/scene.blend", file_path = "scene.blend" }]
  constraints = { retention_time = "P1D", max_wall_clock_time = "PT2H", max_task_retry_count = 3 }
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					if n := len(requestsMatching(e, http.MethodDelete, `^/jobs/job-1/tasks/render-0001$`)); n != 1 {
						return fmt.Errorf("replacement must delete the old task once, got %d DELETEs", n)
					}
					if n := len(requestsMatching(e, http.MethodPost, `^/jobs/job-1/tasks$`)); n != 2 {
						return fmt.Errorf("want 2 Add Task calls after the replacement, got %d", n)
					}
					return nil
				},
			},
		},
	})
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact("PT90M")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("retention_time"), knownvalue.StringExact("PT48H")),
				},
			},
			{
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
		},
	})
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{
			{
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
			{
				ResourceName:            taskAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"state", "etag", "last_modified", "node_info", "container_settings.registry.password"},
			},
		},
	})
	adds := requestsMatching(e, http.MethodPost, `^/jobs/job-1/tasks$`)
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					if !e.AzureBatch().DeleteTask(testJob, "drifty") {
						t.Fatal("the task should exist before the out-of-band delete")
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
	if n := len(requestsMatching(e, http.MethodPost, `^/jobs/job-1/tasks$`)); n != 2 {
		t.Fatalf("the deleted task must be added again: want 2 Add Task calls, got %d", n)
	}
}

func TestAccAzureBatchTask_waitForCompletion(t *testing.T) {
	e := startEmulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{{
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
		}},
	})
}

func TestAccAzureBatchTask_waitForCompletionFailure(t *testing.T) {
	e := startEmulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{
			{
				Config: taskConfig(e, `
  task_id             = "fails"
  command_line        = "/bin/sh -c 'exit 3'"
  wait_for_completion = true
`),
				ExpectError: regexp.MustCompile(`(?s)Azure Batch task failed.*exit code 3.*FailureExitCode.*stays in state`),
			},
			{
				// The failed task is in state, tainted: the next plan replaces it.
				Config: taskConfig(e, `
  task_id             = "fails"
  command_line        = "/bin/sh -c 'exit 3'"
  wait_for_completion = true
`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

func TestAccAzureBatchTask_waitTimesOut(t *testing.T) {
	e := startEmulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{{
			Config: taskConfig(e, `
  task_id             = "slow"
  command_line        = "sleep 3600"
  wait_for_completion = true
  timeouts            = { create = "2s" }
`),
			ExpectError: errorText(`timed out waiting for task job-1/slow to complete (last status: running)`),
		}},
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
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testProviderFactories, Steps: steps})
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("invalid configurations must fail at plan time without calling the service; got %d requests", n)
	}
}

func TestAccAzureBatchTask_badCredentials(t *testing.T) {
	e := startEmulator(t)
	wrongKey := "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=" // base64, but not the account's key
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: azureProviderConfigWithKey(e, wrongKey) + `
resource "batchops_azure_batch_task" "test" {
  job_id       = "job-1"
  task_id      = "t"
  command_line = "echo hi"
}
`,
			ExpectError: regexp.MustCompile(`(?s)rejected the credentials.*account_key.*AuthenticationFailed`),
		}},
	})
	if e.AzureBatch().TaskExists(testJob, "t") {
		t.Fatal("no task may be created with a wrong key")
	}
}

func TestAccAzureBatchTask_missingJob(t *testing.T) {
	e := startEmulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: azureProviderConfig(e) + `
resource "batchops_azure_batch_task" "test" {
  job_id       = "no-such-job"
  task_id      = "t"
  command_line = "echo hi"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Job "no-such-job" does not exist.*JobNotFound`),
		}},
	})
}

func TestAccAzureBatchTask_retriesThroughFaults(t *testing.T) {
	e := startEmulator(t)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job-1/tasks$`, Status: 503, RetryAfter: time.Second, Times: 2})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `^/jobs/job-1/tasks/busy$`, Status: 429, Times: 1})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodDelete, Status: 500, Times: 1})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{{
			Config: taskConfig(e, `
  task_id      = "busy"
  command_line = "echo hi"
`),
		}},
	})
	adds := requestsMatching(e, http.MethodPost, `^/jobs/job-1/tasks$`)
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{{
			Config: taskConfig(e, `
  task_id      = "lost"
  command_line = "echo hi"
  environment  = { A = "1" }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/lost")),
			},
		}},
	})
	adds := requestsMatching(e, http.MethodPost, `^/jobs/job-1/tasks$`)
	if len(adds) != 2 || adds[0].Fault != "lost" || adds[1].Status != http.StatusConflict {
		t.Fatalf("want a lost Add Task and a repeat answered 409 TaskExists, got %v", adds)
	}
}

func TestAccAzureBatchTask_existingDifferentTaskAsksForImport(t *testing.T) {
	e := startEmulator(t)
	client, err := azurebatch.New(azurebatch.Config{Endpoint: e.AzureBatchURL(), AccountName: testAccount, AccountKey: testKey, CACertificateFile: e.CAFile()})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.AddTask(context.Background(), testJob, azbatch.CreateTaskContent{ID: to.Ptr("taken"), CommandLine: to.Ptr("echo other")}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: taskConfig(e, `
  task_id      = "taken"
  command_line = "echo mine"
`),
			ExpectError: errorText(`a different task with ID "taken" already exists in job "job-1". To manage it with Terraform, import it: terraform import <resource address> job-1/taken`),
		}},
	})
}

// Importing a task made elsewhere: a plan with the matching configuration shows no changes.
func TestAccAzureBatchTask_importThenPlanShowsNoChanges(t *testing.T) {
	e := startEmulator(t)
	client, err := azurebatch.New(azurebatch.Config{Endpoint: e.AzureBatchURL(), AccountName: testAccount, AccountKey: testKey, CACertificateFile: e.CAFile()})
	if err != nil {
		t.Fatal(err)
	}
	err = client.AddTask(context.Background(), testJob, azbatch.CreateTaskContent{
		ID: to.Ptr("made-elsewhere"), CommandLine: to.Ptr("echo elsewhere"),
		EnvironmentSettings: []azbatch.EnvironmentSetting{{Name: to.Ptr("A"), Value: to.Ptr("1")}},
		Constraints:         &azbatch.TaskConstraints{MaxWallClockTime: to.Ptr("PT2H"), MaxTaskRetryCount: to.Ptr[int32](1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	config := taskConfig(e, `
  task_id      = "made-elsewhere"
  command_line = "echo elsewhere"
  environment  = { A = "1" }
  constraints  = { max_wall_clock_time = "PT2H", max_task_retry_count = 1 }
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       taskAddr,
				ImportState:        true,
				ImportStateId:      "job-1/made-elsewhere",
				ImportStatePersist: true,
			},
			{
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}

func TestAccAzureBatchTask_importRejectsBadID(t *testing.T) {
	e := startEmulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: taskConfig(e, `task_id = "x"
  command_line = "x"`),
			ResourceName:  taskAddr,
			ImportState:   true,
			ImportStateId: "just-a-task",
			ExpectError:   regexp.MustCompile(`Expected "job_id/task_id"`),
		}},
	})
}

// TF_LOG=trace must show the HTTP traffic but never the account key or a signature. The key
// comes from the environment, as users should pass it, so that only the provider and Terraform
// could leak it (the test harness logs the configuration it writes).
func TestAccAzureBatchTask_traceLogHasNoSecrets(t *testing.T) {
	e := startEmulator(t)
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("AZURE_BATCH_ACCESS_KEY", testKey)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkTasksDeleted(e),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "batchops" {
  azure_batch = {
    endpoint            = %q
    account_name        = %q
    ca_certificate_file = %q
  }
}
resource "batchops_azure_batch_task" "test" {
  job_id       = "job-1"
  task_id      = "logged"
  command_line = "echo hi"
  constraints  = { max_wall_clock_time = "PT1H" }
}
`, e.AzureBatchURL(), testAccount, e.CAFile()),
		}},
	})
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	for _, want := range []string{"HTTP request", "SharedKey ***", "api-version=2024-07-01.20.0"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the trace log should show the requests with the Authorization scheme only; it lacks %q", want)
		}
	}
	if i := strings.Index(log, testKey); i >= 0 {
		start := strings.LastIndex(log[:i], "\n")
		t.Fatalf("the trace log contains the account key: %s", log[start+1:min(len(log), i+200)])
	}
	if m := regexp.MustCompile(`SharedKey [A-Za-z0-9]+:[A-Za-z0-9+/]{20,}=*`).FindString(log); m != "" {
		t.Fatalf("the trace log contains a signature: %s", m)
	}
}
