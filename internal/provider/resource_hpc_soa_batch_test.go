package provider

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

const (
	hpcUser     = `CONTOSO\alice`
	hpcPassword = "alice-password-1"
)

// echoRequests is an HCL list of n Echo requests.
func echoRequests(n int) string {
	var b strings.Builder
	b.WriteString("[\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `    { action = "http://tempuri.org/IEchoSvc/Echo", body = "<Echo xmlns=\"http://tempuri.org/\"><input>hello %d</input></Echo>", user_data = "row-%d" },`+"\n", i, i)
	}
	b.WriteString("  ]")
	return b.String()
}

func sessionAndBatchConfig(e *emulator.Emulator, providerExtra, batchExtra string, n int) string {
	return hpcProviderConfig(e, providerExtra) + fmt.Sprintf(`
resource "batchops_hpc_soa_session" "test" {
  service_name = "EchoService"
}

resource "batchops_hpc_soa_batch" "test" {
  session_id = batchops_hpc_soa_session.test.id
  name       = "batch-1"
  requests   = %s
  %s
}
`, echoRequests(n), batchExtra)
}

// batchDataSourcesConfig reads the test batch with both data sources.
const batchDataSourcesConfig = `
data "batchops_hpc_soa_batch_status" "test" {
  session_id = batchops_hpc_soa_batch.test.session_id
  batch_name = batchops_hpc_soa_batch.test.name
}

data "batchops_hpc_soa_batch_responses" "test" {
  session_id = batchops_hpc_soa_batch.test.session_id
  batch_name = batchops_hpc_soa_batch.test.name
}
`

// checkSOADestroyed asks the emulator that every batch in state was purged and every session
// closed, with the headers the service requires.
func checkSOADestroyed(e *emulator.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			switch rs.Type {
			case "batchops_hpc_soa_batch":
				sid, name := rs.Primary.Attributes["session_id"], rs.Primary.Attributes["name"]
				purges := e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, `(?i)/session/`+sid+`/batch/`+name+`/Purge$`)
				if len(purges) == 0 {
					return fmt.Errorf("no Purge of batch %s/%s reached the emulator", sid, name)
				}
				for _, p := range purges {
					if p.Status != http.StatusOK || p.Header.Get("Content-Length") != "0" || p.Header.Get("api-version") == "" {
						return fmt.Errorf("Purge of %s/%s: status %d, Content-Length %q, api-version %q", sid, name, p.Status, p.Header.Get("Content-Length"), p.Header.Get("api-version"))
					}
				}
			case "batchops_hpc_soa_session":
				id, _ := strconv.Atoi(rs.Primary.ID)
				closes := e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, fmt.Sprintf(`(?i)/session/%d/Close$`, id))
				if len(closes) == 0 {
					return fmt.Errorf("no Close of session %d reached the emulator", id)
				}
				if c := closes[0]; c.Header.Get("Content-Length") != "0" || c.Header.Get("api-version") == "" {
					return fmt.Errorf("Close of session %d: Content-Length %q, api-version %q", id, c.Header.Get("Content-Length"), c.Header.Get("api-version"))
				}
				if session, ok := e.HPCPack().Session(id); !ok || !session.Closed {
					return fmt.Errorf("session %d is not closed after destroy", id)
				}
			}
		}
		return nil
	}
}

