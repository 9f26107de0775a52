package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/mrs"
)

// jobSetConfig is a job set of the given jobs (HCL object bodies keyed by name).
func jobSetConfig(e *emulator.Emulator, extra string, jobs map[string]string) string {
	var b strings.Builder
	names := make([]string, 0, len(jobs))
	for name := range jobs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "    %s = { %s }\n", name, jobs[name])
	}
	return mrsProviderConfig(e) + fmt.Sprintf(`
resource "batchops_mrs_job_set" "test" {
  cluster_id = %q
  jobs = {
%s  }
  %s
}
`, mrsCluster, b.String(), extra)
}

// batchDeletedIDs returns the job ids named by every successful batch-delete.
func batchDeletedIDs(e *emulator.Emulator) (calls int, ids []string) {
	for _, r := range e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, jobsBasePath+`/batch-delete$`) {
		if r.Status >= 300 {
			continue
		}
		calls++
		var body struct {
			JobIDList []string `json:"job_id_list"`
		}
		_ = json.Unmarshal(r.Body, &body)
		ids = append(ids, body.JobIDList...)
	}
	sort.Strings(ids)
	return calls, ids
}

// checkJobSetDestroyed asks the emulator that the set's jobs were deleted by batch-delete.
func checkJobSetDestroyed(e *emulator.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "batchops_mrs_job_set" {
				continue
			}
			_, deleted := batchDeletedIDs(e)
			for key, id := range rs.Primary.Attributes {
				if !strings.HasPrefix(key, "job_ids.") || key == "job_ids.%" {
					continue
				}
				if _, ok := e.MRS().Job(mrsCluster, id); ok {
					return fmt.Errorf("job %s still exists after destroy", id)
				}
				if i := sort.SearchStrings(deleted, id); i == len(deleted) || deleted[i] != id {
					return fmt.Errorf("job %s was not in any batch-delete", id)
				}
			}
		}
		return nil
	}
}

