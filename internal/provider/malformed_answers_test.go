package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
)

// These tests apply a configuration while the service answers 30% of its requests (seeded)
// with a malformed body after doing the work (a body cut short, a proxy's HTML page, an empty
// 200, fields of the wrong type, broken syntax). Which request is hit depends on the order in
// which Terraform and the provider send them, so every outcome must be handled: the apply
// fails with a clear error, state never holds an object with an empty id, a refresh with the
// service healthy again works, the next apply converges, and destroy leaves nothing behind.
//
// A rule on one read, covering every attempt the clients make, makes sure the faulty apply
// does fail, whatever the random draws give.

// malformedRate is the share of requests answered malformed while faults are on.
const malformedRate = 0.3

// malformedAttempts is how often the provider under test asks: testProviderFactories' retry
// policy (the clients repeat reads after a malformed answer within it).
const malformedAttempts = 6

// malformedError matches the clients' errors for malformed answers: "... malformed answer
// (HTTP 200): ..." (Azure Batch, HPC Pack), "Azure Batch returned HTTP 409 with a malformed
// answer: ..." (an error body that does not decode) or "MRS ...: malformed response (HTTP
// 202): ...". Terraform wraps long lines, so words are separated by any white space.
var malformedError = regexp.MustCompile(`malformed\s+(answer|response)\b`)

// malformedFaultsOn answers malformedRate of the service's requests malformed, and every
// attempt at the reads matching method and path.
func malformedFaultsOn(e *emulator.Emulator, service, method, path string) {
	e.SetFaults(service, emulator.Faults{MalformedRate: malformedRate})
	e.AddFaultRule(service, emulator.FaultRule{Method: method, PathRegexp: path, Malformed: true, Times: malformedAttempts})
}

func malformedFaultsOff(e *emulator.Emulator, service string) {
	e.SetFaults(service, emulator.Faults{})
	e.ClearFaultRules(service)
}

// malformedNoEmptyIDs fails when a resource or data source in state has an empty id, or an
// empty value in an id attribute ("id", "*_id", "*.id", job_ids): what a malformed answer taken
// for the object would leave behind.
func malformedNoEmptyIDs(s *terraform.State) error {
	for addr, rs := range s.RootModule().Resources {
		if rs.Primary == nil || rs.Primary.ID == "" {
			return fmt.Errorf("%s has an empty id in state", addr)
		}
		for key, value := range rs.Primary.Attributes {
			isID := key == "id" || strings.HasSuffix(key, "_id") || strings.HasSuffix(key, ".id") ||
				(strings.HasPrefix(key, "job_ids.") && key != "job_ids.%")
			if isID && value == "" {
				return fmt.Errorf("%s has an empty %s in state", addr, key)
			}
		}
	}
	return nil
}

// checkMalformedCount checks that at least the rule's attempts were answered malformed.
func checkMalformedCount(t *testing.T, e *emulator.Emulator, service string) {
	t.Helper()
	n := 0
	for _, r := range e.RequestsFor(service) {
		if strings.HasPrefix(r.Fault, "malformed:") {
			n++
		}
	}
	if n < malformedAttempts {
		t.Errorf("%d malformed answers, want at least the rule's %d", n, malformedAttempts)
	}
}

// malformedApply is an apply of config while the service answers malformed.
type malformedApply struct {
	service string
	// The read answered malformed on every attempt, so that the apply does fail.
	readMethod, readPath string
	config               string
	// What the apply with the service healthy again must leave, beside no empty ids.
	converged      resource.TestCheckFunc
	convergedState []statecheck.StateCheck
}

// steps are the faulty apply, a refresh with the service healthy again and an apply that
// converges.
func (m malformedApply) steps(e *emulator.Emulator) []resource.TestStep {
	converged := malformedNoEmptyIDs
	if m.converged != nil {
		converged = resource.ComposeTestCheckFunc(malformedNoEmptyIDs, m.converged)
	}
	return []resource.TestStep{
		{
			PreConfig:   func() { malformedFaultsOn(e, m.service, m.readMethod, m.readPath) },
			Config:      m.config,
			ExpectError: malformedError,
		},
		{
			// The service answers well again: what the faulty apply saved refreshes.
			PreConfig:          func() { malformedFaultsOff(e, m.service) },
			RefreshState:       true,
			ExpectNonEmptyPlan: true,
			Check:              malformedNoEmptyIDs,
		},
		{
			Config:            m.config,
			Check:             converged,
			ConfigStateChecks: m.convergedState,
		},
	}
}