func TestAccHPCSOA_sessionBatchStatusAndResponses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cluster string
	}{{"hpc pack 2016 uris", ""}, {"pre-2016 uris with cluster name", "HEADNODE"}} {
		t.Run(tc.name, func(t *testing.T) {
			e := startHPCEmulator(t, hpcpack.Config{ClusterName: tc.cluster})
			config := sessionAndBatchConfig(e, "", `wait_for_completion = true`, 3) + batchDataSourcesConfig
			runAccTest(t, checkSOADestroyed(e),
				resource.TestStep{
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))),
						statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("broker_node"), knownvalue.NotNull()),
						statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
						statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("status_code"), knownvalue.Int64Exact(3)),
						statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("request_count"), knownvalue.Int64Exact(3)),
						statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_status.test", tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
						statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("response_count"), knownvalue.Int64Exact(3)),
						statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("end_reason"), knownvalue.StringExact("Success")),
						statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("responses").AtSliceIndex(0).AtMapKey("user_data"), knownvalue.StringExact("row-0")),
						statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("responses").AtSliceIndex(0).AtMapKey("body"), knownvalue.StringRegexp(regexp.MustCompile(`hello 0`))),
						statecheck.CompareValuePairs("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("responses").AtSliceIndex(0).AtMapKey("message_id"),
							batchAddr, tfjsonpath.New("message_ids").AtSliceIndex(0), compare.ValuesSame()),
					},
				},
				resource.TestStep{
					// Reading the responses again still sees them all: reset=true never consumes them.
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("response_count"), knownvalue.Int64Exact(3)),
					},
				},
			)
			// A small batch is sent and committed in one request.
			sends := e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, `(?i)/batch/batch-1$`)
			if len(sends) != 1 || !strings.Contains(sends[0].Query, "commit=True") || sends[0].Status != http.StatusCreated {
				t.Errorf("want one Send Requests with commit=True answered 201, got %v", sends)
			}
			if commits := e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, `(?i)/Commit$`); len(commits) != 0 {
				t.Errorf("no separate Commit is needed, got %d", len(commits))
			}
			for _, r := range e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, `(?i)/Response$`) {
				if !strings.Contains(r.Query, "reset=true") && !strings.Contains(r.Query, "reset=True") {
					t.Errorf("Get Responses must use reset=true, got query %q", r.Query)
				}
			}
			wantPrefix := "/WindowsHPC/"
			if tc.cluster != "" {
				wantPrefix += tc.cluster + "/"
			}
			for _, r := range e.RequestsFor(emulator.ServiceHPCPack) {
				if !strings.HasPrefix(r.Path, wantPrefix) || r.Header.Get("api-version") != "2011-11-01" {
					t.Errorf("request %s %s: want the %s form and api-version 2011-11-01 (got %q)", r.Method, r.Path, wantPrefix, r.Header.Get("api-version"))
				}
			}
		})
	}
}

func TestAccHPCSOA_import(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	config := sessionAndBatchConfig(e, "", "", 2)
	runAccTest(t, checkSOADestroyed(e),
		resource.TestStep{Config: config},
		resource.TestStep{
			ResourceName:      sessionAddr,
			ImportState:       true,
			ImportStateVerify: true,
			// Attach does not return these; the first apply after an import adopts them.
			ImportStateVerifyIgnore: []string{"service_name", "runtime_seconds", "share_session", "service_job_name", "timeouts"},
		},
		resource.TestStep{
			ResourceName:      batchAddr,
			ImportState:       true,
			ImportStateVerify: true,
			// Nothing lists a batch's requests; the first apply after an import adopts them.
			ImportStateVerifyIgnore: []string{"requests", "generic_service", "request_count", "message_ids", "timeouts", "status", "status_code"},
		},
	)
}