func TestAccMRSJobSet_createWaitImportAndDestroy(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	config := jobSetConfig(e, "wait_for_completion = true", map[string]string{
		"wordcount": `type = "MapReduce", arguments = ["obs://bucket/prog.jar", "wordcount", "obs://bucket/in", "obs://bucket/out"]`,
		"pi":        `type = "SparkSubmit", arguments = ["--class", "org.example.Pi", "--master", "yarn", "obs://bucket/pi.jar", "100"], properties = { "fs.obs.endpoint" = "obs.example.com", "spark.executor.memory" = "2g" }`,
		"report":    `type = "HiveSql", arguments = ["SELECT 1"]`,
	})
	runAccTest(t, checkJobSetDestroyed(e),
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("pi").AtMapKey("state"), knownvalue.StringExact("FINISHED")),
				statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("pi").AtMapKey("result"), knownvalue.StringExact("SUCCEEDED")),
				statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("pi").AtMapKey("progress"), knownvalue.Float64Exact(100)),
				statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("summary"), knownvalue.MapExact(map[string]knownvalue.Check{"FINISHED": knownvalue.Int64Exact(3)})),
				statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^`+mrsCluster+`/[0-9a-f-]+,[0-9a-f-]+,[0-9a-f-]+$`))),
			},
		},
		resource.TestStep{
			ResourceName:            jobSetAddr,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"wait_for_completion", "timeouts"},
		},
	)
	if n := e.MRS().JobCount(mrsCluster); n != 0 {
		t.Fatalf("%d jobs left on the cluster", n)
	}
}

func TestAccMRSJobSet_waitReportsFailedJobsByName(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	runAccTest(t, checkJobSetDestroyed(e), resource.TestStep{
		Config: jobSetConfig(e, "wait_for_completion = true", map[string]string{
			"good": `type = "MapReduce", arguments = ["obs://bucket/prog.jar"]`,
			"bad":  `type = "MapReduce", arguments = ["obs://bucket/prog.jar", "fail"]`,
		}),
		// FINISHED, but the result is FAILED: the result decides.
		ExpectError: regexp.MustCompile(`(?s)MRS jobs did not succeed.*bad \(id [0-9a-f-]+\): state FINISHED, result FAILED`),
	})
}

// An update submits added jobs, deletes removed ones and replaces changed ones, and leaves the
// others alone: the emulator's request log says exactly which calls were made.
func TestAccMRSJobSet_updateAddsRemovesAndReplaces(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	long := `arguments = ["obs://bucket/prog.jar", "sleep=1h"]`
	var before map[string]string
	runAccTest(t, checkJobSetDestroyed(e),
		resource.TestStep{
			Config: jobSetConfig(e, "", map[string]string{
				"keep":   `type = "MapReduce", ` + long,
				"change": `type = "MapReduce", ` + long,
				"remove": `type = "MapReduce", ` + long,
			}),
			Check: func(s *terraform.State) error {
				before = jobIDsInState(s)
				e.ResetRequests()
				return nil
			},
		},
		resource.TestStep{
			Config: jobSetConfig(e, "", map[string]string{
				"keep":   `type = "MapReduce", ` + long,
				"change": `type = "MapReduce", arguments = ["obs://bucket/prog.jar", "sleep=2h"]`,
				"add":    `type = "HiveSql", arguments = ["SELECT 1"]`,
			}),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(jobSetAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("keep").AtMapKey("id"), knownvalue.NotNull()),
				plancheck.ExpectUnknownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("change").AtMapKey("id")),
			}},
			Check: func(s *terraform.State) error {
				after := jobIDsInState(s)
				if after["keep"] != before["keep"] || after["change"] == before["change"] || after["add"] == "" || after["remove"] != "" {
					return fmt.Errorf("before %v, after %v", before, after)
				}
				kills := e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, jobsBasePath+`/[^/]+/kill$`)
				if len(kills) != 2 || !touches(kills, before["change"]) || !touches(kills, before["remove"]) {
					return fmt.Errorf("want kills of the changed and removed (running) jobs only, got %v", kills)
				}
				calls, deleted := batchDeletedIDs(e)
				want := []string{before["change"], before["remove"]}
				sort.Strings(want)
				if calls != 1 || strings.Join(deleted, ",") != strings.Join(want, ",") {
					return fmt.Errorf("want one batch-delete of %v, got %d calls with %v", want, calls, deleted)
				}
				if submits := e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, jobsBasePath+`$`); len(submits) != 2 {
					return fmt.Errorf("want 2 submits (the changed and the added job), got %d", len(submits))
				}
				for _, r := range e.RequestsFor(emulator.ServiceMRS) {
					if r.Method != http.MethodGet && strings.Contains(r.Path, before["keep"]) {
						return fmt.Errorf("the unchanged job was touched: %s %s", r.Method, r.Path)
					}
				}
				return nil
			},
		},
	)
}

func touches(reqs []emulator.Request, id string) bool {
	for _, r := range reqs {
		if strings.Contains(r.Path, id) {
			return true
		}
	}
	return false
}

func jobIDsInState(s *terraform.State) map[string]string {
	out := map[string]string{}
	for key, v := range s.RootModule().Resources[jobSetAddr].Primary.Attributes {
		if strings.HasPrefix(key, "job_ids.") && key != "job_ids.%" {
			out[strings.TrimPrefix(key, "job_ids.")] = v
		}
	}
	return out
}

// Destroy of a set whose jobs run: kill each, then one batch-delete with every id.
func TestAccMRSJobSet_destroyKillsThenBatchDeletes(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	var ids map[string]string
	runAccTest(t, func(s *terraform.State) error {
		if err := checkJobSetDestroyed(e)(s); err != nil {
			return err
		}
		kills := e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, jobsBasePath+`/[^/]+/kill$`)
		calls, deleted := batchDeletedIDs(e)
		if len(kills) != 3 || calls != 1 || len(deleted) != 3 {
			return fmt.Errorf("want 3 kills and one batch-delete of 3 ids, got %d kills, %d batch-deletes with %v", len(kills), calls, deleted)
		}
		last := e.RequestsFor(emulator.ServiceMRS)
		if !strings.HasSuffix(last[len(last)-1].Path, "/batch-delete") {
			return fmt.Errorf("batch-delete must come after the kills")
		}
		return nil
	}, resource.TestStep{
		Config: jobSetConfig(e, "", map[string]string{
			"a": `type = "MapReduce", arguments = ["obs://b/p.jar", "sleep=1h"]`,
			"b": `type = "SparkSubmit", arguments = ["obs://b/p.jar", "sleep=1h"]`,
			"c": `type = "Flink", arguments = ["run", "sleep=1h"]`,
		}),
		Check: func(s *terraform.State) error { ids = jobIDsInState(s); return nil },
	})
	_ = ids
}

func TestAccMRSJobSet_driftAfterOutOfBandDelete(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	config := jobSetConfig(e, "", map[string]string{
		"a": `type = "MapReduce", arguments = ["obs://b/p.jar"]`,
		"b": `type = "MapReduce", arguments = ["obs://b/q.jar"]`,
	})
	runAccTest(t, checkJobSetDestroyed(e), driftSteps(t, config, "job b",
		func(s *terraform.State) bool { return e.MRS().DeleteJob(mrsCluster, jobIDsInState(s)["b"]) },
		plancheck.ExpectResourceAction(jobSetAddr, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("b").AtMapKey("id")),
	)...)
}

func TestAccMRSJobSet_badCredentials(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	runAccTest(t, nil, resource.TestStep{
		Config:      strings.Replace(jobSetConfig(e, "", map[string]string{"a": `type = "MapReduce"`}), mrsSK, "wrong-secret-key", 1),
		ExpectError: errorText(`MRS rejected the credentials. Check mrs.access_key, mrs.secret_key and mrs.project_id`),
	})
	if n := e.MRS().JobCount(mrsCluster); n != 0 {
		t.Fatalf("no job may be submitted with wrong credentials, found %d", n)
	}
}

func TestAccMRSJobSet_planTimeValidation(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	cases := []struct {
		jobs map[string]string
		want string
	}{
		{map[string]string{`"bad name"`: `type = "MapReduce"`}, `job names must be 1 to 64 letters, digits`},
		{map[string]string{"a": `type = "Pig"`}, `value must be one of`},
		{map[string]string{"a": `type = "MapReduce", arguments = ["x; rm -rf /"]`}, `must not contain ; | & > ' < \$ ! \\ or "`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{Config: jobSetConfig(e, "", tc.jobs), PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)})
	}
	runAccTest(t, nil, steps...)
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("invalid configurations must fail before any request; got %d", n)
	}
}

