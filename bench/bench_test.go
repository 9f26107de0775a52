package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// knownExcess is what the provider spends today beyond the minimum, explained in README.md
// (Performance). Remove an entry once the provider no longer needs it: the test then holds the
// provider to the minimum.
var knownExcess = map[string]func(n int) Counts{}

// essential are requests each phase must have made (method, route, and count per object, or
// Count when it is set): a run that made fewer did not do its work.
var essential = map[string][]Route{
	"hpc_soa_batch_requests/apply":   {{Method: "POST", Route: "/WindowsHPC/session/{id}/batch/{id}", Count: 1}},
	"hpc_soa_batch_requests/destroy": {{Method: "POST", Route: "/WindowsHPC/session/{id}/batch/{id}/Purge", Count: 1}},
	"azure_batch_task/apply":         {{Method: "POST", Route: "/jobs/{id}/tasks", PerObject: 1}},
	"azure_batch_task/destroy":       {{Method: "DELETE", Route: "/jobs/{id}/tasks/{id}", PerObject: 1}},
	"hpc_soa_batch/apply":            {{Method: "POST", Route: "/WindowsHPC/session/{id}/batch/{id}", PerObject: 1}},
	"hpc_soa_batch/destroy":          {{Method: "POST", Route: "/WindowsHPC/session/{id}/batch/{id}/Purge", PerObject: 1}},
	"mrs_job_set/apply":              {{Method: "POST", Route: "/v2/{id}/clusters/{id}/job-executions", PerObject: 1}},
}

// TestBenchSmoke runs the whole benchmark with N = 5 and Terraform's default parallelism, so
// that `make bench` cannot rot: building, the emulator, every scenario and phase, the request
// attribution, the memory sampling and the JSON. It needs a Terraform CLI and, like the
// acceptance tests, TF_ACC=1 (make test sets both).
func TestBenchSmoke(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC is not set: the benchmark smoke test runs Terraform (make test sets TF_ACC=1)")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	const n = 5
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := filepath.Join(t.TempDir(), "results.json")
	var progress strings.Builder
	res, err := Run(ctx, Config{Ns: []int{n}, Parallelism: []int{0}, Out: out, Log: &progress,
		CommandTimeout: 2 * time.Minute})
	t.Log("\n" + progress.String())
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	PrintTable(&table, res)
	t.Log("\n" + table.String())

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("results JSON not written: %v", err)
	}
	var got Results
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("results JSON: %v", err)
	}
	if want := len(Scenarios) * len(Phases); len(got.Records) != want {
		t.Fatalf("%d records, want %d (one per scenario and phase)", len(got.Records), want)
	}
	if got.TerraformVersion == "" || strings.HasPrefix(got.TerraformVersion, "unknown") {
		t.Errorf("terraform_version = %q", got.TerraformVersion)
	}
	byName := map[string]Scenario{}
	for _, s := range Scenarios {
		byName[s.Name] = s
	}
	sampled := map[string]bool{}
	for _, r := range got.Records {
		id := fmt.Sprintf("%s/%s", r.Scenario, r.Phase)
		sc, ok := byName[r.Scenario]
		switch {
		case !ok:
			t.Errorf("%s: unknown scenario", id)
			continue
		case r.Error != "":
			t.Errorf("%s: %s", id, r.Error)
		case r.N != n || r.Parallelism != DefaultParallelism || r.ParallelismFlag:
			t.Errorf("%s: N %d, parallelism %d (flag %v); want %d, %d (default)", id, r.N, r.Parallelism, r.ParallelismFlag, n, DefaultParallelism)
		case r.WallSeconds <= 0 || r.WallSeconds > 120:
			t.Errorf("%s: wall time %v s", id, r.WallSeconds)
		case r.RatioToNoop <= 0:
			t.Errorf("%s: no ratio to the no-op floor", id)
		case r.Scenario == NoopScenario && r.RatioToNoop != 1:
			t.Errorf("%s: the floor's ratio to itself is %v", id, r.RatioToNoop)
		case r.ErrorResponses != 0:
			t.Errorf("%s: %d requests failed", id, r.ErrorResponses)
		case r.Phase == "destroy" && r.ResourcesInStateEnd != 0:
			t.Errorf("%s: %d resources left in state", id, r.ResourcesInStateEnd)
		}
		// A short phase's provider processes can start and end between two samples: the
		// memory is checked where it was sampled, and each scenario must have been sampled.
		if sc.Provider != "" && r.ProviderProcesses > 0 && (r.ProviderPeakRSSMB < 5 || r.ProviderPeakRSSMB > 2000) {
			t.Errorf("%s: provider peak RSS %v MB is not plausible", id, r.ProviderPeakRSSMB)
		}
		if sc.Provider != "" && r.ProviderProcesses > 0 {
			sampled[r.Scenario] = true
		}
		if sc.Provider == "" && r.ProviderPeakRSSMB != 0 {
			t.Errorf("%s: provider RSS %v MB for a scenario without a provider process", id, r.ProviderPeakRSSMB)
		}

		// Requests: within the minimum (plus the known excess), and at least the essential ones.
		var c Counts
		sum := 0
		for _, rt := range r.Routes {
			sum += rt.Count
			if !c.add(rt.Kind, rt.Count) {
				t.Errorf("%s: route %s %s has kind %q", id, rt.Method, rt.Route, rt.Kind)
			}
		}
		if sum != r.Requests {
			t.Errorf("%s: routes add up to %d requests, record says %d", id, sum, r.Requests)
		}
		limit := sc.Minimum(n, r.Phase)
		if ex := knownExcess[id]; ex != nil {
			e := ex(n)
			limit.Reads, limit.Writes, limit.Deletes = limit.Reads+e.Reads, limit.Writes+e.Writes, limit.Deletes+e.Deletes
		}
		if c.Reads > limit.Reads || c.Writes > limit.Writes || c.Deletes > limit.Deletes {
			t.Errorf("%s: requests %+v exceed the limit %+v: %+v", id, c, limit, r.Routes)
		}
		for _, want := range essential[id] {
			found := false
			for _, rt := range r.Routes {
				if rt.Method == want.Method && rt.Route == want.Route && (rt.PerObject == want.PerObject && want.Count == 0 || rt.Count == want.Count && want.Count > 0) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: want %s %s %.2f per object, got %+v", id, want.Method, want.Route, want.PerObject, r.Routes)
			}
		}
		if sc.Minimum(n, "apply") == (Counts{}) && r.Requests != 0 {
			t.Errorf("%s: %d requests from a scenario that calls no API", id, r.Requests)
		}
	}
	for _, sc := range Scenarios {
		if sc.Provider != "" && !sampled[sc.Name] {
			t.Errorf("%s: no phase sampled a provider process's memory", sc.Name)
		}
	}
	if mrs := pick(got.Records, "mrs_job_set", "destroy"); mrs != nil && !hasRoute(mrs, "POST", "/v2/{id}/clusters/{id}/job-executions/batch-delete") {
		t.Errorf("mrs_job_set/destroy: no batch-delete: %+v", mrs.Routes)
	}
}

