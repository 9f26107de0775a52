package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// knownExcess is what the provider spends today beyond the minimum, explained in README.md
// (Performance). Remove an entry once the provider no longer needs it: the test then holds the
// provider to the minimum.
var knownExcess = map[string]func(n int) Counts{}

// essential are requests each phase must have made (method, route, count per object): a run
// that made fewer did not do its work.
var essential = map[string][]Route{
	"azure_batch_task/apply":   {{Method: "POST", Route: "/jobs/{id}/tasks", PerObject: 1}},
	"azure_batch_task/destroy": {{Method: "DELETE", Route: "/jobs/{id}/tasks/{id}", PerObject: 1}},
	"hpc_soa_batch/apply":      {{Method: "POST", Route: "/WindowsHPC/session/{id}/batch/{id}", PerObject: 1}},
	"hpc_soa_batch/destroy":    {{Method: "POST", Route: "/WindowsHPC/session/{id}/batch/{id}/Purge", PerObject: 1}},
	"mrs_job_set/apply":        {{Method: "POST", Route: "/v2/{id}/clusters/{id}/job-executions", PerObject: 1}},
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
				if rt.Method == want.Method && rt.Route == want.Route && rt.PerObject == want.PerObject {
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

func TestShellUnquote(t *testing.T) {
	env, err := parseEnvFile("# comment\nexport A='x y'\nexport B='it'\\''s'\n")
	if err != nil || env["A"] != "x y" || env["B"] != "it's" {
		t.Fatalf("parseEnvFile = %v, %v", env, err)
	}
}