// When a submit fails in the middle, the jobs already submitted stay in state (tainted) and
// destroy removes them.
func TestAccMRSJobSet_partialFailureKeepsSubmittedJobs(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{MaxRunningJobs: 2})
	runAccTest(t, checkJobSetDestroyed(e), resource.TestStep{
		Config: jobSetConfig(e, "", map[string]string{
			"a": `type = "MapReduce", arguments = ["obs://b/p.jar", "sleep=1h"]`,
			"b": `type = "MapReduce", arguments = ["obs://b/p.jar", "sleep=1h"]`,
			"c": `type = "MapReduce", arguments = ["obs://b/p.jar", "sleep=1h"]`,
		}),
		ExpectError: regexp.MustCompile(`(?s)Error submitting MRS jobs.*2 job\(s\) were submitted and are kept in state`),
	})
	if n := e.MRS().JobCount(mrsCluster); n != 0 {
		t.Fatalf("destroy must remove the submitted jobs, %d left", n)
	}
}

func TestAccMRSJobSet_lostSubmitResponseMakesNoDuplicate(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	e.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: http.MethodPost, PathRegexp: jobsBasePath + `$`, Lost: true, Times: 1})
	e.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: http.MethodPost, PathRegexp: jobsBasePath + `$`, Status: 503, RetryAfter: time.Second, Times: 1})
	runAccTest(t, checkJobSetDestroyed(e), resource.TestStep{
		Config: jobSetConfig(e, "", map[string]string{"only": `type = "MapReduce", arguments = ["obs://b/p.jar"]`}),
		Check: func(*terraform.State) error {
			if n := e.MRS().JobCount(mrsCluster); n != 1 {
				return fmt.Errorf("want exactly 1 job after a lost submit response, got %d", n)
			}
			return nil
		},
	})
}

