// Package bench is the provider's benchmark (design.md §7, `make bench`): it builds the
// provider, the emulator and a no-op provider, starts the emulator with no latency and no
// faults, and for every N and parallelism runs apply, a refresh-only plan and destroy on
//
//   - terraform_data: N resources of Terraform's built-in provider (core alone);
//   - noop: N resources of a no-op framework provider (core plus the plugin protocol: the floor);
//   - azure_batch_task: N tasks in one job;
//   - hpc_soa_batch: N batches of one request each, in one session;
//   - hpc_soa_batch_requests: one SOA batch of N requests;
//   - mrs_job_set: one job set of N jobs,
//
// each in a fresh working directory. It measures wall time per phase, the ratio to the no-op
// floor (or, for the last two, one resource each, how time grows with N), the API requests per object (from the emulator's request record, by method and route)
// and the peak resident memory of the provider processes, prints a table and writes JSON.
//
// cmd/bench is the command; bench_test.go runs the whole pipeline with N = 5.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Config says what to run.
type Config struct {
	// Root is the repository root (where go.mod is); empty: found from the working directory.
	Root string
	// Terraform is the CLI to run; empty: TF_ACC_TERRAFORM_PATH, else terraform on PATH.
	Terraform string
	// Ns are the object counts, e.g. 100 and 1000.
	Ns []int
	// Parallelism lists the -parallelism values; 0 runs without the flag (Terraform's default, 10).
	Parallelism []int
	// Scenarios to run (names as in Scenarios); empty: all. The no-op floor always runs, since
	// ratios are taken against it.
	Scenarios []string
	// Out is the results JSON file; empty: none.
	Out string
	// WorkDir holds binaries, emulator files and working directories; empty: a temporary
	// directory, removed at the end unless Keep.
	WorkDir string
	Keep    bool
	// CommandTimeout bounds each terraform command; 0: 30 minutes.
	CommandTimeout time.Duration
	// PollInterval is how often the provider processes' memory is sampled; 0: 50 ms.
	PollInterval time.Duration
	// Log receives progress lines; nil: discarded.
	Log io.Writer
}

// DefaultParallelism is Terraform's -parallelism default, recorded for runs without the flag.
const DefaultParallelism = 10

// Phases, in the order they run.
var Phases = []string{"apply", "plan", "destroy"}

// Results is the JSON document written to Config.Out.
type Results struct {
	Generated        time.Time `json:"generated"`
	TerraformVersion string    `json:"terraform_version"`
	GoVersion        string    `json:"go_version"`
	CPUs             int       `json:"cpus"`
	OS               string    `json:"os"`
	EmulatorFlags    []string  `json:"emulator_flags"`
	Commands         []string  `json:"commands"`
	Records          []Record  `json:"records"`
	// Scaling is, for each set scenario, parallelism and phase run at two N or more, how its
	// time grew from the smallest N to the largest.
	Scaling []Scaling `json:"scaling,omitempty"`
}

// Scaling compares one set scenario's phase at the smallest and the largest N: linear growth
// has TimeRatio equal to NRatio.
type Scaling struct {
	Scenario    string    `json:"scenario"`
	Parallelism int       `json:"parallelism"`
	Phase       string    `json:"phase"`
	Ns          []int     `json:"ns"`
	WallSeconds []float64 `json:"wall_seconds"` // one per N
	NRatio      float64   `json:"n_ratio"`      // largest N / smallest N
	TimeRatio   float64   `json:"time_ratio"`   // wall time at the largest N / at the smallest
	// ProviderCPURatio and TerraformCPURatio split TimeRatio's growth by process: the provider
	// processes' CPU, and that of terraform itself (CPUSeconds less the providers'); 0 where
	// the smallest N used none.
	ProviderCPURatio  float64 `json:"provider_cpu_ratio,omitempty"`
	TerraformCPURatio float64 `json:"terraform_cpu_ratio,omitempty"`
}