func TestAccMalformedAnswers_azureBatchTasks(t *testing.T) {
	e := startEmulator(t)
	var converged []statecheck.StateCheck
	for i := range 3 {
		addr, id := fmt.Sprintf(`batchops_azure_batch_task.mf[%d]`, i), fmt.Sprintf("mf-%d", i)
		converged = append(converged,
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/"+id)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("task_id"), knownvalue.StringExact(id)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("state"), knownvalue.NotNull()),
		)
	}
	noTaskLeft := func(*terraform.State) error {
		if left := e.AzureBatch().Tasks(testJob); len(left) != 0 {
			return fmt.Errorf("%d tasks left in %s after destroy, e.g. %q", len(left), testJob, left[0].ID)
		}
		return nil
	}
	runAccTest(t, resource.ComposeTestCheckFunc(checkTasksDeleted(e), noTaskLeft), malformedApply{
		service: emulator.ServiceAzureBatch,
		// The read after adding mf-0.
		readMethod: http.MethodGet, readPath: `^/jobs/job-1/tasks/mf-0$`,
		config: azureProviderConfig(e) + `
resource "batchops_azure_batch_task" "mf" {
  count        = 3
  job_id       = "job-1"
  task_id      = "mf-${count.index}"
  command_line = "echo ${count.index}"
}
`,
		convergedState: converged,
	}.steps(e)...)
	checkMalformedCount(t, e, emulator.ServiceAzureBatch)
}

