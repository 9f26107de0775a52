package bench

import (
	"fmt"
	"strings"
)

// Scenario is one kind of workload.
type Scenario struct {
	Name    string
	Service string // the emulated service, or "core" / "noop"
	// Provider is the executable name of the provider process to follow ("" for none).
	Provider string
	// Config returns the working directory's main.tf for n objects; tag makes ids unique per run.
	Config func(e *emulator, n int, tag string) string
	// Minimum gives the fewest requests of each kind a phase needs for n objects
	// (see perObject).
	Minimum func(n int, phase string) Counts
	// Set marks one resource holding n members (jobs, requests, tasks) rather than n
	// resources: the report gives how its time grows with n (scalingOf), and it needs no
	// no-op floor of n resources to be compared with.
	Set bool
}

// Counts are requests by kind.
type Counts struct{ Reads, Writes, Deletes int }

// add counts n requests of kind ("read", "write" or "delete", as Kind returns); it reports
// false, counting nothing, for any other kind.
func (c *Counts) add(kind string, n int) bool {
	switch kind {
	case "read":
		c.Reads += n
	case "write":
		c.Writes += n
	case "delete":
		c.Deletes += n
	default:
		return false
	}
	return true
}

// Scenarios are all the workloads, in the order they run: the floor first.
var Scenarios = []Scenario{
	{Name: "terraform_data", Service: "core", Config: terraformDataConfig, Minimum: none},
	{Name: "noop", Service: "noop", Provider: "terraform-provider-noop", Config: noopConfig, Minimum: none},
	{Name: "azure_batch_task", Service: "azurebatch", Provider: "terraform-provider-batchops", Config: azureConfig, Minimum: perObject(0)},
	{Name: "hpc_soa_batch", Service: "hpcpack", Provider: "terraform-provider-batchops", Config: hpcConfig, Minimum: perObject(1)},
	{Name: "hpc_soa_batch_requests", Service: "hpcpack", Provider: "terraform-provider-batchops", Config: hpcRequestsConfig, Minimum: hpcRequestsMinimum, Set: true},
	{Name: "mrs_job_set", Service: "mrs", Provider: "terraform-provider-batchops", Config: mrsConfig, Minimum: mrsMinimum, Set: true},
	{Name: "azure_batch_task_set", Service: "azurebatch", Provider: "terraform-provider-batchops", Config: azureTaskSetConfig, Minimum: azureTaskSetMinimum, Set: true},
	{Name: "azure_batch_job", Service: "azurebatch", Provider: "terraform-provider-batchops", Config: azureJobConfig, Minimum: azureJobMinimum},
}

const (
	// NoopScenario is the floor ratios are taken against.
	NoopScenario = "noop"
	// SetsSelector selects every set scenario (Scenario.Set).
	SetsSelector = "sets"
)