// Record is one scenario, N, parallelism and phase.
type Record struct {
	Scenario           string  `json:"scenario"`
	Service            string  `json:"service"`
	N                  int     `json:"n"`
	Parallelism        int     `json:"parallelism"`
	ParallelismFlag    bool    `json:"parallelism_flag"` // false: Terraform's default
	Phase              string  `json:"phase"`
	ExitCode           int     `json:"exit_code"`
	Error              string  `json:"error,omitempty"`
	WallSeconds        float64 `json:"wall_seconds"`
	RatioToNoop        float64 `json:"ratio_to_noop,omitempty"`
	Requests           int     `json:"requests"`
	RequestsPerObject  float64 `json:"requests_per_object"`
	ReadsPerObject     float64 `json:"reads_per_object"`
	WritesPerObject    float64 `json:"writes_per_object"`
	DeletesPerObject   float64 `json:"deletes_per_object"`
	ErrorResponses     int     `json:"error_responses"` // status >= 400 or lost
	Routes             []Route `json:"routes,omitempty"`
	AboveMinimum       string  `json:"above_minimum,omitempty"`
	ProviderPeakRSSMB  float64 `json:"provider_peak_rss_mb,omitempty"`
	ProviderProcesses  int     `json:"provider_processes,omitempty"`
	TerraformPeakRSSMB float64 `json:"terraform_peak_rss_mb,omitempty"`
	// CPUSeconds is the user+system CPU of terraform and its provider processes;
	// ProviderCPUSeconds the providers' share (sampled, so it may miss the last 50 ms).
	CPUSeconds         float64 `json:"cpu_seconds"`
	ProviderCPUSeconds float64 `json:"provider_cpu_seconds,omitempty"`
	// EmulatorCPUSeconds is the emulator's CPU meanwhile: the service's side, which a real
	// service spends elsewhere.
	EmulatorCPUSeconds float64 `json:"emulator_cpu_seconds"`
	// OtherCPUSeconds is what the rest of the machine used meanwhile (anything else running,
	// including CPU stolen by the hypervisor): when it is large, the wall time is not
	// representative.
	OtherCPUSeconds     float64 `json:"other_cpu_seconds"`
	ResourcesInStateEnd int     `json:"resources_in_state_after"`
}

// Route counts the requests of one method and normalised path.
type Route struct {
	Service   string  `json:"service"`
	Method    string  `json:"method"`
	Route     string  `json:"route"`
	Kind      string  `json:"kind"` // read, write or delete
	Count     int     `json:"count"`
	PerObject float64 `json:"per_object"`
}

// Run runs the benchmark, writes Config.Out (also after a failure, with what was measured)
// and returns the results. A failed command is an error, after every run has been tried.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	scens, err := selectScenarios(cfg.Scenarios)
	if err != nil {
		return nil, err
	}
	work := cfg.WorkDir
	if work == "" {
		if work, err = os.MkdirTemp("", "batchops-bench-"); err != nil {
			return nil, err
		}
		if !cfg.Keep {
			defer os.RemoveAll(work)
		}
	}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Log, format+"\n", args...) }

	bin := filepath.Join(work, "bin")
	logf("bench: building the provider, the no-op provider and the emulator into %s", bin)
	if err := build(ctx, cfg.Root, bin); err != nil {
		return nil, err
	}
	emu, err := startEmulator(ctx, bin, filepath.Join(work, "emulator"), logf)
	if err != nil {
		return nil, err
	}
	defer emu.stop()

	rc := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf(`provider_installation {
  dev_overrides {
    "batchops/batchops" = %q
    "bench/noop"        = %q
  }
  direct {}
}
`, bin, bin)), 0o644); err != nil {
		return nil, err
	}
	env := terraformEnv(rc, emu.env)
	res := &Results{
		Generated: time.Now().UTC().Truncate(time.Second), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, EmulatorFlags: emu.flags,
		TerraformVersion: terraformVersion(ctx, cfg.Terraform, env),
	}
	for _, phase := range Phases {
		res.Commands = append(res.Commands, "terraform "+strings.Join(phaseArgs(phase, 0), " ")+" [-parallelism=P]")
	}
	logf("bench: %s, %d CPUs", res.TerraformVersion, res.CPUs)

	var failures []error
	for _, n := range cfg.Ns {
		for _, par := range cfg.Parallelism {
			for _, sc := range scens {
				recs, err := runScenario(ctx, cfg, sc, n, par, work, env, emu, logf)
				res.Records = append(res.Records, recs...)
				if err != nil {
					failures = append(failures, err)
					logf("bench: %v", err)
				}
			}
		}
	}
	computeRatios(res.Records)
	res.Scaling = scalingOf(scens, res.Records)
	if cfg.Out != "" {
		if err := writeJSON(cfg.Out, res); err != nil {
			failures = append(failures, err)
		}
	}
	return res, errors.Join(failures...)
}

