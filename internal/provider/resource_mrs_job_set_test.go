package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
)

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

func mrsProviderConfig(e *emulator.Emulator, sk string) string {
	return fmt.Sprintf(`
provider "batchops" {
  mrs = {
    endpoint            = %q
    project_id          = %q
    access_key          = %q
    secret_key          = %q
    ca_certificate_file = %q
  }
}
`, e.MRSURL(), mrsProject, mrsAK, sk, e.CAFile())
}

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
	return mrsProviderConfig(e, mrsSK) + fmt.Sprintf(`
resource "batchops_mrs_job_set" "test" {
  cluster_id = %q
  jobs = {
%s  }
  %s
}
`, mrsCluster, b.String(), extra)
}

func mrsRequests(e *emulator.Emulator, method, pattern string) []emulator.Request {
	re := regexp.MustCompile(pattern)
	var out []emulator.Request
	for _, r := range e.RequestsFor(emulator.ServiceMRS) {
		if r.Method == method && re.MatchString(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// batchDeletedIDs returns the job ids named by every successful batch-delete.
func batchDeletedIDs(e *emulator.Emulator) (calls int, ids []string) {
	for _, r := range mrsRequests(e, http.MethodPost, jobsBasePath+`/batch-delete$`) {
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("pi").AtMapKey("state"), knownvalue.StringExact("FINISHED")),
					statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("pi").AtMapKey("result"), knownvalue.StringExact("SUCCEEDED")),
					statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("pi").AtMapKey("progress"), knownvalue.Float64Exact(100)),
					statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("summary"), knownvalue.MapExact(map[string]knownvalue.Check{"FINISHED": knownvalue.Int64Exact(3)})),
					statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^`+mrsCluster+`/[0-9a-f-]+,[0-9a-f-]+,[0-9a-f-]+$`))),
				},
			},
			{
				ResourceName:            jobSetAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"wait_for_completion", "timeouts"},
			},
		},
	})
	if n := e.MRS().JobCount(mrsCluster); n != 0 {
		t.Fatalf("%d jobs left on the cluster", n)
	}
}

func TestAccMRSJobSet_waitReportsFailedJobsByName(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{{
			Config: jobSetConfig(e, "wait_for_completion = true", map[string]string{
				"good": `type = "MapReduce", arguments = ["obs://bucket/prog.jar"]`,
				"bad":  `type = "MapReduce", arguments = ["obs://bucket/prog.jar", "fail"]`,
			}),
			// FINISHED, but the result is FAILED: the result decides.
			ExpectError: regexp.MustCompile(`(?s)MRS jobs did not succeed.*bad \(id [0-9a-f-]+\): state FINISHED, result FAILED`),
		}},
	})
}

// An update submits added jobs, deletes removed ones and replaces changed ones, and leaves the
// others alone: the emulator's request log says exactly which calls were made.
func TestAccMRSJobSet_updateAddsRemovesAndReplaces(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	long := `arguments = ["obs://bucket/prog.jar", "sleep=1h"]`
	var before map[string]string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{
			{
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
			{
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
					kills := mrsRequests(e, http.MethodPost, jobsBasePath+`/[^/]+/kill$`)
					if len(kills) != 2 || !touches(kills, before["change"]) || !touches(kills, before["remove"]) {
						return fmt.Errorf("want kills of the changed and removed (running) jobs only, got %v", kills)
					}
					calls, deleted := batchDeletedIDs(e)
					want := []string{before["change"], before["remove"]}
					sort.Strings(want)
					if calls != 1 || strings.Join(deleted, ",") != strings.Join(want, ",") {
						return fmt.Errorf("want one batch-delete of %v, got %d calls with %v", want, calls, deleted)
					}
					if submits := mrsRequests(e, http.MethodPost, jobsBasePath+`$`); len(submits) != 2 {
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
		},
	})
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := checkJobSetDestroyed(e)(s); err != nil {
				return err
			}
			kills := mrsRequests(e, http.MethodPost, jobsBasePath+`/[^/]+/kill$`)
			calls, deleted := batchDeletedIDs(e)
			if len(kills) != 3 || calls != 1 || len(deleted) != 3 {
				return fmt.Errorf("want 3 kills and one batch-delete of 3 ids, got %d kills, %d batch-deletes with %v", len(kills), calls, deleted)
			}
			last := e.RequestsFor(emulator.ServiceMRS)
			if !strings.HasSuffix(last[len(last)-1].Path, "/batch-delete") {
				return fmt.Errorf("batch-delete must come after the kills")
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: jobSetConfig(e, "", map[string]string{
				"a": `type = "MapReduce", arguments = ["obs://b/p.jar", "sleep=1h"]`,
				"b": `type = "SparkSubmit", arguments = ["obs://b/p.jar", "sleep=1h"]`,
				"c": `type = "Flink", arguments = ["run", "sleep=1h"]`,
			}),
			Check: func(s *terraform.State) error { ids = jobIDsInState(s); return nil },
		}},
	})
	_ = ids
}

func TestAccMRSJobSet_driftAfterOutOfBandDelete(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	config := jobSetConfig(e, "", map[string]string{
		"a": `type = "MapReduce", arguments = ["obs://b/p.jar"]`,
		"b": `type = "MapReduce", arguments = ["obs://b/q.jar"]`,
	})
	var ids map[string]string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error { ids = jobIDsInState(s); return nil }},
			{
				PreConfig: func() {
					if !e.MRS().DeleteJob(mrsCluster, ids["b"]) {
						t.Fatal("job b should exist")
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobSetAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("b").AtMapKey("id")),
				}},
			},
		},
	})
}

func TestAccMRSJobSet_badCredentials(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      strings.Replace(jobSetConfig(e, "", map[string]string{"a": `type = "MapReduce"`}), mrsSK, "wrong-secret-key", 1),
			ExpectError: errorText(`MRS rejected the credentials. Check mrs.access_key, mrs.secret_key and mrs.project_id`),
		}},
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
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testProviderFactories, Steps: steps})
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("invalid configurations must fail before any request; got %d", n)
	}
}

// When a submit fails in the middle, the jobs already submitted stay in state (tainted) and
// destroy removes them.
func TestAccMRSJobSet_partialFailureKeepsSubmittedJobs(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{MaxRunningJobs: 2})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{
			{
				Config: jobSetConfig(e, "", map[string]string{
					"a": `type = "MapReduce", arguments = ["obs://b/p.jar", "sleep=1h"]`,
					"b": `type = "MapReduce", arguments = ["obs://b/p.jar", "sleep=1h"]`,
					"c": `type = "MapReduce", arguments = ["obs://b/p.jar", "sleep=1h"]`,
				}),
				ExpectError: regexp.MustCompile(`(?s)Error submitting MRS jobs.*2 job\(s\) were submitted and are kept in state`),
			},
		},
	})
	if n := e.MRS().JobCount(mrsCluster); n != 0 {
		t.Fatalf("destroy must remove the submitted jobs, %d left", n)
	}
}

func TestAccMRSJobSet_lostSubmitResponseMakesNoDuplicate(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	e.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: http.MethodPost, PathRegexp: jobsBasePath + `$`, Lost: true, Times: 1})
	e.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: http.MethodPost, PathRegexp: jobsBasePath + `$`, Status: 503, RetryAfter: time.Second, Times: 1})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{{
			Config: jobSetConfig(e, "", map[string]string{"only": `type = "MapReduce", arguments = ["obs://b/p.jar"]`}),
			Check: func(*terraform.State) error {
				if n := e.MRS().JobCount(mrsCluster); n != 1 {
					return fmt.Errorf("want exactly 1 job after a lost submit response, got %d", n)
				}
				return nil
			},
		}},
	})
}

func TestAccMRSJobSet_traceLogHasNoSecretKey(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("HW_SECRET_KEY", mrsSK)
	config := strings.Replace(jobSetConfig(e, "", map[string]string{"a": `type = "MapReduce", arguments = ["obs://b/p.jar"]`}),
		fmt.Sprintf("secret_key          = %q", mrsSK), "", 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps:                    []resource.TestStep{{Config: config}},
	})
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	if !strings.Contains(log, "HTTP request") || !strings.Contains(log, "SDK-HMAC-SHA256 ***") {
		t.Fatal("the trace log should show the requests with the Authorization scheme only")
	}
	if strings.Contains(log, mrsSK) {
		t.Fatal("the trace log contains the secret key")
	}
	if m := regexp.MustCompile(`Signature=[0-9a-f]{16,}`).FindString(log); m != "" {
		t.Fatalf("the trace log contains a signature: %s", m)
	}
}

// Refreshing a set of 1,000 jobs reads them through the job list, not one GET each.
func TestAccMRSJobSet_thousandJobsRefreshInFewRequests(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	config := mrsProviderConfig(e, mrsSK) + fmt.Sprintf(`
resource "batchops_mrs_job_set" "test" {
  cluster_id = %q
  jobs       = { for i in range(1000) : "job-${i}" => { type = "MapReduce", arguments = ["obs://b/p.jar", tostring(i)] } }
}
`, mrsCluster)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() { e.ResetRequests() },
				Config:    config,
				PlanOnly:  true,
				Check:     nil,
			},
			{
				PreConfig: func() {
					if n := len(e.RequestsFor(emulator.ServiceMRS)); n == 0 || n > 15 {
						t.Errorf("a refresh of 1,000 jobs took %d requests, want 1 to 15", n)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}