func pick(recs []Record, scenario, phase string) *Record {
	for i := range recs {
		if recs[i].Scenario == scenario && recs[i].Phase == phase {
			return &recs[i]
		}
	}
	return nil
}

func hasRoute(r *Record, method, route string) bool {
	for _, rt := range r.Routes {
		if rt.Method == method && rt.Route == route {
			return true
		}
	}
	return false
}

func TestNormalizeRoute(t *testing.T) {
	for in, want := range map[string]string{
		"/jobs/bench-job/tasks/n5-p10-3":                      "/jobs/{id}/tasks/{id}",
		"/jobs/bench-job/tasks":                               "/jobs/{id}/tasks",
		"/WindowsHPC/sessions/Create":                         "/WindowsHPC/sessions/Create",
		"/WindowsHPC/session/12/batch/b-1/Commit":             "/WindowsHPC/session/{id}/batch/{id}/Commit",
		"/WindowsHPC/HEAD/session/12/Close":                   "/WindowsHPC/HEAD/session/{id}/Close",
		"/v2/abc123/clusters/c1/job-executions":               "/v2/{id}/clusters/{id}/job-executions",
		"/v2/abc123/clusters/c1/job-executions/batch-delete":  "/v2/{id}/clusters/{id}/job-executions/batch-delete",
		"/v2/abc123/clusters/c1/job-executions/9f0e-1a2/kill": "/v2/{id}/clusters/{id}/job-executions/{id}/kill",
	} {
		if got := NormalizeRoute(in); got != want {
			t.Errorf("NormalizeRoute(%q) = %q, want %q", in, got, want)
		}
	}
	for route, want := range map[[2]string]string{
		{"GET", "/jobs/{id}/tasks/{id}"}:                               "read",
		{"POST", "/jobs/{id}/tasks"}:                                   "write",
		{"DELETE", "/jobs/{id}/tasks/{id}"}:                            "delete",
		{"POST", "/WindowsHPC/session/{id}/batch/{id}/Purge"}:          "delete",
		{"POST", "/WindowsHPC/session/{id}/Close"}:                     "delete",
		{"POST", "/WindowsHPC/session/{id}/batch/{id}/Commit"}:         "write",
		{"POST", "/v2/{id}/clusters/{id}/job-executions/batch-delete"}: "delete",
	} {
		if got := Kind(route[0], route[1]); got != want {
			t.Errorf("Kind(%s %s) = %q, want %q", route[0], route[1], got, want)
		}
	}
}

