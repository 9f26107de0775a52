package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// cliHarness runs the real Terraform CLI (TF_ACC_TERRAFORM_PATH) in a working directory of its
// own, against this package's provider served in-process in debug mode (TF_REATTACH_PROVIDERS),
// the way terraform-plugin-testing does. Unlike resource.Test it can start a command, signal
// it and wait for it, which is what the interrupt tests need. Each command gets a fresh
// provider server, as each CLI run would start a fresh plugin process. Harnesses share no
// state, so tests using them may run in parallel.
type cliHarness struct {
	t   *testing.T
	tf  string
	dir string
	env []string

	// Counted over all commands, from the provider's side of the plugin protocol.
	stopCalls        atomic.Int32 // StopProvider received
	appliesAfterStop atomic.Int32 // ApplyResourceChange that returned with its context cancelled

	mu         sync.Mutex
	transcript []cliCommand
}

// cliCommand is one CLI command the harness ran.
type cliCommand struct {
	args     []string
	output   string
	err      error
	duration time.Duration
}

// Terraform resolves `batchops/batchops` on its own registry host; OpenTofu on its own.
var reattachAddresses = []string{"registry.terraform.io/batchops/batchops", "registry.opentofu.org/batchops/batchops"}

// newCLIHarness writes config (without the terraform block, which it adds) to main.tf in a new
// working directory and runs `terraform init`. It skips the test when TF_ACC_TERRAFORM_PATH is
// not set.
func newCLIHarness(t *testing.T, config string) *cliHarness {
	t.Helper()
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH is not set: these tests run the Terraform CLI")
	}
	dir := t.TempDir()
	cliConfig := filepath.Join(dir, "empty.tfrc")
	if err := os.WriteFile(cliConfig, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	wd := filepath.Join(dir, "work")
	if err := os.Mkdir(wd, 0o755); err != nil {
		t.Fatal(err)
	}
	main := `terraform {
  required_providers {
    batchops = { source = "batchops/batchops" }
  }
}
` + config
	if err := os.WriteFile(filepath.Join(wd, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	h := &cliHarness{t: t, tf: tf, dir: wd, env: cliEnv(cliConfig)}
	t.Cleanup(func() {
		if t.Failed() {
			h.logTranscript()
		}
	})
	if _, err := h.terraform("init", "-input=false", "-no-color"); err != nil {
		t.Fatalf("terraform init: %v", err)
	}
	return h
}

// cliEnv is the test's environment with what would make the CLI depend on the machine removed:
// the CLI configuration is an empty file, no checkpoint calls, no reattach info of somebody
// else's. TF_LOG and the provider's own variables pass through.
func cliEnv(cliConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "TF_CLI_CONFIG_FILE", "TF_REATTACH_PROVIDERS", "TF_PLUGIN_CACHE_DIR", "TF_CLI_ARGS",
			"TF_CLI_ARGS_init", "TF_CLI_ARGS_apply", "TF_CLI_ARGS_destroy", "TF_WORKSPACE", "TF_DATA_DIR":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}

// terraform runs one CLI command to completion and returns its combined output.
func (h *cliHarness) terraform(args ...string) (string, error) {
	h.t.Helper()
	cmd, out, stop := h.start(args...)
	defer stop()
	began := time.Now()
	err := cmd.Wait()
	h.record(args, out.String(), err, time.Since(began))
	return out.String(), err
}

// start serves the provider and starts a CLI command attached to it; stop (after the command
// has exited) shuts the provider server down.
func (h *cliHarness) start(args ...string) (*exec.Cmd, *bytes.Buffer, func()) {
	h.t.Helper()
	reattach, stopServer := h.serveProvider()
	out := new(bytes.Buffer)
	cmd := exec.Command(h.tf, args...)
	cmd.Dir = h.dir
	cmd.Env = append(append([]string{}, h.env...), "TF_REATTACH_PROVIDERS="+reattach)
	cmd.Stdout, cmd.Stderr = out, out // the same writer: exec serialises the writes
	if err := cmd.Start(); err != nil {
		stopServer()
		h.t.Fatalf("starting %s %s: %v", h.tf, strings.Join(args, " "), err)
	}
	return cmd, out, stopServer
}

// serveProvider serves a fresh provider with test poll and retry settings in debug mode and
// returns the TF_REATTACH_PROVIDERS value naming it, and the function that stops it.
func (h *cliHarness) serveProvider() (string, func()) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattachCh := make(chan *plugin.ReattachConfig)
	closeCh := make(chan struct{})
	framework := providerserver.NewProtocol6(newProvider("test", testWaits))()
	server := &observedProviderServer{ProviderServer: framework, h: h}
	serveErr := make(chan error, 1)
	go func() {
		serveErr <- tf6server.Serve(reattachAddresses[0], func() tfprotov6.ProviderServer { return server },
			tf6server.WithDebug(ctx, reattachCh, closeCh),
			// Provider logs follow TF_LOG / TF_ACC_LOG_PATH as under resource.Test (silent by default).
			tf6server.WithLoggingSink(h.t),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()))
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattachCh:
	case err := <-serveErr:
		cancel()
		h.t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		h.t.Fatal("the provider server gave no reattach configuration within 30s")
	}
	type addr struct{ Network, String string }
	type config struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            addr
	}
	all := map[string]config{}
	for _, a := range reattachAddresses {
		all[a] = config{Protocol: string(rc.Protocol), ProtocolVersion: rc.ProtocolVersion, Pid: rc.Pid, Test: true,
			Addr: addr{Network: rc.Addr.Network(), String: rc.Addr.String()}}
	}
	raw, err := json.Marshal(all)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	return string(raw), func() {
		cancel()
		select {
		case <-closeCh:
		case <-time.After(30 * time.Second):
			h.t.Error("the provider server did not stop within 30s of its command")
		}
	}
}

