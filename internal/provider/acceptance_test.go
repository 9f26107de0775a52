package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emuazure "github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// The acceptance tests' shared helpers: the provider they serve, for each service an emulator
// to run against and the provider block that points at it, configurations and steps that
// several tests use, and checks of what the emulator saw. Request filters are the emulator's
// own (Emulator.RequestsMatching).

// testProviderFactories serve a provider whose waits and retries are short, so tests against
// the emulator do not sleep for production intervals.
var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"batchops": providerserver.NewProtocol6WithError(newProvider("test", testWaits)),
}

// testWaits are short real intervals: the acceptance tests run Terraform and the emulator on
// real time, so they cannot use a fake clock.
var testWaits = waitSettings{
	poll:  wait.PollOptions{Initial: 100 * time.Millisecond, Max: 500 * time.Millisecond, Factor: 1.5},
	retry: transport.RetryPolicy{MaxAttempts: 6, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond},
}

const (
	testJob     = "job-1"
	testAccount = "testacct"
	// testKey is base64 of "batchops-provider-test-account-key".
	testKey = "YmF0Y2hvcHMtcHJvdmlkZXItdGVzdC1hY2NvdW50LWtleQ=="
)

func TestMain(m *testing.M) {
	// Acceptance tests run by default: they only talk to the in-process emulator.
	if os.Getenv("TF_ACC") == "" {
		_ = os.Setenv("TF_ACC", "1")
	}
	// The provider is served in this process: quiet the SDK as the command does.
	for name, value := range SDKLogLevels(os.Environ()) {
		_ = os.Setenv(name, value)
	}
	os.Exit(m.Run())
}

