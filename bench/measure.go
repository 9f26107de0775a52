package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// measurement is what one terraform command cost.
type measurement struct {
	wall         time.Duration
	exitCode     int
	providerHWM  int64         // KiB: the largest VmHWM of the provider processes Terraform started
	providers    int           // provider processes seen
	terraformHWM int64         // KiB: VmHWM of the terraform process itself
	cpu          time.Duration // user+system CPU of terraform and the processes it waited for
	providerCPU  time.Duration // user+system CPU of the provider processes (last samples)
	busy         time.Duration // CPU time the whole machine spent busy (all CPUs, incl. steal)
}

// runTerraform runs one command in dir, its output to logPath, while a sampler follows the
// memory of terraform and of the provider processes it starts (children whose executable is
// named provider). Terraform starts a fresh provider process for each of its stages (schema,
// validate, plan, apply), so the peak is the maximum over them.
//
// CPU time is terraform's own plus that of the processes it waited for (the providers, from
// the kernel's accounting at exit), and, separately, the providers' as last sampled.
//
// The sampler reads VmHWM (the process's peak resident set, which only grows) from
// /proc/<pid>/status every PollInterval; what a process adds after its last sample is missed,
// at most one interval's worth of growth. Without /proc (not Linux) no memory is reported.
func runTerraform(ctx context.Context, cfg Config, dir string, env, args []string, provider, logPath string) (measurement, error) {
	var m measurement
	logFile, err := os.Create(logPath)
	if err != nil {
		return m, err
	}
	defer logFile.Close()
	ctx, cancel := context.WithTimeout(ctx, cfg.CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cfg.Terraform, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.WaitDelay = 10 * time.Second

	busy0, _ := machineBusy()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return m, err
	}
	s := &sampler{tf: cmd.Process.Pid, provider: provider, hwm: map[int]int64{}, cpu: map[int]time.Duration{}, ignore: map[int]bool{}}
	s.tfExe, _ = os.Readlink(fmt.Sprintf("/proc/%d/exe", s.tf))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(cfg.PollInterval)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	err = cmd.Wait()
	m.wall = time.Since(start)
	if busy1, ok := machineBusy(); ok && busy0 > 0 {
		m.busy = busy1 - busy0
	}
	close(stop)
	wg.Wait()

	m.terraformHWM = s.tfHWM
	m.providers = len(s.hwm)
	for _, v := range s.hwm {
		m.providerHWM = max(m.providerHWM, v)
	}
	for _, v := range s.cpu {
		m.providerCPU += v
	}
	if cmd.ProcessState != nil {
		m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return m, fmt.Errorf("terraform %s did not finish within %v", args[0], cfg.CommandTimeout)
	case errors.As(err, &exitErr):
		m.exitCode = exitErr.ExitCode()
	default:
		return m, err
	}
	return m, nil
}

type sampler struct {
	tf       int
	tfExe    string // terraform's executable: a child that still runs it has not exec'd yet
	provider string // executable name of the provider; "" for none
	tfHWM    int64
	hwm      map[int]int64         // provider pid -> last VmHWM seen
	cpu      map[int]time.Duration // provider pid -> last CPU time seen
	ignore   map[int]bool          // children that are not the provider
}

func (s *sampler) sample() {
	if v, ok := readHWM(s.tf); ok {
		s.tfHWM = max(s.tfHWM, v)
	}
	if s.provider == "" {
		return
	}
	for _, pid := range children(s.tf) {
		if s.ignore[pid] {
			continue
		}
		if _, known := s.hwm[pid]; !known {
			exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
			if err != nil {
				continue // gone already, or not exec'd yet: try again next time
			}
			if filepath.Base(exe) != s.provider {
				// A child caught between fork and exec still runs terraform's executable: it may
				// become the provider, so look again next time rather than ignore it for good.
				if exe != s.tfExe {
					s.ignore[pid] = true
				}
				continue
			}
		}
		if v, ok := readHWM(pid); ok {
			s.hwm[pid] = max(s.hwm[pid], v)
		}
		if v, ok := readCPU(pid); ok {
			s.cpu[pid] = max(s.cpu[pid], v)
		}
	}
}