// Importing a session and batch made elsewhere: the first apply adopts the configuration in
// place (no replacement, no API call but reads), and the next plan is empty.
func TestAccHPCSOA_importAdoptsConfigurationWithoutReplacing(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	client, err := hpcsoa.New(hpcsoa.Config{Endpoint: e.HPCPackURL(), Username: hpcUser, Password: hpcPassword, CACertificateFile: e.CAFile()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	info, err := client.CreateSession(ctx, hpcsoa.SessionStartInfo{ServiceName: "EchoService", MaxMessageSize: 65536, RuntimeSeconds: -1, Username: hpcUser, Password: hpcPassword})
	if err != nil {
		t.Fatal(err)
	}
	req := hpcsoa.Request{Action: "http://tempuri.org/IEchoSvc/Echo", Body: `<Echo xmlns="http://tempuri.org/"><input>x</input></Echo>`, MessageID: hpcsoa.NewMessageID()}
	if err := client.SendRequests(ctx, info.ID, "made-elsewhere", false, []hpcsoa.Request{req}); err != nil {
		t.Fatal(err)
	}
	if err := client.Commit(ctx, info.ID, "made-elsewhere"); err != nil {
		t.Fatal(err)
	}
	config := hpcProviderConfig(e, "") + fmt.Sprintf(`
resource "batchops_hpc_soa_session" "test" {
  service_name = "EchoService"
}

resource "batchops_hpc_soa_batch" "test" {
  session_id = batchops_hpc_soa_session.test.id
  name       = "made-elsewhere"
  requests   = [{ action = "http://tempuri.org/IEchoSvc/Echo", body = %q }]
}
`, req.Body)
	sessionID := strconv.Itoa(info.ID)
	runAccTest(t, checkSOADestroyed(e),
		resource.TestStep{Config: config, ResourceName: sessionAddr, ImportState: true, ImportStateId: sessionID, ImportStatePersist: true},
		resource.TestStep{Config: config, ResourceName: batchAddr, ImportState: true, ImportStateId: sessionID + "/made-elsewhere", ImportStatePersist: true},
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(sessionAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction(batchAddr, plancheck.ResourceActionUpdate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("status"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("service_name"), knownvalue.StringExact("EchoService")),
			},
		},
		resource.TestStep{Config: config, PlanOnly: true},
		resource.TestStep{
			// A later update (new timeouts) changes nothing on the service either: the job
			// name, not known since the import, does not force a replacement.
			Config: strings.Replace(config, `service_name = "EchoService"`, `service_name = "EchoService"
  timeouts     = { read = "2m" }`, 1),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(sessionAddr, plancheck.ResourceActionUpdate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("service_job_name"), knownvalue.Null()),
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("id"), knownvalue.StringExact(sessionID)),
			},
		},
	)
	if n := len(e.HPCPack().Sessions()); n != 1 {
		t.Fatalf("adopting must not create sessions: %d exist", n)
	}
}

func TestAccHPCSOABatch_driftAfterOutOfBandPurge(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	config := sessionAndBatchConfig(e, "", "", 1)
	runAccTest(t, checkSOADestroyed(e), driftSteps(t, config, "the batch",
		func(s *terraform.State) bool { return e.HPCPack().PurgeBatch(sessionIDInState(s), "batch-1") },
		plancheck.ExpectResourceAction(sessionAddr, plancheck.ResourceActionNoop),
		plancheck.ExpectResourceAction(batchAddr, plancheck.ResourceActionCreate),
	)...)
}

func TestAccHPCSOABatch_planTimeValidation(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	runAccTest(t, nil,
		resource.TestStep{
			Config: hpcProviderConfig(e, "") + `
resource "batchops_hpc_soa_batch" "test" {
  session_id = "1"
  name       = "has a space"
  requests   = [{ action = "a", body = "<x/>" }]
}`,
			PlanOnly:    true,
			ExpectError: errorText(`must be 1 to 128 characters of letters, digits, underscores (_), hyphens (-) and braces ({ })`),
		},
		resource.TestStep{
			Config: hpcProviderConfig(e, "") + `
resource "batchops_hpc_soa_batch" "test" {
  session_id = "1"
  name       = "ok"
  requests   = [{ body = "<x/>" }]
}`,
			PlanOnly:    true,
			ExpectError: errorText(`Every request needs an action unless generic_service is true.`),
		},
		resource.TestStep{
			// Known only at apply: refused when Terraform plans again with the values, before
			// any request.
			Config: hpcProviderConfig(e, "") + `
resource "terraform_data" "in" {
  input = { action = null }
}
resource "batchops_hpc_soa_batch" "test" {
  session_id = "1"
  name       = "ok"
  requests   = [{ action = terraform_data.in.output.action, body = "<x/>" }]
}`,
			ExpectError: errorText(`Every request needs an action unless generic_service is true.`),
		},
	)
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("invalid configurations must fail before any request; got %d", n)
	}
}