// selectScenarios picks the named scenarios (SetsSelector: every set scenario), in the order of
// Scenarios. The no-op floor comes along whenever a scenario of n resources is picked; set
// scenarios alone run without it, since a floor of 8000 resources would take longer than the
// sets themselves and is no yardstick for one resource.
func selectScenarios(names []string) ([]Scenario, error) {
	if len(names) == 0 {
		return Scenarios, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		found := false
		for _, s := range Scenarios {
			if s.Name == n || n == SetsSelector && s.Set {
				want[s.Name], found = true, true
				if !s.Set {
					want[NoopScenario] = true
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown scenario %q (have %s, or %s for every set)", n, strings.Join(ScenarioNames(), ", "), SetsSelector)
		}
	}
	var out []Scenario
	for _, s := range Scenarios {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}

// ScenarioNames lists the scenarios.
func ScenarioNames() []string {
	var out []string
	for _, s := range Scenarios {
		out = append(out, s.Name)
	}
	return out
}

// The minimums (the rule): create is 1 write and at most 1 read per object; refresh at
// most 1 read per object, fewer where a list call serves many; destroy 1 call per object, or 1
// per chunk of a batch delete. `terraform destroy` refreshes first, so destroy also allows the
// refresh's reads. fixed is what a scenario needs once whatever N (the SOA session's create,
// read and close).
func perObject(fixed int) func(n int, phase string) Counts {
	return func(n int, phase string) Counts {
		switch phase {
		case "apply":
			return Counts{Reads: n + fixed, Writes: n + fixed}
		case "plan":
			return Counts{Reads: n + fixed}
		default:
			return Counts{Reads: n + fixed, Deletes: n + fixed}
		}
	}
}

// soaChunk is the most requests one Send Requests call carries (hpcsoa.RequestsPerSend).
const soaChunk = 1000

// hpcRequestsMinimum: apply creates the session (1 write, which answers the session) and sends
// the batch in chunks, the last committing it, then reads its status once; a refresh reads
// the session and the batch status; destroy purges the batch and closes the session after
// that refresh. None of it depends on n but the number of chunks.
func hpcRequestsMinimum(n int, phase string) Counts {
	chunks := (n + soaChunk - 1) / soaChunk
	switch phase {
	case "apply":
		return Counts{Reads: 1, Writes: 1 + chunks}
	case "plan":
		return Counts{Reads: 2}
	default:
		return Counts{Reads: 2, Deletes: 2}
	}
}

// The Azure task set's calls: Add Task Collection carries 100 tasks, a List Tasks page 1000
// (azurebatch.MaxTasksPerCollection and the service's page size).
const (
	azureCollection = 100
	azureListPage   = 1000
)

// azureTaskSetMinimum: apply adds the tasks 100 a call and reads them back with one List Tasks
// (a page per 1000); a refresh is that list; destroy deletes each task after the refresh (the
// service has no bulk delete of tasks).
func azureTaskSetMinimum(n int, phase string) Counts {
	pages := (n + azureListPage - 1) / azureListPage
	switch phase {
	case "apply":
		return Counts{Reads: pages, Writes: (n + azureCollection - 1) / azureCollection}
	case "plan":
		return Counts{Reads: pages}
	default:
		return Counts{Reads: pages, Deletes: n}
	}
}

// azureJobMinimum: a job is added and read back; refreshed with one read; deleted with one
// Delete Job after the refresh, then read until it is gone: the service deletes a job in the
// background (the emulator in 1 s of its clock), so at least one read more, and a few while the
// job is deleting.
func azureJobMinimum(n int, phase string) Counts {
	if phase == "destroy" {
		return Counts{Reads: n * (1 + azureJobDeletePolls), Deletes: n}
	}
	return perObject(0)(n, phase)
}

// azureJobDeletePolls bounds the reads of one job's wait after Delete Job: the provider's poll
// interval starts at 1 s and the emulator's deleting phase lasts 1 s.
const azureJobDeletePolls = 3

// mrsPage is both the MRS list page size and the batch-delete chunk.
const mrsPage = 100

// mrsMinimum: one submit per job; the job list serves 100 jobs a page, so every read is a page;
// destroy is one batch-delete per 100 jobs after the refresh's list.
func mrsMinimum(n int, phase string) Counts {
	pages := (n + mrsPage - 1) / mrsPage
	switch phase {
	case "apply":
		return Counts{Reads: pages, Writes: n}
	case "plan":
		return Counts{Reads: pages}
	default:
		return Counts{Reads: pages, Deletes: pages}
	}
}

func none(int, string) Counts { return Counts{} }

// aboveMinimum describes where a record's requests exceed the scenario's minimum ("" when
// they do not).
func (s Scenario) aboveMinimum(rec *Record) string {
	minimum := s.Minimum(rec.N, rec.Phase)
	got := Counts{}
	for _, r := range rec.Routes {
		got.add(r.Kind, r.Count)
	}
	var parts []string
	check := func(kind string, got, minimum int) {
		if got <= minimum {
			return
		}
		var routes []string
		for _, r := range rec.Routes {
			if r.Kind == kind {
				routes = append(routes, fmt.Sprintf("%s %s ×%d", r.Method, r.Route, r.Count))
			}
		}
		parts = append(parts, fmt.Sprintf("%d %ss > minimum %d (%s)", got, kind, minimum, strings.Join(routes, ", ")))
	}
	check("read", got.Reads, minimum.Reads)
	check("write", got.Writes, minimum.Writes)
	check("delete", got.Deletes, minimum.Deletes)
	return strings.Join(parts, "; ")
}

func terraformDataConfig(_ *emulator, n int, _ string) string {
	return fmt.Sprintf(`resource "terraform_data" "r" {
  count = %d
  input = "value-${count.index}"
}
`, n)
}

func noopConfig(_ *emulator, n int, _ string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    noop = { source = "bench/noop" }
  }
}

resource "noop_thing" "r" {
  count = %d
  value = "value-${count.index}"
}
`, n)
}

// batchopsHeader declares the provider with one service; endpoints and credentials come from
// the emulator's environment variables.
func batchopsHeader(service, extra string, e *emulator) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    batchops = { source = "batchops/batchops" }
  }
}

provider "batchops" {
  %s = {%s
    ca_certificate_file = %q
  }
}
`, service, extra, e.ca)
}

