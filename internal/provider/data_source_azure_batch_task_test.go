package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator"
)

const taskDataAddr = "data.batchops_azure_batch_task.read"

// taskDataConfig reads a task of job-1 with the data source, on the emulator's account.
func taskDataConfig(e *emulator.Emulator, args string) string {
	return azureProviderConfig(e) + fmt.Sprintf(`
data "batchops_azure_batch_task" "read" {
  job_id = %q
%s
}
`, testJob, args)
}

func TestAccAzureBatchTaskDataSource(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: taskConfig(e, `
  task_id             = "observed"
  command_line        = "/bin/sh -c 'exit 2'"
  wait_for_completion = false
`) + `
data "batchops_azure_batch_task" "read" {
  job_id  = batchops_azure_batch_task.test.job_id
  task_id = batchops_azure_batch_task.test.task_id
}
`,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/observed")),
			statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("command_line"), knownvalue.StringExact("/bin/sh -c 'exit 2'")),
			// Unlike the resource, the data source shows the service's defaults.
			statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("required_slots"), knownvalue.Int64Exact(1)),
			statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("user_identity").AtMapKey("auto_user_scope"), knownvalue.StringExact("pool")),
			statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact(azurebatch.UnlimitedDuration)),
			statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("constraints").AtMapKey("retention_time"), knownvalue.StringExact("P7D")),
		},
	})
}

func TestAccAzureBatchTaskDataSource_notFound(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, nil, resource.TestStep{
		Config:      taskDataConfig(e, `task_id = "nope"`),
		ExpectError: regexp.MustCompile(`(?s)Azure Batch task not found.*TaskNotFound`),
	})
}

// job_id and task_id known only after apply: the read is deferred to apply, and the next
// plan, with them known, reads at plan time and is empty.
func TestAccAzureBatchTaskDataSource_idsUnknownAtPlan(t *testing.T) {
	e := startEmulator(t)
	addTaskElsewhere(t, e, azurebatch.TaskSpec{
		ID: azurebatch.Ptr("made-elsewhere"), CommandLine: azurebatch.Ptr("echo elsewhere"),
		EnvironmentSettings: []azurebatch.EnvironmentSetting{{Name: azurebatch.Ptr("A"), Value: azurebatch.Ptr("1")}},
	})
	config := azureProviderConfig(e) + `
resource "terraform_data" "ids" {
  input = { job = "job-1", task = "made-elsewhere", read = "2m" }
}
data "batchops_azure_batch_task" "read" {
  job_id   = terraform_data.ids.output.job
  task_id  = terraform_data.ids.output.task
  timeouts = { read = terraform_data.ids.output.read }
}
`
	runAccTest(t, nil,
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(taskDataAddr, tfjsonpath.New("job_id")),
				plancheck.ExpectUnknownValue(taskDataAddr, tfjsonpath.New("task_id")),
				plancheck.ExpectUnknownValue(taskDataAddr, tfjsonpath.New("command_line")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/made-elsewhere")),
				statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("command_line"), knownvalue.StringExact("echo elsewhere")),
				statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("environment").AtMapKey("A"), knownvalue.StringExact("1")),
				// The data source shows the service's defaults.
				statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("user_identity").AtMapKey("auto_user_elevation_level"), knownvalue.StringExact("nonadmin")),
				statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("required_slots"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue(taskDataAddr, tfjsonpath.New("timeouts").AtMapKey("read"), knownvalue.StringExact("2m")),
			},
		},
		emptyPlanStep(config),
	)
}

// timeouts.read bounds the read: a service slower than it is an error that says so.
func TestAccAzureBatchTaskDataSource_readTimeout(t *testing.T) {
	e := startEmulator(t)
	e.SetFaults(emulator.ServiceAzureBatch, emulator.Faults{Latency: 5 * time.Second})
	runAccTest(t, nil, resource.TestStep{
		Config: taskDataConfig(e, `
  task_id  = "slow"
  timeouts = { read = "1s" }
`),
		ExpectError: regexp.MustCompile(`(?s)Error reading Azure Batch task.*deadline exceeded`),
	})
}