// A batch of 10,000 requests goes out in streamed chunks, each request exactly once.
func TestAccHPCSOABatch_tenThousandRequests(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{RequestTime: time.Microsecond})
	const n = 10000
	runAccTest(t, checkSOADestroyed(e), resource.TestStep{
		Config: hpcProviderConfig(e, "") + fmt.Sprintf(`
resource "batchops_hpc_soa_session" "test" {
  service_name = "EchoService"
}

resource "batchops_hpc_soa_batch" "test" {
  session_id = batchops_hpc_soa_session.test.id
  name       = "big"
  # range() stops at 1024 values: build the list from blocks of 1000.
  requests = flatten([for block in range(%d) : [for i in range(1000) : {
    action    = "http://tempuri.org/IEchoSvc/Echo"
    body      = "<Echo xmlns=\"http://tempuri.org/\"><input>${block * 1000 + i}</input></Echo>"
    user_data = tostring(block * 1000 + i)
  }]])
}
`, n/1000),
		Check: func(s *terraform.State) error {
			b, ok := e.HPCPack().Batch(sessionIDInState(s), "big")
			if !ok || b.RequestCount != n || b.Duplicates != 0 {
				return fmt.Errorf("want %d distinct requests in the batch, got %+v", n, b)
			}
			sends := e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, `(?i)/batch/big$`)
			if len(sends) != n/hpcsoa.RequestsPerSend {
				return fmt.Errorf("want %d streamed chunks, got %d Send Requests", n/hpcsoa.RequestsPerSend, len(sends))
			}
			for _, send := range sends {
				// A body built in memory first would go out with a Content-Length.
				if send.Header.Get("Content-Length") != "" {
					return fmt.Errorf("Send Requests was not streamed: Content-Length %s", send.Header.Get("Content-Length"))
				}
			}
			return nil
		},
	})
}

func TestAccHPCSOABatch_faultsAbsorbedWithoutDuplicates(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	e.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `(?i)/batch/batch-1$`, Status: 503, RetryAfter: time.Second, Times: 1})
	// The broker takes the first send, then the answer is lost: the provider cannot know, so it
	// purges and sends again rather than repeating the request blindly.
	e.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `(?i)/batch/batch-1$`, Lost: true, Times: 1})
	e.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `(?i)/Status$`, Status: 429, Times: 1})
	runAccTest(t, checkSOADestroyed(e), resource.TestStep{
		Config: sessionAndBatchConfig(e, "", `wait_for_completion = true`, 5),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
		},
		Check: func(s *terraform.State) error {
			b, ok := e.HPCPack().Batch(sessionIDInState(s), "batch-1")
			if !ok || b.RequestCount != 5 || b.Duplicates != 0 {
				return fmt.Errorf("want 5 distinct requests after the faults, got %+v", b)
			}
			return nil
		},
	})
}

func TestAccHPCSOA_traceLogHasNoPassword(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	t.Setenv("HPC_PACK_PASSWORD", hpcPassword)
	log := traceLog(t, checkSOADestroyed(e), resource.TestStep{
		Config: strings.Replace(sessionAndBatchConfig(e, "", "", 1), fmt.Sprintf("password            = %q", hpcPassword), "", 1),
	})
	checkLogHidesSecret(t, log, []string{"HTTP request", "Basic ***"}, "password", hpcPassword, regexp.MustCompile(`Basic [A-Za-z0-9+/]{8,}=*`))
}