func TestAccMalformedAnswers_hpcSOASessionAndBatch(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	faulty := malformedApply{
		// Everything but creating the session runs against malformed answers: the refresh of
		// the session, the batch's send and status reads, the data sources.
		service: emulator.ServiceHPCPack,
		// The first status read.
		readMethod: http.MethodGet, readPath: `(?i)/batch/batch-1/Status$`,
		config: sessionAndBatchConfig(e, "", `wait_for_completion = true`, 3) + batchDataSourcesConfig,
		converged: func(s *terraform.State) error {
			if b, ok := e.HPCPack().Batch(sessionIDInState(s), "batch-1"); !ok || b.RequestCount != 3 || b.Duplicates != 0 {
				return fmt.Errorf("want 3 distinct requests in batch-1, got %+v", b)
			}
			return nil
		},
		convergedState: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[1-9][0-9]*$`))),
			statecheck.ExpectKnownValue(batchAddr, tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
			statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_status.test", tfjsonpath.New("status"), knownvalue.StringExact("Finished")),
			statecheck.ExpectKnownValue("data.batchops_hpc_soa_batch_responses.test", tfjsonpath.New("response_count"), knownvalue.Int64Exact(3)),
		},
	}
	runAccTest(t, checkNoSessionOpen(e), append([]resource.TestStep{{
		// The session is created while the service answers well: a malformed answer to
		// Create Session is resolved by a look-up of the session's job name, which
		// TestAccMalformedAnswers_hpcCreateSessionIsFoundAndDestroyed covers.
		Config: sessionConfig(e, "EchoService", ""),
		Check:  malformedNoEmptyIDs,
	}}, faulty.steps(e)...)...)
	checkMalformedCount(t, e, emulator.ServiceHPCPack)
	if n := len(e.HPCPack().Sessions()); n != 1 {
		t.Errorf("%d sessions were created, want 1", n)
	}
}

// TestAccMalformedAnswers_hpcCreateSessionIsFoundAndDestroyed: Create Session does the work
// and its answer is malformed (one session), or lost (another, with a job name the
// configuration sets). The provider finds each session by the service job name it sent, so
// the apply converges with the real sessions in state and nothing more, and destroy leaves no
// session open.
func TestAccMalformedAnswers_hpcCreateSessionIsFoundAndDestroyed(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	const lostAddr = "batchops_hpc_soa_session.lost"
	one := sessionConfig(e, "EchoService", "")
	both := one + `
resource "batchops_hpc_soa_session" "lost" {
  service_name     = "EchoService"
  service_job_name = "nightly echo"
}
`
	createRule := func(rule emulator.FaultRule) func() {
		return func() {
			e.ClearFaultRules(emulator.ServiceHPCPack)
			rule.Method, rule.PathRegexp = http.MethodPost, `(?i)/sessions/Create$`
			e.AddFaultRule(emulator.ServiceHPCPack, rule)
		}
	}
	// inState checks that the resource at addr holds the emulator's session id, its job name
	// as the session was created with, and that the job list was asked.
	inState := func(addr string, id int) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			rs, ok := s.RootModule().Resources[addr]
			if !ok {
				return fmt.Errorf("%s is not in state", addr)
			}
			session, ok := e.HPCPack().Session(id)
			if !ok || session.Closed {
				return fmt.Errorf("session %d is not open: %+v", id, session)
			}
			if rs.Primary.ID != strconv.Itoa(id) || rs.Primary.Attributes["service_job_name"] != session.StartInfo.ServiceJobName {
				return fmt.Errorf("%s: id %q, service_job_name %q; the emulator's session %d has job name %q",
					addr, rs.Primary.ID, rs.Primary.Attributes["service_job_name"], id, session.StartInfo.ServiceJobName)
			}
			if len(e.RequestsMatching(emulator.ServiceHPCPack, http.MethodGet, `(?i)/Jobs$`)) == 0 {
				return fmt.Errorf("the job list was never asked")
			}
			return nil
		}
	}
	twoCreated := func(*terraform.State) error {
		if n := len(e.HPCPack().Sessions()); n != 2 {
			return fmt.Errorf("%d sessions were created, want 2", n)
		}
		return nil
	}
	runAccTest(t, resource.ComposeTestCheckFunc(checkNoSessionOpen(e), twoCreated),
		resource.TestStep{
			PreConfig: createRule(emulator.FaultRule{Malformed: true}),
			Config:    one,
			Check:     resource.ComposeTestCheckFunc(malformedNoEmptyIDs, inState(sessionAddr, 1)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("service_job_name"), knownvalue.StringRegexp(regexp.MustCompile(`^batchops-[0-9a-f]{16}$`))),
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("broker_node"), knownvalue.StringExact("127.0.0.1")),
			},
		},
		resource.TestStep{
			PreConfig: createRule(emulator.FaultRule{Lost: true}),
			Config:    both,
			Check:     resource.ComposeTestCheckFunc(malformedNoEmptyIDs, inState(sessionAddr, 1), inState(lostAddr, 2)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(lostAddr, tfjsonpath.New("service_job_name"), knownvalue.StringExact("nightly echo")),
			},
		},
		resource.TestStep{
			// Healthy again: nothing to change.
			PreConfig: func() { malformedFaultsOff(e, emulator.ServiceHPCPack) },
			Config:    both,
			PlanOnly:  true,
		},
	)
	if n := len(e.RequestsMatching(emulator.ServiceHPCPack, http.MethodPost, `(?i)/sessions/Create$`)); n != 2 {
		t.Errorf("%d Create Session requests, want 2 (one per session, never repeated)", n)
	}
}

func TestAccMalformedAnswers_mrsJobSet(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	var converged []statecheck.StateCheck
	for _, name := range []string{"mf_a", "mf_b", "mf_c"} {
		converged = append(converged,
			statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey(name).AtMapKey("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9-]+$`))),
			statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey(name).AtMapKey("state"), knownvalue.NotNull()),
		)
	}
	noJobLeft := func(*terraform.State) error {
		if left := e.MRS().Jobs(mrsCluster); len(left) != 0 {
			return fmt.Errorf("%d jobs left on %s after destroy, e.g. %s (%s)", len(left), mrsCluster, left[0].JobID, left[0].Name)
		}
		return nil
	}
	runAccTest(t, resource.ComposeTestCheckFunc(checkJobSetDestroyed(e), noJobLeft), malformedApply{
		service: emulator.ServiceMRS,
		// The first job read after the submissions.
		readMethod: http.MethodGet, readPath: jobsBasePath + `/[^/]+$`,
		config: jobSetConfig(e, "", map[string]string{
			"mf_a": `type = "MapReduce", arguments = ["obs://b/a.jar"]`,
			"mf_b": `type = "SparkSubmit", arguments = ["--class", "x", "app.jar"]`,
			"mf_c": `type = "HiveSql", arguments = ["select 1"]`,
		}),
		converged: func(s *terraform.State) error {
			// Every job the service has is one of the set's: no submission left a duplicate.
			inState := map[string]bool{}
			for _, id := range jobIDsInState(s) {
				inState[id] = true
			}
			for _, j := range e.MRS().Jobs(mrsCluster) {
				if !inState[j.JobID] {
					return fmt.Errorf("job %s (%s) exists but is not in state", j.JobID, j.Name)
				}
			}
			return nil
		},
		convergedState: converged,
	}.steps(e)...)
	checkMalformedCount(t, e, emulator.ServiceMRS)
}