func TestAccMRSJobSet_traceLogHasNoSecretKey(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	t.Setenv("HW_SECRET_KEY", mrsSK)
	config := strings.Replace(jobSetConfig(e, "", map[string]string{"a": `type = "MapReduce", arguments = ["obs://b/p.jar"]`}),
		fmt.Sprintf("secret_key          = %q", mrsSK), "", 1)
	log := traceLog(t, checkJobSetDestroyed(e), resource.TestStep{Config: config})
	checkLogHidesSecret(t, log, []string{"HTTP request", "SDK-HMAC-SHA256 ***"}, "secret key", mrsSK, regexp.MustCompile(`Signature=[0-9a-f]{16,}`))
}

// Refreshing a set of 1,000 jobs reads them through the job list, not one GET each.
func TestAccMRSJobSet_thousandJobsRefreshInFewRequests(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	config := mrsProviderConfig(e) + fmt.Sprintf(`
resource "batchops_mrs_job_set" "test" {
  cluster_id = %q
  jobs       = { for i in range(1000) : "job-${i}" => { type = "MapReduce", arguments = ["obs://b/p.jar", tostring(i)] } }
}
`, mrsCluster)
	runAccTest(t, checkJobSetDestroyed(e),
		resource.TestStep{Config: config},
		resource.TestStep{
			PreConfig: func() { e.ResetRequests() },
			Config:    config,
			PlanOnly:  true,
			Check:     nil,
		},
		resource.TestStep{
			PreConfig: func() {
				if n := len(e.RequestsFor(emulator.ServiceMRS)); n == 0 || n > 15 {
					t.Errorf("a refresh of 1,000 jobs took %d requests, want 1 to 15", n)
				}
			},
			Config:   config,
			PlanOnly: true,
		},
	)
}

// Every argument may come from values known only after apply: the jobs map is built by a for
// expression over another resource's output. Validate, plan and apply work, and the next plan
// is empty.
func TestAccMRSJobSet_argumentsKnownOnlyAfterApply(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	config := mrsProviderConfig(e) + fmt.Sprintf(`
resource "terraform_data" "in" {
  input = {
    cluster = %q
    names   = ["alpha", "beta", "gamma"]
    type    = "HiveSql"
    props   = { "hive.exec.parallel" = "true" }
    wait    = true
    kill    = true
    timeout = "10m"
  }
}

resource "batchops_mrs_job_set" "test" {
  cluster_id = terraform_data.in.output.cluster
  jobs = { for i, name in terraform_data.in.output.names : name => {
    type       = terraform_data.in.output.type
    arguments  = ["SELECT ${i}"]
    properties = terraform_data.in.output.props
  } }
  wait_for_completion = terraform_data.in.output.wait
  kill_on_destroy     = terraform_data.in.output.kill
  timeouts            = { create = terraform_data.in.output.timeout }
}
`, mrsCluster)
	runAccTest(t, checkJobSetDestroyed(e),
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(jobSetAddr, tfjsonpath.New("jobs")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("summary"), knownvalue.MapExact(map[string]knownvalue.Check{"FINISHED": knownvalue.Int64Exact(3)})),
				statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("gamma").AtMapKey("arguments"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("SELECT 2")})),
				statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("beta").AtMapKey("result"), knownvalue.StringExact("SUCCEEDED")),
			},
		},
		resource.TestStep{
			Config:             config,
			PlanOnly:           true,
			ExpectNonEmptyPlan: false,
		},
	)
	if n := len(e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, jobsBasePath+`$`)); n != 3 {
		t.Errorf("want 3 submits, got %d", n)
	}
}