// Every argument of the session, the batch and both data sources may come from values known
// only after apply; the requests are built by a for expression over another resource's output.
func TestAccHPCSOA_argumentsKnownOnlyAfterApply(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	config := hpcProviderConfig(e, "") + `
resource "terraform_data" "in" {
  input = {
    service     = "EchoService"
    version     = "1.0"
    durable     = false
    message     = 131072
    runtime     = 3600
    template    = "Default"
    groups      = ["ComputeNodes"]
    min         = 1
    max         = 4
    unit        = "Core"
    priority    = "Normal"
    environment = { GREETING = "hello" }
    share       = false
    user        = "CONTOSO\\svc-soa"
    password    = "run-as-password"
    batch       = "greetings"
    names       = ["alice", "bob", "carol"]
    action      = "http://tempuri.org/IEchoSvc/Echo"
    generic     = false
    commit      = true
    wait        = true
    timeout     = "10m"
  }
}

locals {
  in = terraform_data.in.output
}

resource "batchops_hpc_soa_session" "test" {
  service_name       = local.in.service
  service_version    = local.in.version
  durable            = local.in.durable
  max_message_size   = local.in.message
  runtime_seconds    = local.in.runtime
  job_template       = local.in.template
  node_groups        = local.in.groups
  min_units          = local.in.min
  max_units          = local.in.max
  resource_unit_type = local.in.unit
  priority           = local.in.priority
  environment        = local.in.environment
  share_session      = local.in.share
  username           = local.in.user
  password           = local.in.password
  timeouts           = { create = local.in.timeout, read = local.in.timeout, delete = local.in.timeout }
}

resource "batchops_hpc_soa_batch" "test" {
  session_id = batchops_hpc_soa_session.test.id
  name       = local.in.batch
  requests = [for i, who in local.in.names : {
    action    = local.in.action
    body      = "<Echo xmlns=\"http://tempuri.org/\"><input>hello ${who}</input></Echo>"
    user_data = "row-${i}"
  }]
  generic_service     = local.in.generic
  commit              = local.in.commit
  wait_for_completion = local.in.wait
  timeouts            = { create = local.in.timeout, read = local.in.timeout, delete = local.in.timeout }
}

data "batchops_hpc_soa_batch_status" "test" {
  session_id = batchops_hpc_soa_batch.test.session_id
  batch_name = batchops_hpc_soa_batch.test.name
  timeouts   = { read = local.in.timeout }
}

data "batchops_hpc_soa_batch_responses" "test" {
  session_id      = batchops_hpc_soa_batch.test.session_id
  batch_name      = batchops_hpc_soa_batch.test.name
  generic_service = local.in.generic
  action          = "${local.in.action}Response"
  timeouts        = { read = local.in.timeout }
}
`
	runAccTest(t, checkSOADestroyed(e),
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(batchAddr, tfjsonpath.New("requests")),
				plancheck.ExpectUnknownValue(sessionAddr, tfjsonpath.New("node_groups")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
				statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("request_count"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("node_groups"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("ComputeNodes")})),
				statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_status.test", tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
				statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("response_count"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("responses").AtSliceIndex(2).AtMapKey("body"), knownvalue.StringRegexp(regexp.MustCompile(`hello carol`))),
			},
		},
		resource.TestStep{Config: config, PlanOnly: true},
	)
	sessions := e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, `(?i)/Sessions/Create$`)
	if len(sessions) != 1 || !strings.Contains(string(sessions[0].Body), "ComputeNodes") || !strings.Contains(string(sessions[0].Body), "GREETING") {
		t.Errorf("want one Create Session carrying the node groups and environment, got %d", len(sessions))
	}
}

// Terraform and OpenTofu 1.12+ name the batch by its identity, session id and batch name, and
// import it from an `import` block holding that identity. Nothing lists a batch's requests:
// the next apply adopts them in place, as after an import by ID.
func TestAccHPCSOABatch_importByIdentity(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	runIdentityTest(t, checkSOADestroyed(e),
		resource.TestStep{
			Config: sessionAndBatchConfig(e, "", "", 2),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity(batchAddr, map[string]knownvalue.Check{
					"session_id": knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`)),
					"batch_name": knownvalue.StringExact("batch-1"),
				}),
				statecheck.ExpectIdentityValueMatchesStateAtPath(batchAddr, tfjsonpath.New("session_id"), tfjsonpath.New("session_id")),
			},
		},
		resource.TestStep{
			ResourceName:       batchAddr,
			ImportState:        true,
			ImportStateKind:    resource.ImportBlockWithResourceIdentity,
			ExpectNonEmptyPlan: true,
			ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(batchAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(batchAddr, tfjsonpath.New("name"), knownvalue.StringExact("batch-1")),
			}},
		},
	)
}