func (cfg *Config) fill() error {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Root == "" {
		root, err := FindRoot()
		if err != nil {
			return err
		}
		cfg.Root = root
	}
	if cfg.Terraform == "" {
		cfg.Terraform = os.Getenv("TF_ACC_TERRAFORM_PATH")
	}
	if cfg.Terraform == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			return fmt.Errorf("no Terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on PATH (scripts/terraform.sh installs one)")
		}
		cfg.Terraform = p
	}
	if len(cfg.Ns) == 0 {
		cfg.Ns = []int{100, 1000}
	}
	for _, n := range cfg.Ns {
		if n < 1 {
			return fmt.Errorf("every N must be at least 1, got %d", n)
		}
	}
	if len(cfg.Parallelism) == 0 {
		cfg.Parallelism = []int{0, 50}
	}
	if cfg.CommandTimeout == 0 {
		cfg.CommandTimeout = 30 * time.Minute
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	return nil
}

// FindRoot walks up from the working directory to the go.mod of this module.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/batchops/terraform-provider-batchops\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("bench: no go.mod of github.com/batchops/terraform-provider-batchops above the working directory")
		}
		dir = parent
	}
}

// build compiles the three binaries with one go build (so they build in parallel).
func build(ctx context.Context, root, bin string) error {
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version=bench", "-o", bin+string(filepath.Separator),
		".", "./internal/emulator/cmd/batchops-emulator", "./bench/terraform-provider-noop")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	for _, name := range []string{"terraform-provider-batchops", "batchops-emulator", "terraform-provider-noop"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			return fmt.Errorf("go build did not produce %s: %v", name, err)
		}
	}
	return nil
}

// emulator is the running batchops-emulator.
type emulator struct {
	cmd   *exec.Cmd
	done  chan struct{}
	env   map[string]string
	flags []string
	admin string
	ca    string
	out   string
}

const (
	benchAzureJob   = "bench-job"
	benchMRSCluster = "bench-cluster"
)

func startEmulator(ctx context.Context, bin, dir string, logf func(string, ...any)) (*emulator, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	e := &emulator{done: make(chan struct{}), out: filepath.Join(dir, "emulator.out")}
	// No latency, no faults; SOA requests and MRS jobs finish at once, so nothing is left
	// running for destroy to kill.
	e.flags = []string{
		"-fault-rate-503", "0", "-fault-rate-429", "0", "-fault-rate-500", "0", "-fault-lost-rate", "0", "-fault-latency", "0",
		"-azure-jobs", benchAzureJob, "-hpc-request-time", "1ms", "-mrs-run-time", "1ms", "-mrs-clusters", benchMRSCluster,
	}
	out, err := os.Create(e.out)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	e.cmd = exec.Command(filepath.Join(bin, "batchops-emulator"), append([]string{"-dir", dir}, e.flags...)...)
	e.cmd.Stdout, e.cmd.Stderr = out, out
	if err := e.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = e.cmd.Wait(); close(e.done) }()

	envPath := filepath.Join(dir, "emulator.env")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if data, err := os.ReadFile(envPath); err == nil {
			e.env, err = parseEnvFile(string(data))
			if err != nil {
				e.stop()
				return nil, fmt.Errorf("reading %s: %w", envPath, err)
			}
			break
		}
		select {
		case <-e.done:
			data, _ := os.ReadFile(e.out)
			return nil, fmt.Errorf("the emulator exited before it was ready:\n%s", data)
		case <-ctx.Done():
			e.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.stop()
			return nil, fmt.Errorf("the emulator did not write %s within 30s", envPath)
		}
	}
	e.admin, e.ca = e.env["BATCHOPS_EMULATOR_ADMIN_URL"], e.env["BATCHOPS_EMULATOR_CA_FILE"]
	if e.admin == "" || e.ca == "" || e.env["MRS_ENDPOINT"] == "" {
		e.stop()
		return nil, fmt.Errorf("%s lacks BATCHOPS_EMULATOR_ADMIN_URL, BATCHOPS_EMULATOR_CA_FILE or MRS_ENDPOINT", envPath)
	}
	logf("bench: emulator running (admin %s) with %s", e.admin, strings.Join(e.flags, " "))
	return e, nil
}

