package provider

import (
	"fmt"
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

func TestAccHPCSOABatchStatus_jsonAndXMLForms(t *testing.T) {
	for _, tc := range []struct {
		name, format string
		xmlNumber    bool
	}{{"json", "json", false}, {"xml member name", "xml", false}, {"xml number", "xml", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := startHPCEmulator(t, hpcpack.Config{StatusXMLAsNumber: tc.xmlNumber})
			runAccTest(t, checkSOADestroyed(e), resource.TestStep{
				Config: sessionAndBatchConfig(e, fmt.Sprintf("response_format = %q", tc.format), `commit = false`, 1) + `
data "batchops_hpc_soa_batch_status" "test" {
  session_id = batchops_hpc_soa_batch.test.session_id
  batch_name = batchops_hpc_soa_batch.test.name
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_status.test", tfjsonpath.New("status"), knownvalue.StringExact("Ready")),
					statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_status.test", tfjsonpath.New("status_code"), knownvalue.Int64Exact(1)),
				},
			})
			statuses := e.RequestsMatching(emulator.ServiceHPCPack, http.MethodGet, `(?i)/Status$`)
			if len(statuses) == 0 {
				t.Fatal("no Status request")
			}
			want := "application/" + tc.format
			if accept := statuses[0].Header.Get("Accept"); !strings.Contains(accept, want) {
				t.Errorf("Accept = %q, want %s", accept, want)
			}
		})
	}
}