func TestSelectScenarios(t *testing.T) {
	names := func(scens []Scenario) string {
		var out []string
		for _, s := range scens {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	for sel, want := range map[string]string{
		"":                                     strings.Join(ScenarioNames(), ","),
		"azure_batch_task":                     "noop,azure_batch_task",
		"mrs_job_set":                          "mrs_job_set",
		SetsSelector:                           "hpc_soa_batch_requests,mrs_job_set,azure_batch_task_set",
		"mrs_job_set,hpc_soa_batch":            "noop,hpc_soa_batch,mrs_job_set",
		"sets,terraform_data":                  "terraform_data,noop,hpc_soa_batch_requests,mrs_job_set,azure_batch_task_set",
		"hpc_soa_batch_requests,hpc_soa_batch": "noop,hpc_soa_batch,hpc_soa_batch_requests",
	} {
		var list []string
		if sel != "" {
			list = strings.Split(sel, ",")
		}
		got, err := selectScenarios(list)
		if err != nil || names(got) != want {
			t.Errorf("selectScenarios(%q) = %s, %v; want %s", sel, names(got), err, want)
		}
	}
	if _, err := selectScenarios([]string{"nope"}); err == nil || !strings.Contains(err.Error(), "sets") {
		t.Errorf("an unknown scenario gave %v", err)
	}
}

func TestScalingOf(t *testing.T) {
	scens, _ := selectScenarios([]string{"noop", "mrs_job_set"})
	rec := func(sc string, n int, phase string, wall float64, err string) Record {
		// The provider takes half the wall time's CPU, terraform a quarter.
		return Record{Scenario: sc, N: n, Parallelism: DefaultParallelism, Phase: phase, WallSeconds: wall, Error: err,
			CPUSeconds: wall * 3 / 4, ProviderCPUSeconds: wall / 2}
	}
	got := scalingOf(scens, []Record{
		rec("noop", 1000, "apply", 1, ""), rec("noop", 8000, "apply", 20, ""), // not a set
		rec("mrs_job_set", 8000, "apply", 40, ""), rec("mrs_job_set", 1000, "apply", 4, ""), rec("mrs_job_set", 2000, "apply", 8.5, ""),
		rec("mrs_job_set", 1000, "plan", 2, ""), rec("mrs_job_set", 8000, "plan", 30, "exit code 1"), // failed: no ratio
		rec("mrs_job_set", 1000, "destroy", 3, ""),
	})
	want := []Scaling{{Scenario: "mrs_job_set", Parallelism: DefaultParallelism, Phase: "apply", Ns: []int{1000, 2000, 8000},
		WallSeconds: []float64{4, 8.5, 40}, NRatio: 8, TimeRatio: 10, ProviderCPURatio: 10, TerraformCPURatio: 10}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("scalingOf = %+v, want %+v", got, want)
	}
	var table strings.Builder
	PrintTable(&table, &Results{Records: []Record{rec("mrs_job_set", 1000, "apply", 4, "")}, Scaling: got})
	row := regexp.MustCompile(`(?m)^\| mrs_job_set +\| +10 \| apply +\| 1000: 4\.00, 2000: 8\.50, 8000: 40\.00 +\| +10\.00 \| +8\.00 \| +10\.00 \| +10\.00 \|$`)
	if !row.MatchString(table.String()) {
		t.Errorf("the table lacks the scaling row:\n%s", table.String())
	}
}

func TestShellUnquote(t *testing.T) {
	env, err := parseEnvFile("# comment\nexport A='x y'\nexport B='it'\\''s'\n")
	if err != nil || env["A"] != "x y" || env["B"] != "it's" {
		t.Fatalf("parseEnvFile = %v, %v", env, err)
	}
}