func (e *emulator) stop() {
	if e.cmd == nil || e.cmd.Process == nil {
		return
	}
	select {
	case <-e.done:
		return
	default:
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
}

// parseEnvFile reads the emulator's `export NAME='value'` lines.
func parseEnvFile(s string) (map[string]string, error) {
	env := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, raw, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return nil, fmt.Errorf("unexpected line %q", line)
		}
		v, err := shellUnquote(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		env[name] = v
	}
	return env, nil
}

// shellUnquote undoes the single-quote form 'a'\”b'.
func shellUnquote(s string) (string, error) {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("unterminated quote")
			}
			b.WriteString(s[1 : 1+end])
			s = s[2+end:]
		case strings.HasPrefix(s, `\'`):
			b.WriteByte('\'')
			s = s[2:]
		default:
			b.WriteByte(s[0])
			s = s[1:]
		}
	}
	return b.String(), nil
}

// clearRequests forgets the requests recorded so far.
func (e *emulator) clearRequests(ctx context.Context) error {
	return e.adminCall(ctx, http.MethodDelete, "/requests", http.StatusNoContent, nil)
}

// settleTime is how far the emulator's clock moves before destroy: more than any task
// (1 s active + 1 s run), SOA request (1 ms) or MRS job (1 s to start + 1 ms) needs.
const settleTime = 5 * time.Second

// advanceClock moves the emulator's clock (not the one its authentication checks use).
func (e *emulator) advanceClock(ctx context.Context, d time.Duration) error {
	return e.adminCall(ctx, http.MethodPost, "/clock/advance?by="+d.String(), http.StatusOK, nil)
}