// interruptResult is what applyAndInterrupt saw.
type interruptResult struct {
	output        string
	untilSignal   time.Duration // from start to SIGINT
	signalToExit  time.Duration // from SIGINT to the CLI's exit
	exitErr       error
	stopProviders int32 // StopProvider calls the provider received during the apply
	cancelled     int32 // ApplyResourceChange calls that returned with their context cancelled
}

// applyAndInterrupt starts `terraform apply -auto-approve -parallelism=10`, waits until ready()
// holds (polling the emulator, not sleeping a fixed time), sends SIGINT to the terraform
// process alone and waits for it to exit. It fails the test when the apply ends before ready()
// holds or when the CLI does not exit within interruptExitBound of the signal; it logs the timings.
func (h *cliHarness) applyAndInterrupt(what string, ready func() bool) interruptResult {
	h.t.Helper()
	args := []string{"apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=10"}
	stopsBefore, cancelledBefore := h.stopCalls.Load(), h.appliesAfterStop.Load()
	cmd, out, stop := h.start(args...)
	defer stop()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	began := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !ready() {
		select {
		case err := <-exited:
			h.record(args, out.String(), err, time.Since(began))
			h.t.Fatalf("the apply ended (%v) before %s: nothing was interrupted", err, what)
		case <-tick.C:
		}
	}
	res := interruptResult{untilSignal: time.Since(began)}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		h.t.Fatalf("sending SIGINT to terraform: %v", err)
	}
	signalled := time.Now()
	select {
	case res.exitErr = <-exited:
		res.signalToExit = time.Since(signalled)
	case <-time.After(interruptExitBound):
		_ = cmd.Process.Kill()
		res.exitErr = <-exited
		h.record(args, out.String(), res.exitErr, time.Since(began))
		h.t.Fatalf("terraform had not exited %s after SIGINT (sent once %s): killed it", interruptExitBound, what)
	}
	res.output = out.String()
	if res.exitErr == nil {
		h.record(append(args, "(SIGINT)"), res.output, res.exitErr, time.Since(began))
		h.t.Fatalf("the apply succeeded: it had finished before SIGINT (sent once %s) took effect, so nothing was interrupted", what)
	}
	res.stopProviders = h.stopCalls.Load() - stopsBefore
	res.cancelled = h.appliesAfterStop.Load() - cancelledBefore
	h.record(append(args, "(SIGINT)"), res.output, res.exitErr, time.Since(began))
	h.t.Logf("apply: SIGINT %s after start (once %s); terraform exited %s later (%v); the provider got %d StopProvider, %d resource applies returned with their context cancelled",
		res.untilSignal.Round(time.Millisecond), what, res.signalToExit.Round(time.Millisecond), res.exitErr, res.stopProviders, res.cancelled)
	if res.stopProviders == 0 {
		h.t.Errorf("Terraform sent no StopProvider after SIGINT: in-flight operations were not asked to stop")
	}
	return res
}