// A failed member stands alone: the error says how to keep the set, and following it
// resubmits only the failed job; the jobs that succeeded are never killed, deleted or
// resubmitted. Run with the real CLI, which `terraform untaint` needs.
func TestAccMRSJobSet_failedMembersStandAlone(t *testing.T) {
	t.Parallel()
	e := startMRSEmulator(t, emumrs.Config{})
	h := newCLIHarness(t, jobSetConfig(e, "wait_for_completion = true", map[string]string{
		"good":  `type = "HiveSql", arguments = ["SELECT 1"]`,
		"flaky": `type = "HiveSql", arguments = ["SELECT 2 -- flaky"]`,
		"also":  `type = "HiveSql", arguments = ["SELECT 3"]`,
	}))
	out, err := h.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	if err == nil {
		t.Fatal("the first apply must fail: job flaky fails its first run")
	}
	for _, want := range []string{
		"1 of 3 job(s) ended without result SUCCEEDED",
		"flaky (id ",
		"run `terraform untaint` with this job set's address",
		"the next `terraform apply` then submits only the jobs that are missing or failed",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
	set := instancesOf(h.state(), "batchops_mrs_job_set")
	if len(set) != 1 || set[0].Status != "tainted" {
		t.Fatalf("want the set in state, tainted: %+v", set)
	}
	firstIDs := set[0].Attributes["job_ids"].(map[string]any)

	if _, err := h.terraform("untaint", "batchops_mrs_job_set.test"); err != nil {
		t.Fatalf("terraform untaint: %v", err)
	}
	e.ResetRequests()
	if _, err := h.terraform("apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		t.Fatalf("the apply after untaint must resubmit the failed job and succeed: %v", err)
	}
	submits := e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, jobsBasePath+`$`)
	if len(submits) != 1 || !strings.Contains(string(submits[0].Body), `"job_name":"flaky"`) {
		t.Errorf("want exactly one submit, of job flaky; got %d", len(submits))
	}
	if kills := e.RequestsMatching(emulator.ServiceMRS, http.MethodPost, `/kill$`); len(kills) != 0 {
		t.Errorf("no job may be killed, got %d kills", len(kills))
	}
	if _, deleted := batchDeletedIDs(e); len(deleted) != 1 || deleted[0] != firstIDs["flaky"] {
		t.Errorf("only the failed job's record may be deleted; batch-delete named %v", deleted)
	}
	set = instancesOf(h.state(), "batchops_mrs_job_set")
	ids := set[0].Attributes["job_ids"].(map[string]any)
	jobs := set[0].Attributes["jobs"].(map[string]any)
	for _, name := range []string{"good", "also"} {
		if ids[name] != firstIDs[name] {
			t.Errorf("job %s was replaced: id %v, was %v", name, ids[name], firstIDs[name])
		}
	}
	if ids["flaky"] == firstIDs["flaky"] || jobs["flaky"].(map[string]any)["result"] != "SUCCEEDED" {
		t.Errorf("job flaky was not resubmitted with success: %v", jobs["flaky"])
	}
	if out, err := h.terraform("plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
		t.Errorf("the plan after the rerun must be empty: %v\n%s", err, out)
	}
	if err := h.destroy(); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if n := e.MRS().JobCount(mrsCluster); n != 0 {
		t.Errorf("%d jobs left on the cluster", n)
	}
}

// A long wait shows its progress at INFO: every change of the count of finished jobs.
func TestMRSJobSetWaitLogsProgress(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	client, err := mrs.New(mrs.Config{Endpoint: e.MRSURL(), ProjectID: mrsProject, AccessKey: mrsAK, SecretKey: mrsSK, CACertificateFile: e.CAFile()})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	jobs, names := jobSet{}, map[string]string{}
	for i, sleep := range []string{"0", "1", "2"} {
		name := fmt.Sprintf("j%d", i)
		id, err := client.Submit(ctx, mrsCluster, mrs.JobSpec{Name: name, Type: "HiveSql", Arguments: []string{"sleep=" + sleep}})
		if err != nil {
			t.Fatal(err)
		}
		jobs[name] = mrsJobModel{ID: types.StringValue(id), State: types.StringValue("NEW")}
		names[name] = id
	}
	r := &mrsJobSetResource{data: &providerData{waits: testWaits}}
	if err := r.waitTerminal(ctx, client, mrsCluster, jobs, names); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"status":"0/3 jobs finished"`, `"status":"3/3 jobs finished"`, `"@level":"info"`, `"@message":"waiting for MRS jobs to finish"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the INFO log lacks %s:\n%s", want, logs.String())
		}
	}
}

// A wait that reaches its timeout names the jobs still running and says how to wait longer or
// keep them; the jobs stay in state.
func TestAccMRSJobSet_waitTimeoutNamesRunningJobs(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	runAccTest(t, checkJobSetDestroyed(e), resource.TestStep{
		Config: jobSetConfig(e, `
  wait_for_completion = true
  timeouts            = { create = "2s" }`, map[string]string{
			"slow-a": `type = "HiveSql", arguments = ["SELECT 1", "sleep=1h"]`,
			"slow-b": `type = "HiveSql", arguments = ["SELECT 2", "sleep=1h"]`,
		}),
		// The last state seen depends on when the last poll ran; the advice does not.
		ExpectError: regexp.MustCompile(`After\s+2s,\s+2\s+job\(s\)\s+were\s+still\s+running:\s+slow-a\s+\([A-Z]+\),\s+slow-b\s+\([A-Z]+\)\.` +
			`\s+They\s+keep\s+running\s+and\s+are\s+in\s+state\.\s+To\s+wait\s+longer,\s+raise\s+timeouts\.create\s+\(now\s+2s\)`),
	})
}

