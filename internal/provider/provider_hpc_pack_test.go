package provider

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
)

// brokerEmulator runs an HPC Pack emulator whose sessions report the broker node 127.0.0.2,
// served on the head node's port under the same CA.
func brokerEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	return startHPCEmulator(t, hpcpack.Config{BrokerNode: "127.0.0.2"})
}

// soaOperation names the operation of a recorded HPC Pack request, and whether it is a batch
// operation (else a session operation or the job API).
func soaOperation(r emulator.Request) (string, bool) {
	p := strings.ToLower(r.Path)
	for _, op := range []string{"commit", "status", "response", "purge"} {
		if strings.HasSuffix(p, "/"+op) && strings.Contains(p, "/batch/") {
			return op, true
		}
	}
	if regexp.MustCompile(`/batch/[^/]+$`).MatchString(p) {
		return "send", true
	}
	return p[strings.LastIndex(p, "/")+1:], false
}

// callsByNode lists the operations each node received, e.g. {"head": ["create", "attach"], ...}.
func callsByNode(t *testing.T, e *emulator.Emulator) map[string][]string {
	t.Helper()
	head, _ := url.Parse(e.HPCPackURL())
	broker, _ := url.Parse(e.HPCPackBrokerURL())
	out := map[string][]string{}
	for _, r := range e.RequestsFor(emulator.ServiceHPCPack) {
		op, batch := soaOperation(r)
		node := map[string]string{head.Host: "head", broker.Host: "broker"}[r.Host]
		if node == "" {
			t.Errorf("%s %s went to an unknown host %q", r.Method, r.Path, r.Host)
		}
		if batch {
			op = "batch:" + op
		}
		out[node] = append(out[node], op)
	}
	return out
}

func TestAccHPCPack_batchEndpointBrokerNode(t *testing.T) {
	e := brokerEmulator(t)
	config := sessionAndBatchConfig(e, `batch_endpoint = "broker_node"`, `wait_for_completion = true`, 3) + batchDataSourcesConfig
	runAccTest(t, checkSOADestroyed(e),
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("broker_node"), knownvalue.StringExact("127.0.0.2")),
				statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
				statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_status.test", tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
				statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("response_count"), knownvalue.Int64Exact(3)),
			},
		},
		// Imported, the batch's Read has no session read before it: it finds the broker itself.
		resource.TestStep{
			ResourceName:            batchAddr,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"requests", "generic_service", "request_count", "message_ids", "timeouts", "status", "status_code", "wait_for_completion"},
		},
	)
	calls := callsByNode(t, e)
	for _, op := range calls["head"] {
		if strings.HasPrefix(op, "batch:") {
			t.Errorf("a batch operation (%s) went to the head node; head node calls: %v", op, calls["head"])
		}
	}
	for _, op := range calls["broker"] {
		if !strings.HasPrefix(op, "batch:") {
			t.Errorf("a session operation (%s) went to the broker node; broker calls: %v", op, calls["broker"])
		}
	}
	for node, want := range map[string][]string{
		"head":   {"create", "attach", "close"},
		"broker": {"batch:send", "batch:status", "batch:response", "batch:purge"},
	} {
		for _, op := range want {
			if !strings.Contains(" "+strings.Join(calls[node], " ")+" ", " "+op+" ") {
				t.Errorf("no %s reached the %s node; it got %v", op, node, calls[node])
			}
		}
	}
}

// The default is the head node, also when the sessions report another broker node.
func TestAccHPCPack_batchEndpointDefaultIsHeadNode(t *testing.T) {
	e := brokerEmulator(t)
	runAccTest(t, checkSOADestroyed(e), resource.TestStep{
		Config: sessionAndBatchConfig(e, "", `wait_for_completion = true`, 2) + batchDataSourcesConfig,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("broker_node"), knownvalue.StringExact("127.0.0.2")),
			statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("response_count"), knownvalue.Int64Exact(2)),
		},
	})
	calls := callsByNode(t, e)
	if len(calls["broker"]) != 0 {
		t.Errorf("nothing may reach the broker node by default; it got %v", calls["broker"])
	}
	for _, op := range []string{"create", "batch:send", "batch:status", "batch:response", "batch:purge", "close"} {
		if !strings.Contains(" "+strings.Join(calls["head"], " ")+" ", " "+op+" ") {
			t.Errorf("no %s reached the head node; it got %v", op, calls["head"])
		}
	}
}

func TestAccHPCPack_batchEndpointPlanTimeValidation(t *testing.T) {
	e := brokerEmulator(t)
	runAccTest(t, nil, resource.TestStep{
		Config:      sessionAndBatchConfig(e, `batch_endpoint = "broker"`, "", 1),
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`(?s)hpc_pack.batch_endpoint.*value must be one of:.*\["head_node".*"broker_node"\]`),
	})
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("an invalid batch_endpoint must fail before any request; got %d", n)
	}
}

// HPC_PACK_BATCH_ENDPOINT stands in for the attribute, and a wrong value is refused before
// any request (not in parallel: the test sets the environment).
func TestAccHPCPack_batchEndpointFromEnvironment(t *testing.T) {
	e := brokerEmulator(t)
	t.Setenv("HPC_PACK_BATCH_ENDPOINT", "Broker_Node")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      sessionAndBatchConfig(e, "", "", 1),
			PlanOnly:    true,
			ExpectError: errorText(`hpc_pack.batch_endpoint "Broker_Node" (from HPC_PACK_BATCH_ENDPOINT) must be head_node or broker_node`),
		}},
	})
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("a wrong HPC_PACK_BATCH_ENDPOINT must fail before any request; got %d", n)
	}

	t.Setenv("HPC_PACK_BATCH_ENDPOINT", "broker_node")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkSOADestroyed(e),
		Steps:                    []resource.TestStep{{Config: sessionAndBatchConfig(e, "", "", 1)}},
	})
	calls := callsByNode(t, e)
	if got := fmt.Sprint(calls["broker"]); !strings.Contains(got, "batch:send") || !strings.Contains(got, "batch:purge") {
		t.Errorf("with HPC_PACK_BATCH_ENDPOINT=broker_node the batch must go to the broker; it got %s (head: %v)", got, calls["head"])
	}
}