// emulatedRequest is the part of the admin API's request record the benchmark uses.
type emulatedRequest struct {
	Service string `json:"service"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Status  int    `json:"status"`
}

func (e *emulator) requests(ctx context.Context) ([]emulatedRequest, error) {
	var rs []emulatedRequest
	if err := e.adminCall(ctx, http.MethodGet, "/requests", http.StatusOK, &rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// adminCall sends a body-less request to the emulator's admin API, expects the status want and
// decodes the JSON answer into answer unless it is nil.
func (e *emulator) adminCall(ctx context.Context, method, path string, want int, answer any) error {
	req, err := http.NewRequestWithContext(ctx, method, e.admin+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s%s: %s", method, e.admin, path, resp.Status)
	}
	if answer != nil {
		if err := json.NewDecoder(resp.Body).Decode(answer); err != nil {
			return fmt.Errorf("%s %s%s: %w", method, e.admin, path, err)
		}
	}
	return nil
}

// terraformEnv is the environment of every terraform command: the caller's, without any TF_
// setting (logging, CLI arguments, plugin caches would all distort the figures), plus the
// CLI configuration and the emulator's endpoints and credentials.
func terraformEnv(rc string, emu map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	names := slices.Sorted(maps.Keys(emu))
	for _, k := range names {
		env = append(env, k+"="+emu[k])
	}
	return env
}

func terraformVersion(ctx context.Context, tf string, env []string) string {
	cmd := exec.CommandContext(ctx, tf, "version")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

func phaseArgs(phase string, par int) []string {
	var args []string
	switch phase {
	case "apply":
		args = []string{"apply", "-auto-approve"}
	case "plan":
		// Refresh-only: every object is read once and nothing is planned, which isolates the
		// cost of Read. -detailed-exitcode: 2 means the refresh found changes (the emulator's
		// tasks move from active to completed after apply), which is not an error.
		args = []string{"plan", "-refresh-only", "-detailed-exitcode"}
	case "destroy":
		args = []string{"destroy", "-auto-approve"}
	}
	args = append(args, "-input=false", "-no-color")
	if par > 0 {
		args = append(args, "-parallelism="+strconv.Itoa(par))
	}
	return args
}

// runScenario runs the three phases in a fresh working directory. After a failed apply or
// plan it still destroys, so the emulator is left clean for the next run.
func runScenario(ctx context.Context, cfg Config, sc Scenario, n, par int, work string, env []string, emu *emulator, logf func(string, ...any)) ([]Record, error) {
	parLabel := "default"
	if par > 0 {
		parLabel = strconv.Itoa(par)
	}
	dir := filepath.Join(work, "runs", fmt.Sprintf("%s-n%d-p%s", sc.Name, n, parLabel))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tag := fmt.Sprintf("n%d-p%s", n, parLabel)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(sc.Config(emu, n, tag)), 0o644); err != nil {
		return nil, err
	}
	var recs []Record
	var errs []error
	for _, phase := range Phases {
		rec := Record{Scenario: sc.Name, Service: sc.Service, N: n, Parallelism: par, ParallelismFlag: par > 0, Phase: phase}
		if par == 0 {
			rec.Parallelism = DefaultParallelism
		}
		if phase == "destroy" {
			// Move the emulator's clock on so that every task, SOA request and MRS job has
			// finished, however fast apply and plan were: destroy then measures removing
			// finished work (no kills), the same on every machine.
			if err := emu.advanceClock(ctx, settleTime); err != nil {
				return recs, err
			}
		}
		if err := emu.clearRequests(ctx); err != nil {
			return recs, err
		}
		emu0, _ := readCPU(emu.cmd.Process.Pid)
		m, err := runTerraform(ctx, cfg, dir, env, phaseArgs(phase, par), sc.Provider, filepath.Join(dir, phase+".log"))
		emu1, _ := readCPU(emu.cmd.Process.Pid)
		rec.WallSeconds = round(m.wall.Seconds(), 3)
		rec.ExitCode = m.exitCode
		rec.ProviderPeakRSSMB = round(float64(m.providerHWM)/1024, 1)
		rec.ProviderProcesses = m.providers
		rec.TerraformPeakRSSMB = round(float64(m.terraformHWM)/1024, 1)
		rec.CPUSeconds = round(m.cpu.Seconds(), 2)
		rec.ProviderCPUSeconds = round(m.providerCPU.Seconds(), 2)
		rec.EmulatorCPUSeconds = round(max(0, (emu1-emu0).Seconds()), 2)
		rec.OtherCPUSeconds = round(max(0, m.busy.Seconds()-m.cpu.Seconds()-rec.EmulatorCPUSeconds), 2)
		if err == nil && (m.exitCode != 0 && !(phase == "plan" && m.exitCode == 2)) {
			err = fmt.Errorf("exit code %d", m.exitCode)
		}
		if err != nil {
			rec.Error = err.Error()
			errs = append(errs, fmt.Errorf("%s N=%d parallelism=%s %s: %w\n%s", sc.Name, n, parLabel, phase, err, tail(filepath.Join(dir, phase+".log"), 25)))
		}
		rs, err := emu.requests(ctx)
		if err != nil {
			return recs, err
		}
		attribute(&rec, rs)
		rec.AboveMinimum = sc.aboveMinimum(&rec)
		rec.ResourcesInStateEnd = resourcesInState(filepath.Join(dir, "terraform.tfstate"))
		if phase == "destroy" && rec.Error == "" && rec.ResourcesInStateEnd != 0 {
			rec.Error = fmt.Sprintf("%d resources still in state after destroy", rec.ResourcesInStateEnd)
			errs = append(errs, fmt.Errorf("%s N=%d parallelism=%s: %s", sc.Name, n, parLabel, rec.Error))
		}
		logf("bench: %-16s N=%-5d parallelism=%-7s %-7s %8.2fs  %6.2f req/obj  provider RSS %6.1f MB%s",
			sc.Name, n, parLabel, phase, rec.WallSeconds, rec.RequestsPerObject, rec.ProviderPeakRSSMB, errSuffix(rec.Error))
		recs = append(recs, rec)
	}
	if len(errs) == 0 && !cfg.Keep {
		_ = os.RemoveAll(dir)
	}
	return recs, errors.Join(errs...)
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return "  FAILED: " + e
}

// resourcesInState counts the resources in a local state file (-1 when it cannot be read).
func resourcesInState(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	var st struct {
		Resources []json.RawMessage `json:"resources"`
	}
	if json.Unmarshal(data, &st) != nil {
		return -1
	}
	return len(st.Resources)
}

func tail(path string, lines int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var all []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		all = append(all, sc.Text())
	}
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}

func writeJSON(path string, res *Results) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