// The job set's identity is its cluster, which stays while jobs are added and replaced (new
// job ids); importing by identity adopts every job of the cluster.
func TestAccMRSJobSet_importByIdentity(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	identity := map[string]string{"cluster_id": mrsCluster}
	var firstID string
	runIdentityTest(t, checkJobSetDestroyed(e),
		resource.TestStep{
			Config: jobSetConfig(e, "", map[string]string{
				"a": `type = "HiveSql", arguments = ["SELECT 1"]`,
				"b": `type = "HiveSql", arguments = ["SELECT 2"]`,
			}),
			ConfigStateChecks: []statecheck.StateCheck{expectIdentity(jobSetAddr, identity)},
			Check: func(s *terraform.State) error {
				firstID = s.RootModule().Resources[jobSetAddr].Primary.ID
				return nil
			},
		},
		resource.TestStep{
			// b replaced, c added: the id changes, the identity does not.
			Config: jobSetConfig(e, "", map[string]string{
				"a": `type = "HiveSql", arguments = ["SELECT 1"]`,
				"b": `type = "HiveSql", arguments = ["SELECT 22"]`,
				"c": `type = "HiveSql", arguments = ["SELECT 3"]`,
			}),
			ConfigStateChecks: []statecheck.StateCheck{expectIdentity(jobSetAddr, identity)},
			Check: func(s *terraform.State) error {
				if id := s.RootModule().Resources[jobSetAddr].Primary.ID; id == firstID {
					return fmt.Errorf("the id should have changed with the jobs, still %s", id)
				}
				return nil
			},
		},
		// The cluster holds exactly the set's jobs (b's first job was deleted), so adopting
		// them all plans nothing more.
		importByIdentityStep(jobSetAddr),
	)
}

// The import ID "cluster_id" adopts every job of the cluster, as import by identity does, on
// every CLI; two jobs of one name cannot both be adopted, and the error says what to do.
func TestAccMRSJobSet_importEveryJobOfTheCluster(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{Clusters: []string{mrsCluster, "empty-cluster"}})
	// Waiting, so that the jobs' states hold still for ImportStateVerify.
	config := jobSetConfig(e, "wait_for_completion = true", map[string]string{
		"a": `type = "HiveSql", arguments = ["SELECT 1"]`,
		"b": `type = "SparkSubmit", arguments = ["obs://bucket/b.jar"], properties = { "spark.executor.memory" = "2g" }`,
	})
	runAccTest(t, checkJobSetDestroyed(e),
		resource.TestStep{Config: config},
		resource.TestStep{
			ResourceName:            jobSetAddr,
			ImportState:             true,
			ImportStateId:           mrsCluster,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"wait_for_completion", "timeouts"},
		},
		resource.TestStep{
			PreConfig: func() {
				client, err := mrs.New(mrs.Config{Endpoint: e.MRSURL(), ProjectID: mrsProject, AccessKey: mrsAK, SecretKey: mrsSK, CACertificateFile: e.CAFile()})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := client.Submit(context.Background(), mrsCluster, mrs.JobSpec{Name: "a", Type: "HiveSql", Arguments: []string{"SELECT 9"}}); err != nil {
					t.Fatal(err)
				}
			},
			Config:        config,
			ResourceName:  jobSetAddr,
			ImportState:   true,
			ImportStateId: mrsCluster,
			ExpectError:   errorText(`Two of the imported jobs are named "a"; a job set is keyed by job name. Import the jobs by their ids instead: ` + mrsCluster + `/job_id,job_id,...`),
		},
		resource.TestStep{
			Config:        config,
			ResourceName:  jobSetAddr,
			ImportState:   true,
			ImportStateId: "empty-cluster",
			ExpectError:   errorText(`Cluster empty-cluster has no jobs.`),
		},
	)
}
