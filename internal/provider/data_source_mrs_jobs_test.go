package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
)

func TestAccMRSJobsDataSource(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	jobs := map[string]string{}
	for _, name := range []string{"a", "b", "c"} {
		jobs[name] = `type = "MapReduce", arguments = ["obs://b/p.jar"]`
	}
	jobs["sql"] = `type = "HiveSql", arguments = ["SELECT 1"]`
	config := jobSetConfig(e, "wait_for_completion = true", jobs) + `
data "batchops_mrs_jobs" "all" {
  cluster_id = batchops_mrs_job_set.test.cluster_id
}

data "batchops_mrs_jobs" "hive" {
  cluster_id = batchops_mrs_job_set.test.cluster_id
  job_type   = "HiveSql"
}
`
	runAccTest(t, checkJobSetDestroyed(e), resource.TestStep{
		Config: config,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.batchops_mrs_jobs.all", tfjsonpath.New("jobs"), knownvalue.ListSizeExact(4)),
			statecheck.ExpectKnownValue("data.batchops_mrs_jobs.hive", tfjsonpath.New("jobs"), knownvalue.ListSizeExact(1)),
			statecheck.ExpectKnownValue("data.batchops_mrs_jobs.hive", tfjsonpath.New("jobs").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("sql")),
			statecheck.ExpectKnownValue("data.batchops_mrs_jobs.hive", tfjsonpath.New("jobs").AtSliceIndex(0).AtMapKey("arguments"),
				knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("SELECT 1")})),
		},
	})
}

// Every filter may come from values known only after apply.
func TestAccMRSJobsDataSource_argumentsKnownOnlyAfterApply(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	config := jobSetConfig(e, "wait_for_completion = true", map[string]string{
		"etl": `type = "HiveSql", arguments = ["SELECT 1"]`,
		"wc":  `type = "MapReduce", arguments = ["obs://b/p.jar"]`,
	}) + `
resource "terraform_data" "filter" {
  input = {
    name   = "etl"
    type   = "HiveSql"
    state  = "FINISHED"
    result = "SUCCEEDED"
    queue  = "default"
    user   = "batchops"
    sort   = "asc"
    begin  = "2000-01-01T00:00:00Z"
    end    = "2100-01-01T00:00:00Z"
    read   = "1m"
  }
}

data "batchops_mrs_jobs" "etl" {
  cluster_id           = batchops_mrs_job_set.test.cluster_id
  job_name             = terraform_data.filter.output.name
  job_id               = batchops_mrs_job_set.test.job_ids["etl"]
  job_type             = terraform_data.filter.output.type
  job_state            = terraform_data.filter.output.state
  job_result           = terraform_data.filter.output.result
  queue                = terraform_data.filter.output.queue
  user                 = terraform_data.filter.output.user
  sort_by              = terraform_data.filter.output.sort
  submitted_time_begin = terraform_data.filter.output.begin
  submitted_time_end   = terraform_data.filter.output.end
  timeouts             = { read = terraform_data.filter.output.read }
}
`
	runAccTest(t, checkJobSetDestroyed(e),
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.batchops_mrs_jobs.etl", tfjsonpath.New("jobs"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.batchops_mrs_jobs.etl", tfjsonpath.New("jobs").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("etl")),
			},
		},
		resource.TestStep{Config: config, PlanOnly: true},
	)
}
