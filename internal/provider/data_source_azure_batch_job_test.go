package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	emuazure "github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
)

const jobDataAddr = "data.batchops_azure_batch_job.read"

// A job made elsewhere (the emulator's job-1, on its default pool) and one made by the
// resource, read by the data source.
func TestAccAzureBatchJobDataSource(t *testing.T) {
	e := startEmulator(t)
	config := jobConfig(e, `
  job_id   = "managed"
  pool_id  = "pool-1"
  priority = 42
  metadata = { owner = "alice" }
`) + `
data "batchops_azure_batch_job" "read" {
  job_id = "job-1"
}

data "batchops_azure_batch_job" "managed" {
  job_id = batchops_azure_batch_job.test.job_id
}
`
	const managedAddr = "data.batchops_azure_batch_job.managed"
	runAccTest(t, checkJobsDeleted(e),
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1")),
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("pool_id"), knownvalue.StringExact(emuazure.DefaultPoolID)),
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("uses_task_dependencies"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("on_task_failure"), knownvalue.StringExact("performexitoptionsjobaction")),
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("constraints").AtMapKey("max_wall_clock_time"), knownvalue.StringExact(azurebatch.UnlimitedDuration)),
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("metadata"), knownvalue.Null()),

				statecheck.ExpectKnownValue(managedAddr, tfjsonpath.New("pool_id"), knownvalue.StringExact("pool-1")),
				statecheck.ExpectKnownValue(managedAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
				statecheck.ExpectKnownValue(managedAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(42)),
				statecheck.ExpectKnownValue(managedAddr, tfjsonpath.New("max_parallel_tasks"), knownvalue.Int64Exact(-1)),
				statecheck.ExpectKnownValue(managedAddr, tfjsonpath.New("metadata").AtMapKey("owner"), knownvalue.StringExact("alice")),
				statecheck.CompareValuePairs(managedAddr, tfjsonpath.New("etag"), jobAddr, tfjsonpath.New("etag"), compare.ValuesSame()),
			},
		},
		emptyPlanStep(config),
	)
}

func TestAccAzureBatchJobDataSource_notFound(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, nil, resource.TestStep{
		Config: azureProviderConfig(e) + `
data "batchops_azure_batch_job" "read" {
  job_id = "nope"
}
`,
		ExpectError: regexp.MustCompile(`(?s)Azure Batch job not found.*JobNotFound`),
	})
}

// A job id known only after apply defers the read to apply.
func TestAccAzureBatchJobDataSource_idUnknownAtPlan(t *testing.T) {
	e := startEmulator(t)
	config := azureProviderConfig(e) + `
resource "terraform_data" "id" {
  input = "job-2"
}
data "batchops_azure_batch_job" "read" {
  job_id = terraform_data.id.output
}
`
	runAccTest(t, nil,
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(jobDataAddr, tfjsonpath.New("pool_id")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("pool_id"), knownvalue.StringExact(emuazure.DefaultPoolID)),
				statecheck.ExpectKnownValue(jobDataAddr, tfjsonpath.New("uses_task_dependencies"), knownvalue.Bool(false)),
			},
		},
		emptyPlanStep(config),
	)
}
