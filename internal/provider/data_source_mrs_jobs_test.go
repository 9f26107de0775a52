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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.batchops_mrs_jobs.all", tfjsonpath.New("jobs"), knownvalue.ListSizeExact(4)),
				statecheck.ExpectKnownValue("data.batchops_mrs_jobs.hive", tfjsonpath.New("jobs"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.batchops_mrs_jobs.hive", tfjsonpath.New("jobs").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("sql")),
				statecheck.ExpectKnownValue("data.batchops_mrs_jobs.hive", tfjsonpath.New("jobs").AtSliceIndex(0).AtMapKey("arguments"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("SELECT 1")})),
			},
		}},
	})
}