// children lists the child processes of pid (every thread's /proc/.../children).
func children(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// readHWM reads VmHWM (KiB) from /proc/<pid>/status.
func readHWM(pid int) (int64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	i := bytes.Index(data, []byte("VmHWM:"))
	if i < 0 {
		return 0, false // a zombie has no memory lines
	}
	line, _, _ := bytes.Cut(data[i+len("VmHWM:"):], []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseInt(f[0], 10, 64)
	return v, err == nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// readCPU reads the user and system CPU time of pid from /proc/<pid>/stat.
func readCPU(pid int) (time.Duration, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from after it.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 { // state is f[0]; utime and stime are fields 14 and 15 of the line
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * time.Second / clockTicks, true
}

// machineBusy reads the busy time of all CPUs (everything but idle and iowait, steal
// included) from /proc/stat.
func machineBusy() (time.Duration, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return 0, false
	}
	var busy int64
	for i, v := range f[1:9] { // user nice system idle iowait irq softirq steal
		if i == 3 || i == 4 {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / clockTicks, true
}

// attribute counts a phase's requests by service, method and route into rec.
func attribute(rec *Record, rs []emulatedRequest) {
	type key struct{ svc, method, route string }
	counts := map[key]int{}
	kinds := map[string]int{}
	for _, r := range rs {
		k := key{r.Service, r.Method, NormalizeRoute(r.Path)}
		counts[k]++
		kinds[Kind(r.Method, k.route)]++
		// A destroy that waits until an object is gone (an Azure job) ends with a 404 read.
		goneAfterDelete := rec.Phase == "destroy" && r.Method == http.MethodGet && r.Status == http.StatusNotFound
		if r.Status == 0 || r.Status >= 400 && !goneAfterDelete {
			rec.ErrorResponses++
		}
	}
	n := float64(rec.N)
	rec.Requests = len(rs)
	rec.RequestsPerObject = round(float64(len(rs))/n, 3)
	rec.ReadsPerObject = round(float64(kinds["read"])/n, 3)
	rec.WritesPerObject = round(float64(kinds["write"])/n, 3)
	rec.DeletesPerObject = round(float64(kinds["delete"])/n, 3)
	rec.Routes = nil
	for k, c := range counts {
		rec.Routes = append(rec.Routes, Route{Service: k.svc, Method: k.method, Route: k.route, Kind: Kind(k.method, k.route),
			Count: c, PerObject: round(float64(c)/n, 3)})
	}
	sort.Slice(rec.Routes, func(i, j int) bool {
		a, b := rec.Routes[i], rec.Routes[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Method+a.Route < b.Method+b.Route
	})
}

// idAfter are the path segments whose next segment is an id (unless it is a fixed word).
var idAfter = map[string]bool{"jobs": true, "tasks": true, "session": true, "sessions": true, "batch": true,
	"clusters": true, "v2": true, "job-executions": true}

// fixedSegments are the operation names that follow a collection and are not ids.
var fixedSegments = map[string]bool{"create": true, "batch-delete": true, "addtaskcollection": true}

// NormalizeRoute replaces the ids in a request path with {id}, e.g.
// /jobs/j1/tasks/t-7 -> /jobs/{id}/tasks/{id} and
// /v2/p/clusters/c/job-executions/batch-delete keeps batch-delete.
func NormalizeRoute(path string) string {
	segs := strings.Split(path, "/")
	for i := 1; i < len(segs); i++ {
		s := segs[i]
		if s == "" || fixedSegments[strings.ToLower(s)] {
			continue
		}
		if _, err := strconv.Atoi(s); err == nil || idAfter[strings.ToLower(segs[i-1])] {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

// Kind classifies a request: "read" (GET), "delete" (DELETE and the destroy-time POSTs: purge,
// close, kill, batch-delete) or "write".
func Kind(method, route string) string {
	switch method {
	case "GET", "HEAD":
		return "read"
	case "DELETE":
		return "delete"
	}
	last := strings.ToLower(route[strings.LastIndexByte(route, '/')+1:])
	switch last {
	case "purge", "close", "kill", "batch-delete", "terminate":
		return "delete"
	}
	return "write"
}