func azureConfig(e *emulator, n int, tag string) string {
	return batchopsHeader("azure_batch", "", e) + fmt.Sprintf(`
resource "batchops_azure_batch_task" "r" {
  count        = %d
  job_id       = %q
  task_id      = "%s-${count.index}"
  command_line = "/bin/sh -c 'echo ${count.index}'"
}
`, n, benchAzureJob, tag)
}

func hpcConfig(e *emulator, n int, _ string) string {
	return batchopsHeader("hpc_pack", "", e) + fmt.Sprintf(`
resource "batchops_hpc_soa_session" "s" {
  service_name = "EchoService"
}

resource "batchops_hpc_soa_batch" "r" {
  count      = %d
  session_id = batchops_hpc_soa_session.s.id
  name       = "b-${count.index}"
  requests = [{
    action = "http://tempuri.org/IEchoSvc/Echo"
    body   = "<Echo xmlns=\"http://tempuri.org/\"><input>${count.index}</input></Echo>"
  }]
}
`, n)
}

// hpcRequestsConfig is one batch of n requests, written out literally like mrsConfig's jobs.
func hpcRequestsConfig(e *emulator, n int, tag string) string {
	var b strings.Builder
	b.WriteString(batchopsHeader("hpc_pack", "", e))
	fmt.Fprintf(&b, `
resource "batchops_hpc_soa_session" "s" {
  service_name = "EchoService"
}

resource "batchops_hpc_soa_batch" "r" {
  session_id = batchops_hpc_soa_session.s.id
  name       = "b-%s"
  requests = [
`, tag)
	for i := range n {
		body := fmt.Sprintf(`<Echo xmlns="http://tempuri.org/"><input>%d</input></Echo>`, i)
		fmt.Fprintf(&b, "    { action = \"http://tempuri.org/IEchoSvc/Echo\", body = %q },\n", body)
	}
	b.WriteString("  ]\n}\n")
	return b.String()
}

// azureTaskSetConfig is one task set of n tasks in the bench job; range() stops at 1024
// values, so the ids come from blocks of 1000.
func azureTaskSetConfig(e *emulator, n int, tag string) string {
	return batchopsHeader("azure_batch", "", e) + fmt.Sprintf(`
resource "batchops_azure_batch_task_set" "r" {
  job_id = %q
  tasks = {
    for p in setproduct(range(%d), range(1000)) : "%s-${p[0]}-${p[1]}" => {
      command_line = "/bin/sh -c 'echo ${p[1]}'"
    } if p[0] * 1000 + p[1] < %d
  }
}
`, benchAzureJob, (n+999)/1000, tag, n)
}

// azureJobConfig is n jobs, on the emulator's pool.
func azureJobConfig(e *emulator, n int, tag string) string {
	return batchopsHeader("azure_batch", "", e) + fmt.Sprintf(`
resource "batchops_azure_batch_job" "r" {
  count   = %d
  job_id  = "%s-${count.index}"
  pool_id = "bench-pool"
}
`, n, tag)
}

// mrsConfig writes the jobs out literally: range() stops at 1024 elements.
func mrsConfig(e *emulator, n int, tag string) string {
	var b strings.Builder
	b.WriteString(batchopsHeader("mrs", fmt.Sprintf("\n    endpoint            = %q", e.env["MRS_ENDPOINT"]), e))
	fmt.Fprintf(&b, "\nresource \"batchops_mrs_job_set\" \"r\" {\n  cluster_id = %q\n  jobs = {\n", benchMRSCluster)
	for i := range n {
		fmt.Fprintf(&b, "    \"%s-%05d\" = { type = \"HiveSql\", arguments = [\"SELECT %d\"] }\n", tag, i, i)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}
