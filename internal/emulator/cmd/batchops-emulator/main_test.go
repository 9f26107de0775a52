package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "export ") {
			continue
		}
		k, v, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		env[k] = strings.Trim(v, "'")
	}
	return env
}

// runningCommand is run started in the background with a state directory of
// the test's own.
type runningCommand struct {
	dir     string
	envPath string
	env     map[string]string // emulator.env as written by run
	out     *lockedBuffer     // run's stdout
	done    chan error
}

// startRun starts run with -dir and args and waits for emulator.env, which
// run writes last: once it exists the emulator answers.
func startRun(t *testing.T, args ...string) *runningCommand {
	t.Helper()
	r := &runningCommand{dir: t.TempDir(), out: &lockedBuffer{}, done: make(chan error, 1)}
	r.envPath = filepath.Join(r.dir, "emulator.env")
	go func() { r.done <- run(append([]string{"-dir", r.dir}, args...), r.out) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(r.envPath); err == nil {
			break
		}
		select {
		case err := <-r.done:
			t.Fatalf("run returned early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("emulator.env not written")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.env = readEnv(t, r.envPath)
	return r
}

// status sends req with a client that trusts the CA named in emulator.env,
// as a user of the printed settings would, and returns the answer's status.
func (r *runningCommand) status(t *testing.T, req *http.Request) int {
	t.Helper()
	pem, err := os.ReadFile(r.env["BATCHOPS_EMULATOR_CA_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	client.CloseIdleConnections()
	return resp.StatusCode
}

// stop sends SIGTERM, as a user's Ctrl-C would, and waits for run to return
// cleanly.
func (r *runningCommand) stop(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop on SIGTERM")
	}
}

func TestRunWritesStateAndStopsOnSignal(t *testing.T) {
	r := startRun(t, "-azure-jobs", "j1,j2", "-seed", "3")
	env, out := r.env, r.out
	for _, k := range []string{"AZURE_BATCH_ENDPOINT", "AZURE_BATCH_ACCOUNT", "AZURE_BATCH_ACCESS_KEY", "BATCHOPS_EMULATOR_CA_FILE", "BATCHOPS_EMULATOR_ADMIN_URL",
		"HPC_PACK_ENDPOINT", "HPC_PACK_USERNAME", "HPC_PACK_PASSWORD",
		"MRS_ENDPOINT", "HW_REGION_NAME", "HW_PROJECT_ID", "HW_ACCESS_KEY", "HW_SECRET_KEY"} {
		if env[k] == "" {
			t.Errorf("%s missing from emulator.env", k)
		}
	}
	if _, ok := env["HPC_PACK_CLUSTER_NAME"]; ok {
		t.Error("HPC_PACK_CLUSTER_NAME written without -hpc-cluster-name")
	}
	if _, ok := env["HW_SECURITY_TOKEN"]; ok {
		t.Error("HW_SECURITY_TOKEN written without -mrs-security-token")
	}
	if env["HW_PROJECT_ID"] != mrs.DefaultProjectID || env["HW_ACCESS_KEY"] != mrs.DefaultAccessKey || env["HW_SECRET_KEY"] != mrs.DefaultSecretKey ||
		env["HW_REGION_NAME"] != "emulator-1" || env["MRS_ENDPOINT"] == env["HPC_PACK_ENDPOINT"] || !strings.HasPrefix(env["MRS_ENDPOINT"], "https://") {
		t.Errorf("MRS env %v", env)
	}
	if env["HPC_PACK_USERNAME"] != `CONTOSO\batchops` || env["HPC_PACK_ENDPOINT"] == env["AZURE_BATCH_ENDPOINT"] {
		t.Errorf("HPC env %v", env)
	}
	if env["AZURE_BATCH_ACCOUNT"] != "batchopsdemo" {
		t.Errorf("account = %s", env["AZURE_BATCH_ACCOUNT"])
	}
	req, _ := http.NewRequest("GET", env["AZURE_BATCH_ENDPOINT"]+"/jobs/j2?api-version=2024-07-01.20.0", nil)
	if st := r.status(t, req); st != http.StatusUnauthorized {
		t.Errorf("unsigned request: %d", st)
	}
	resp, err := http.Get(env["BATCHOPS_EMULATOR_ADMIN_URL"] + "/info")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), env["AZURE_BATCH_ENDPOINT"]) {
		t.Errorf("admin info: %s", b)
	}
	logData, _ := os.ReadFile(filepath.Join(r.dir, "requests.log"))
	if !strings.Contains(string(logData), "azurebatch GET /jobs/j2?api-version=2024-07-01.20.0 -> 401") {
		t.Errorf("requests.log = %q", logData)
	}
	if !strings.Contains(out.String(), env["AZURE_BATCH_ENDPOINT"]) || !strings.Contains(out.String(), env["AZURE_BATCH_ACCESS_KEY"]) ||
		!strings.Contains(out.String(), env["HPC_PACK_ENDPOINT"]) || !strings.Contains(out.String(), env["HPC_PACK_USERNAME"]) {
		t.Errorf("stdout = %s", out.String())
	}
	// the HPC Pack endpoint answers in the 2016 form with the printed credentials
	req, _ = http.NewRequest("GET", env["HPC_PACK_ENDPOINT"]+"/WindowsHPC/Version", nil)
	req.SetBasicAuth(env["HPC_PACK_USERNAME"], env["HPC_PACK_PASSWORD"])
	if st := r.status(t, req); st != http.StatusOK {
		t.Errorf("HPC Pack version: %d", st)
	}

	// the MRS endpoint answers a request signed with the printed credentials
	// on the default cluster
	req, _ = http.NewRequest("GET", env["MRS_ENDPOINT"]+"/v2/"+env["HW_PROJECT_ID"]+"/clusters/demo-cluster/job-executions", nil)
	req.Header.Set("X-Project-Id", env["HW_PROJECT_ID"])
	mrs.SignRequest(req, nil, env["HW_ACCESS_KEY"], env["HW_SECRET_KEY"], time.Now())
	if st := r.status(t, req); st != http.StatusAccepted {
		t.Errorf("MRS list: %d", st)
	}
	// ...and the IAM project look-up of HW_REGION_NAME, for clients without HW_PROJECT_ID
	if env["HW_IAM_ENDPOINT"] != env["MRS_ENDPOINT"] {
		t.Errorf("HW_IAM_ENDPOINT %q, want the MRS endpoint", env["HW_IAM_ENDPOINT"])
	}
	req, _ = http.NewRequest("GET", env["HW_IAM_ENDPOINT"]+"/v3/projects?name="+env["HW_REGION_NAME"], nil)
	mrs.SignRequest(req, nil, env["HW_ACCESS_KEY"], env["HW_SECRET_KEY"], time.Now())
	if st := r.status(t, req); st != http.StatusOK {
		t.Errorf("IAM project list: %d", st)
	}
	if !strings.Contains(out.String(), env["MRS_ENDPOINT"]) || !strings.Contains(out.String(), env["HW_SECRET_KEY"]) ||
		!strings.Contains(out.String(), env["HW_ACCESS_KEY"]) || !strings.Contains(out.String(), env["HW_PROJECT_ID"]) {
		t.Errorf("stdout = %s", out.String())
	}

	r.stop(t)
	if _, err := os.Stat(r.envPath); !os.IsNotExist(err) {
		t.Error("emulator.env left behind after stop")
	}
}

func TestRunHPCPackFlags(t *testing.T) {
	r := startRun(t, "-hpc-cluster-name", "HEADNODE", "-hpc-username", `FABRIKAM\carol`, "-hpc-password", "c-Pa55",
		"-hpc-workers", "8", "-hpc-request-time", "10ms")
	env, out := r.env, r.out
	if env["HPC_PACK_CLUSTER_NAME"] != "HEADNODE" || env["HPC_PACK_USERNAME"] != `FABRIKAM\carol` || env["HPC_PACK_PASSWORD"] != "c-Pa55" {
		t.Errorf("env %v", env)
	}
	for path, want := range map[string]int{"/WindowsHPC/Clusters": 200, "/WindowsHPC/HEADNODE/Version": 200, "/WindowsHPC/Version": 404} {
		req, _ := http.NewRequest("GET", env["HPC_PACK_ENDPOINT"]+path, nil)
		req.SetBasicAuth(env["HPC_PACK_USERNAME"], env["HPC_PACK_PASSWORD"])
		if st := r.status(t, req); st != want {
			t.Errorf("%s: %d, want %d", path, st, want)
		}
	}
	if !strings.Contains(out.String(), "HPC Pack cluster:     HEADNODE") {
		t.Errorf("stdout = %s", out.String())
	}
	r.stop(t)
}

// -hpc-broker-node serves the batch operations on a second loopback address at the head
// node's port, with a certificate the same CA signed; the head node's other routes are not there.
func TestRunHPCPackBrokerNode(t *testing.T) {
	r := startRun(t, "-hpc-broker-node", "127.0.0.2")
	head, err := url.Parse(r.env["HPC_PACK_ENDPOINT"])
	if err != nil {
		t.Fatal(err)
	}
	broker := "https://" + net.JoinHostPort("127.0.0.2", head.Port())
	for _, c := range []struct {
		method, path string
		want         int
	}{{"GET", "/WindowsHPC/Version", 200}, {"POST", "/WindowsHPC/sessions/Create", 404}} {
		req, _ := http.NewRequest(c.method, broker+c.path, strings.NewReader("{}"))
		req.SetBasicAuth(r.env["HPC_PACK_USERNAME"], r.env["HPC_PACK_PASSWORD"])
		if st := r.status(t, req); st != c.want {
			t.Errorf("broker %s %s: %d, want %d", c.method, c.path, st, c.want)
		}
	}
	if !strings.Contains(r.out.String(), "HPC Pack broker node: 127.0.0.2") {
		t.Errorf("stdout = %s", r.out.String())
	}
	r.stop(t)
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string // a part of the error text; empty: any error
	}{
		{"rate 3", []string{"-fault-rate-503", "3"}, ""},
		{"malformed rate 1.5", []string{"-fault-malformed-rate", "1.5"}, "malformedRate"},
		{"unknown flag", []string{"-nosuchflag"}, ""},
		{"0 workers", []string{"-hpc-workers", "0"}, ""},
		{"request time 0", []string{"-hpc-request-time", "0s"}, ""},
		{"user name with ':'", []string{"-hpc-username", "a:b"}, ""},
		{"MRS run time 0", []string{"-mrs-run-time", "0s"}, ""},
		{"bad MRS cluster id", []string{"-mrs-clusters", "a/b"}, ""},
		{"bad MRS project id", []string{"-mrs-project-id", "a-b"}, ""},
		{"negative MRS max running jobs", []string{"-mrs-max-running-jobs", "-1"}, ""},
	} {
		if err := run(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestRunMRSFlags(t *testing.T) {
	r := startRun(t, "-mrs-project-id", "abcdef0123456789abcdef0123456789", "-mrs-ak", "FLAGAK", "-mrs-sk", "flag-sk",
		"-mrs-security-token", "flag-token", "-mrs-clusters", "c-1, c-2", "-mrs-run-time", "30s")
	env, out := r.env, r.out
	if env["HW_PROJECT_ID"] != "abcdef0123456789abcdef0123456789" || env["HW_ACCESS_KEY"] != "FLAGAK" || env["HW_SECRET_KEY"] != "flag-sk" ||
		env["HW_SECURITY_TOKEN"] != "flag-token" {
		t.Errorf("env %v", env)
	}
	for cluster, want := range map[string]int{"c-1": 202, "c-2": 202, "demo-cluster": 400} {
		req, _ := http.NewRequest("GET", env["MRS_ENDPOINT"]+"/v2/"+env["HW_PROJECT_ID"]+"/clusters/"+cluster+"/job-executions", nil)
		req.Header.Set("X-Security-Token", env["HW_SECURITY_TOKEN"])
		mrs.SignRequest(req, nil, env["HW_ACCESS_KEY"], env["HW_SECRET_KEY"], time.Now())
		if st := r.status(t, req); st != want {
			t.Errorf("%s: %d, want %d", cluster, st, want)
		}
	}
	if !strings.Contains(out.String(), "MRS clusters:         c-1,c-2") || !strings.Contains(out.String(), "MRS security token:   flag-token") {
		t.Errorf("stdout = %s", out.String())
	}
	r.stop(t)
}