// destroy runs `terraform destroy -auto-approve` and logs how long it took.
func (h *cliHarness) destroy() error {
	h.t.Helper()
	began := time.Now()
	_, err := h.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
	h.t.Logf("destroy: %s (%v)", time.Since(began).Round(time.Millisecond), err)
	return err
}

// stateInstance is one resource instance of the local state file.
type stateInstance struct {
	Type       string
	Name       string
	IndexKey   any
	Status     string // "" or "tainted"
	Attributes map[string]any
}

// state reads terraform.tfstate (and errored.tfstate, which the CLI writes when it cannot
// save state, so that a failure to persist shows rather than reading as "nothing in state").
func (h *cliHarness) state() []stateInstance {
	h.t.Helper()
	if _, err := os.Stat(filepath.Join(h.dir, "errored.tfstate")); err == nil {
		h.t.Errorf("terraform wrote errored.tfstate: it could not save state")
	}
	raw, err := os.ReadFile(filepath.Join(h.dir, "terraform.tfstate"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		h.t.Fatal(err)
	}
	var file struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Type      string `json:"type"`
			Name      string `json:"name"`
			Instances []struct {
				IndexKey   any            `json:"index_key"`
				Status     string         `json:"status"`
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		h.t.Fatalf("reading terraform.tfstate: %v", err)
	}
	var out []stateInstance
	for _, r := range file.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, i := range r.Instances {
			out = append(out, stateInstance{Type: r.Type, Name: r.Name, IndexKey: i.IndexKey, Status: i.Status, Attributes: i.Attributes})
		}
	}
	return out
}

// instancesOf returns the state's instances of a resource type.
func instancesOf(state []stateInstance, typ string) []stateInstance {
	var out []stateInstance
	for _, i := range state {
		if i.Type == typ {
			out = append(out, i)
		}
	}
	return out
}

func (h *cliHarness) record(args []string, output string, err error, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.transcript = append(h.transcript, cliCommand{args: args, output: output, err: err, duration: d})
}

// maxLoggedOutput keeps failure logs readable: the diagnostics are at the end of the output.
const maxLoggedOutput = 24 << 10

func (h *cliHarness) logTranscript() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.transcript {
		out := c.output
		if len(out) > maxLoggedOutput {
			out = fmt.Sprintf("[... %d bytes left out ...]\n", len(out)-maxLoggedOutput) + out[len(out)-maxLoggedOutput:]
		}
		h.t.Logf("terraform %s (%s, %v):\n%s", strings.Join(c.args, " "), c.duration.Round(time.Millisecond), c.err, out)
	}
}

// observedProviderServer passes every call to the framework's server and counts what the
// interrupt tests must know happened: that Terraform asked the provider to stop, and that the
// resource applies in flight then saw their context cancelled.
type observedProviderServer struct {
	tfprotov6.ProviderServer
	h *cliHarness
}

func (s *observedProviderServer) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	s.h.stopCalls.Add(1)
	return s.ProviderServer.StopProvider(ctx, req)
}

func (s *observedProviderServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if ctx.Err() != nil {
		s.h.appliesAfterStop.Add(1)
	}
	return resp, err
}