// startEmulator runs an emulator for one test, with job-1 (using task dependencies) and job-2.
func startEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(emulator.Config{
		Seed: 1,
		AzureBatch: emuazure.Config{
			Account: testAccount,
			Key:     testKey,
			Jobs: []emuazure.Job{
				{ID: testJob, UsesTaskDependencies: true, OnTaskFailure: "performexitoptionsjobaction"},
				{ID: "job-2"},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// providerConfig is a provider block that sets one service's settings (azure_batch, hpc_pack
// or mrs), sorted by name, and any raw HCL lines in extra.
func providerConfig(service string, settings map[string]string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nprovider \"batchops\" {\n  %s = {\n", service)
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		fmt.Fprintf(&b, "    %-19s = %q\n", name, settings[name])
	}
	for _, line := range extra {
		if line != "" {
			fmt.Fprintf(&b, "    %s\n", line)
		}
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// azureProviderConfig is a provider block for the emulator's Azure Batch account.
func azureProviderConfig(e *emulator.Emulator) string {
	return azureProviderConfigWithKey(e, testKey)
}

func azureProviderConfigWithKey(e *emulator.Emulator, key string) string {
	return providerConfig("azure_batch", map[string]string{
		"endpoint": e.AzureBatchURL(), "account_name": testAccount, "account_key": key, "ca_certificate_file": e.CAFile(),
	})
}

// runAccTest runs steps in parallel with the other tests against testProviderFactories;
// checkDestroy, if not nil, asks the emulator what the final destroy left.
func runAccTest(t *testing.T, checkDestroy resource.TestCheckFunc, steps ...resource.TestStep) {
	t.Helper()
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testProviderFactories, CheckDestroy: checkDestroy, Steps: steps})
}

// emptyPlanStep plans config again and expects no changes.
func emptyPlanStep(config string) resource.TestStep {
	return resource.TestStep{
		Config:           config,
		PlanOnly:         true,
		ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
	}
}

// taskResource is the test task in job with the given arguments.
func taskResource(job, args string) string {
	return fmt.Sprintf(`
resource "batchops_azure_batch_task" "test" {
  job_id = %q
%s
}
`, job, args)
}

// taskConfig is the test task in job-1, on the emulator's account.
func taskConfig(e *emulator.Emulator, args string) string {
	return azureProviderConfig(e) + taskResource(testJob, args)
}

// addTaskRequests are the Add Task calls the emulator received for job-1.
func addTaskRequests(e *emulator.Emulator) []emulator.Request {
	return e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodPost, `^/jobs/`+testJob+`/tasks$`)
}

// azureTestClient is a client of the emulator's Azure Batch account, retrying as the provider
// under test does.
func azureTestClient(t *testing.T, e *emulator.Emulator) *azurebatch.Client {
	t.Helper()
	client, err := azurebatch.New(azurebatch.Config{
		Endpoint: e.AzureBatchURL(), AccountName: testAccount, AccountKey: testKey, CACertificateFile: e.CAFile(), Retry: testWaits.retry,
	})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// addTaskElsewhere adds a task to job-1 outside Terraform, as another tool would.
func addTaskElsewhere(t *testing.T, e *emulator.Emulator, spec azurebatch.TaskSpec) {
	t.Helper()
	if _, err := azureTestClient(t, e).AddTask(context.Background(), testJob, spec); err != nil {
		t.Fatal(err)
	}
}

// errorText matches text in Terraform's output, where long diagnostics are wrapped: every run
// of spaces in text matches any white space.
func errorText(text string) *regexp.Regexp {
	parts := strings.Fields(text)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(strings.Join(parts, `\s+`))
}

const (
	jobSetAddr   = "batchops_mrs_job_set.test"
	mrsProject   = "0123456789abcdef0123456789abcdef"
	mrsAK        = "TESTAK0123456789ABCD"
	mrsSK        = "test-secret-key-0123456789abcdefghijklmn"
	mrsCluster   = "cluster-1"
	jobsBasePath = `^/v2/` + mrsProject + `/clusters/` + mrsCluster + `/job-executions`
)

func startMRSEmulator(t *testing.T, cfg emumrs.Config) *emulator.Emulator {
	t.Helper()
	cfg.ProjectID, cfg.AccessKey, cfg.SecretKey = mrsProject, mrsAK, mrsSK
	if cfg.Clusters == nil {
		cfg.Clusters = []string{mrsCluster}
	}
	if cfg.RunTime == 0 {
		cfg.RunTime = time.Second
	}
	e, err := emulator.Start(emulator.Config{Seed: 1, MRS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func mrsProviderConfig(e *emulator.Emulator) string {
	return providerConfig("mrs", map[string]string{
		"endpoint": e.MRSURL(), "project_id": mrsProject, "access_key": mrsAK, "secret_key": mrsSK, "ca_certificate_file": e.CAFile(),
	})
}

// startHPCEmulator runs an emulator whose HPC Pack head node serves cfg (defaults filled in).
func startHPCEmulator(t *testing.T, cfg hpcpack.Config) *emulator.Emulator {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = map[string]string{hpcUser: hpcPassword, `CONTOSO\svc-soa`: "run-as-password"}
	}
	if cfg.RequestTime == 0 {
		cfg.RequestTime = 20 * time.Millisecond
	}
	e, err := emulator.Start(emulator.Config{Seed: 1, HPCPack: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

const (
	sessionAddr = "batchops_hpc_soa_session.test"
	batchAddr   = "batchops_hpc_soa_batch.test"
)

// hpcProviderConfig is a provider block for the emulator's head node; extra goes inside hpc_pack.
func hpcProviderConfig(e *emulator.Emulator, extra string) string {
	cluster := ""
	if name := e.HPCPack().ClusterName(); name != "" {
		cluster = fmt.Sprintf("cluster_name = %q", name)
	}
	return providerConfig("hpc_pack", map[string]string{
		"endpoint": e.HPCPackURL(), "username": hpcUser, "password": hpcPassword, "ca_certificate_file": e.CAFile(),
	}, cluster, extra)
}

// sessionIDInState is the id of the test session in s.
func sessionIDInState(s *terraform.State) int {
	id, _ := strconv.Atoi(s.RootModule().Resources[sessionAddr].Primary.ID)
	return id
}

// driftSteps apply config, then removeOutOfBand removes what (an object config made) behind
// Terraform's back, given the state of that apply; the next plan must pass expect.
func driftSteps(t *testing.T, config, what string, removeOutOfBand func(*terraform.State) bool, expect ...plancheck.PlanCheck) []resource.TestStep {
	var applied *terraform.State
	return []resource.TestStep{
		{Config: config, Check: func(s *terraform.State) error { applied = s; return nil }},
		{
			PreConfig: func() {
				if !removeOutOfBand(applied) {
					t.Fatalf("%s should exist before it is removed out of band", what)
				}
			},
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expect},
		},
	}
}

// traceLog runs steps with TF_LOG=TRACE and returns what Terraform and the provider logged. It
// is not parallel: the log settings are the process's environment.
func traceLog(t *testing.T, checkDestroy resource.TestCheckFunc, steps ...resource.TestStep) string {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	for name := range SDKLogLevels(nil) { // switched off by TestMain
		t.Setenv(name, "TRACE")
	}
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testProviderFactories, CheckDestroy: checkDestroy, Steps: steps})
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// checkLogHidesSecret checks that log holds each of want (the requests, with the Authorization
// scheme only) and neither secret nor any credential it was used to make.
func checkLogHidesSecret(t *testing.T, log string, want []string, secretName, secret string, credential *regexp.Regexp) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(log, w) {
			t.Errorf("the trace log should show the requests with the Authorization scheme only; it lacks %q", w)
		}
	}
	// The line number, not the line: the failure output must not repeat the secret.
	if i := strings.Index(log, secret); i >= 0 {
		t.Errorf("the trace log contains the %s, at line %d", secretName, strings.Count(log[:i], "\n")+1)
	}
	if m := credential.FindString(log); m != "" {
		t.Errorf("the trace log contains credentials: %s", m)
	}
}

// sessionConfig is the test session of service with the given further arguments, on the
// emulator's head node.
func sessionConfig(e *emulator.Emulator, service, args string) string {
	return hpcProviderConfig(e, "") + fmt.Sprintf(`
resource "batchops_hpc_soa_session" "test" {
  service_name = %q
%s
}
`, service, args)
}

// checkNoSessionOpen is checkSOADestroyed, and no session on the head node may be left open,
// whether in state or not.
func checkNoSessionOpen(e *emulator.Emulator) resource.TestCheckFunc {
	return resource.ComposeTestCheckFunc(checkSOADestroyed(e), func(*terraform.State) error {
		if n := e.HPCPack().SessionCount(); n != 0 {
			return fmt.Errorf("%d sessions open after destroy", n)
		}
		return nil
	})
}

// checkTasksDeleted asks the emulator that every task in state received a successful Delete
// Task call and no longer exists.
func checkTasksDeleted(e *emulator.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			job, tasks := rs.Primary.Attributes["job_id"], []string{rs.Primary.Attributes["task_id"]}
			switch rs.Type {
			case "batchops_azure_batch_task":
			case "batchops_azure_batch_task_set":
				tasks = taskSetIDs(rs.Primary.Attributes)
			default:
				continue
			}
			for _, task := range tasks {
				if err := checkTaskDeleted(e, job, task); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// taskSetIDs are the task ids in the flat state attributes of a task set ("tasks.<id>.<name>").
func taskSetIDs(attrs map[string]string) []string {
	var ids []string
	for key := range attrs {
		if rest, ok := strings.CutPrefix(key, "tasks."); ok {
			if id, _, ok := strings.Cut(rest, "."); ok && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func checkTaskDeleted(e *emulator.Emulator, job, task string) error {
	if e.AzureBatch().TaskExists(job, task) {
		return fmt.Errorf("task %s/%s still exists after destroy", job, task)
	}
	for _, r := range e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodDelete, "^/jobs/"+job+"/tasks/"+task+"$") {
		if r.Status == http.StatusOK && strings.Contains(r.Query, "api-version="+azurebatch.APIVersion) {
			return nil
		}
	}
	return fmt.Errorf("the emulator received no successful DELETE /jobs/%s/tasks/%s?api-version=%s", job, task, azurebatch.APIVersion)
}

// Tests that call a resource's methods directly, as a plugin server does.

// directTaskResource is the task resource configured with a client of the emulator.
func directTaskResource(t *testing.T, e *emulator.Emulator) (*azureBatchTaskResource, fwresource.SchemaResponse) {
	t.Helper()
	r := &azureBatchTaskResource{data: &providerData{
		waits:      testWaits,
		azureBatch: service[*azurebatch.Client]{client: azureTestClient(t, e)},
	}}
	var s fwresource.SchemaResponse
	r.Schema(context.Background(), fwresource.SchemaRequest{}, &s)
	return r, s
}

// createPlan is the plan Terraform sends to create a task with args: computed values unknown,
// the other arguments null.
func createPlan(s fwresource.SchemaResponse, args map[string]tftypes.Value) tfsdk.Plan {
	typ := s.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		switch a := s.Schema.Attributes[name]; {
		case args[name].Type() != nil:
			vals[name] = args[name]
		case a.IsComputed() && !a.IsOptional(), name == "constraints":
			vals[name] = tfUnknown(at)
		default:
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	return tfsdk.Plan{Schema: s.Schema, Raw: tftypes.NewValue(typ, vals)}
}

// eventually waits for something that is bound to happen.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func stateString(t *testing.T, s tfsdk.State, name string) types.String {
	t.Helper()
	var v types.String
	if diags := s.GetAttribute(context.Background(), path.Root(name), &v); diags.HasError() {
		t.Fatalf("state %s: %v", name, diags)
	}
	return v
}

func diagsText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%s: %s] ", d.Summary(), d.Detail())
	}
	return b.String()
}
