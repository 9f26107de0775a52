package provider

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
)

// The responses data source filters by reply action and reads without consuming: every read
// uses reset=true.
func TestAccHPCSOABatchResponsesDataSource_actionFilter(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	config := sessionAndBatchConfig(e, "", `wait_for_completion = true`, 3) + `
data "batchops_hpc_soa_batch_responses" "echo" {
  session_id = batchops_hpc_soa_batch.test.session_id
  batch_name = batchops_hpc_soa_batch.test.name
  action     = "http://tempuri.org/IEchoSvc/EchoResponse"
}

data "batchops_hpc_soa_batch_responses" "none" {
  session_id = batchops_hpc_soa_batch.test.session_id
  batch_name = batchops_hpc_soa_batch.test.name
  action     = "http://tempuri.org/IEchoSvc/OtherResponse"
}
`
	runAccTest(t, checkSOADestroyed(e), resource.TestStep{
		Config: config,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.echo", tfjsonpath.New("response_count"), knownvalue.Int64Exact(3)),
			statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.echo", tfjsonpath.New("responses").AtSliceIndex(2).AtMapKey("user_data"), knownvalue.StringExact("row-2")),
			statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.none", tfjsonpath.New("response_count"), knownvalue.Int64Exact(0)),
		},
	})
	reads := e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, `(?i)/Response$`)
	if len(reads) == 0 {
		t.Fatal("no Get Responses was made")
	}
	for _, r := range reads {
		if !strings.Contains(strings.ToLower(r.Query), "reset=true") {
			t.Errorf("Get Responses must use reset=true, got query %q", r.Query)
		}
	}
}
