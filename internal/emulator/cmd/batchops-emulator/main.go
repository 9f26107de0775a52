// Command batchops-emulator runs the batchops service emulator in the
// foreground until SIGINT or SIGTERM.
//
// In its state directory (-dir; default a new temporary directory, removed on
// exit) it writes:
//
//	ca.pem         the emulator's CA certificate (PEM)
//	requests.log   one line per request, appended as requests arrive
//	emulator.env   shell export lines: AZURE_BATCH_ENDPOINT, AZURE_BATCH_ACCOUNT,
//	               AZURE_BATCH_ACCESS_KEY, HPC_PACK_ENDPOINT, HPC_PACK_USERNAME,
//	               HPC_PACK_PASSWORD (and HPC_PACK_CLUSTER_NAME when
//	               -hpc-cluster-name is set), MRS_ENDPOINT, HW_REGION_NAME,
//	               HW_IAM_ENDPOINT, HW_PROJECT_ID, HW_ACCESS_KEY, HW_SECRET_KEY (and
//	               HW_SECURITY_TOKEN when -mrs-security-token is set),
//	               BATCHOPS_EMULATOR_CA_FILE, BATCHOPS_EMULATOR_ADMIN_URL;
//	               written atomically and last, so a script can wait for it
//	               to appear
//
// HW_REGION_NAME is a placeholder region ("emulator-1"): clients must use the
// explicit MRS_ENDPOINT rather than derive an endpoint from the region. It is
// the IAM name of the emulator's project, so a client without HW_PROJECT_ID
// can look the project up at HW_IAM_ENDPOINT (the MRS listener serves GET
// /v3/projects).
//
// It prints the addresses, CA file and credentials on start.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/entra"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
)

// mrsRegion is the placeholder region written to emulator.env.
const mrsRegion = "emulator-1"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "batchops-emulator:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("batchops-emulator", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "listen host")
	dir := fs.String("dir", "", "state directory for ca.pem, emulator.env and requests.log (default: a new temporary directory, removed on exit)")
	account := fs.String("azure-account", azurebatch.DefaultAccount, "Azure Batch account name")
	key := fs.String("azure-key", azurebatch.DefaultKey, "Azure Batch account key (base64)")
	// No jobs by default: the demo creates its own (batchops_azure_batch_job) on the pool.
	jobs := fs.String("azure-jobs", "", "comma-separated Azure Batch jobs to pre-create (with usesTaskDependencies=true, on pool "+azurebatch.DefaultPoolID+"); none by default")
	bearer := fs.String("azure-bearer-token", "", "optional token accepted as 'Authorization: Bearer <token>' (Microsoft Entra ID)")
	hpcCluster := fs.String("hpc-cluster-name", "", "HPC Pack cluster name: set it to emulate a server before HPC Pack 2016 (URIs /WindowsHPC/{cluster}/...); empty: the HPC Pack 2016 form /WindowsHPC/...")
	hpcUser := fs.String("hpc-username", hpcpack.DefaultUsername, `HPC Pack user (DOMAIN\user) accepted for HTTP Basic and as run-as account`)
	hpcPassword := fs.String("hpc-password", hpcpack.DefaultPassword, "password of -hpc-username")
	hpcRequestTime := fs.Duration("hpc-request-time", hpcpack.DefaultRequestTime, "time one HPC Pack SOA worker needs per request (emulator clock)")
	hpcBroker := fs.String("hpc-broker-node", "", `HPC Pack broker node every session reports (BrokerNode), served on its own loopback address at the head node's port, e.g. "127.0.0.2", for hpc_pack.batch_endpoint = "broker_node"; empty: sessions report the head node`)
	hpcWorkers := fs.Int("hpc-workers", hpcpack.DefaultWorkers, "HPC Pack SOA workers answering the requests of a batch in parallel")
	mrsProject := fs.String("mrs-project-id", mrs.DefaultProjectID, "MRS project id (letters and digits) of the /v2/{project_id}/... paths")
	mrsAK := fs.String("mrs-ak", mrs.DefaultAccessKey, "MRS access key (AK) for SDK-HMAC-SHA256 signatures")
	mrsSK := fs.String("mrs-sk", mrs.DefaultSecretKey, "MRS secret key (SK) for SDK-HMAC-SHA256 signatures")
	mrsToken := fs.String("mrs-security-token", "", "optional: treat the AK/SK as temporary credentials that need this X-Security-Token")
	mrsClusters := fs.String("mrs-clusters", mrs.DefaultClusterID, "comma-separated MRS cluster ids that exist")
	mrsRunTime := fs.Duration("mrs-run-time", mrs.DefaultRunTime, "default run time (RUNNING phase) of an MRS job on the emulator clock; an argument sleep=N overrides it")
	mrsMaxRunning := fs.Int("mrs-max-running-jobs", 0, "limit of non-terminal MRS jobs per cluster (0: unlimited)")
	seed := fs.Int64("seed", 1, "seed for fault injection")
	rate503 := fs.Float64("fault-rate-503", 0, "fraction of requests answered 503 (every service)")
	rate429 := fs.Float64("fault-rate-429", 0, "fraction of requests answered 429 (every service)")
	rate500 := fs.Float64("fault-rate-500", 0, "fraction of requests answered 500 (every service)")
	lostRate := fs.Float64("fault-lost-rate", 0, "fraction of requests whose response is lost after the work is done (every service)")
	malformedRate := fs.Float64("fault-malformed-rate", 0, "fraction of requests answered with a malformed body (truncated, an HTML page, empty, wrong types, broken syntax) after the work is done (every service)")
	latency := fs.Duration("fault-latency", 0, "latency added to every request")
	retryAfter := fs.Duration("fault-retry-after", 0, "Retry-After sent with injected 429/500/503 responses")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Catch signals from the start, so an early SIGTERM still exits cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	stateDir := *dir
	removeDir := false
	if stateDir == "" {
		d, err := os.MkdirTemp("", "batchops-emulator-state-")
		if err != nil {
			return err
		}
		stateDir, removeDir = d, true
	} else if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return err
	}
	if removeDir {
		defer os.RemoveAll(stateDir)
	}
	envPath := filepath.Join(stateDir, "emulator.env")
	_ = os.Remove(envPath) // a stale file must not look like a started emulator

	logFile, err := os.OpenFile(filepath.Join(stateDir, "requests.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()

	var jobList []azurebatch.Job
	for _, id := range strings.Split(*jobs, ",") {
		if id = strings.TrimSpace(id); id != "" {
			jobList = append(jobList, azurebatch.Job{ID: id, UsesTaskDependencies: true})
		}
	}
	faults := emulator.Faults{
		Rate429: *rate429, Rate500: *rate500, Rate503: *rate503,
		LostResponseRate: *lostRate, MalformedRate: *malformedRate, Latency: *latency, RetryAfter: *retryAfter,
	}
	if err := faults.Validate(); err != nil {
		return err
	}
	if *hpcWorkers < 1 {
		return fmt.Errorf("-hpc-workers must be at least 1, got %d", *hpcWorkers)
	}
	if *hpcRequestTime <= 0 {
		return fmt.Errorf("-hpc-request-time must be positive, got %v", *hpcRequestTime)
	}
	if *mrsRunTime <= 0 {
		return fmt.Errorf("-mrs-run-time must be positive, got %v", *mrsRunTime)
	}
	if *mrsMaxRunning < 0 {
		return fmt.Errorf("-mrs-max-running-jobs must not be negative, got %d", *mrsMaxRunning)
	}
	clusterList := []string{}
	for _, id := range strings.Split(*mrsClusters, ",") {
		if id = strings.TrimSpace(id); id != "" {
			clusterList = append(clusterList, id)
		}
	}
	emu, err := emulator.Start(emulator.Config{
		Host: *host,
		Seed: *seed,
		AzureBatch: azurebatch.Config{
			Account: *account, Key: *key, BearerToken: *bearer, Jobs: jobList,
		},
		HPCPack: hpcpack.Config{
			ClusterName: *hpcCluster,
			Users:       map[string]string{*hpcUser: *hpcPassword},
			Workers:     *hpcWorkers,
			RequestTime: *hpcRequestTime,
			BrokerNode:  *hpcBroker,
		},
		MRS: mrs.Config{
			ProjectID: *mrsProject, Region: mrsRegion, AccessKey: *mrsAK, SecretKey: *mrsSK, SecurityToken: *mrsToken,
			Clusters: clusterList, RunTime: *mrsRunTime, MaxRunningJobs: *mrsMaxRunning,
		},
		Faults:           map[string]emulator.Faults{emulator.ServiceAzureBatch: faults, emulator.ServiceHPCPack: faults, emulator.ServiceMRS: faults},
		RequestLogWriter: logFile, // the emulator serialises its writes
	})
	if err != nil {
		return err
	}
	defer emu.Close()

	caPath := filepath.Join(stateDir, "ca.pem")
	if err := os.WriteFile(caPath, emu.CACertPEM(), 0o644); err != nil {
		return err
	}
	env := map[string]string{
		"AZURE_BATCH_ENDPOINT":        emu.AzureBatchURL(),
		"AZURE_BATCH_ACCOUNT":         emu.AzureBatch().Account(),
		"AZURE_BATCH_ACCESS_KEY":      emu.AzureBatch().Key(),
		"HPC_PACK_ENDPOINT":           emu.HPCPackURL(),
		"HPC_PACK_USERNAME":           emu.HPCPack().Username(),
		"HPC_PACK_PASSWORD":           emu.HPCPack().Password(),
		"MRS_ENDPOINT":                emu.MRSURL(),
		"HW_REGION_NAME":              mrsRegion,
		"HW_IAM_ENDPOINT":             emu.MRSURL(),
		"HW_PROJECT_ID":               emu.MRS().ProjectID(),
		"HW_ACCESS_KEY":               emu.MRS().AccessKey(),
		"HW_SECRET_KEY":               emu.MRS().SecretKey(),
		"BATCHOPS_EMULATOR_CA_FILE":   caPath,
		"BATCHOPS_EMULATOR_ADMIN_URL": emu.AdminURL(),
	}
	if c := emu.HPCPack().ClusterName(); c != "" {
		env["HPC_PACK_CLUSTER_NAME"] = c
	}
	if tok := emu.MRS().SecurityToken(); tok != "" {
		env["HW_SECURITY_TOKEN"] = tok
	}
	if err := writeEnvFile(envPath, env); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "batchops emulator running\n")
	fmt.Fprintf(stdout, "  Azure Batch endpoint: %s\n", emu.AzureBatchURL())
	fmt.Fprintf(stdout, "  Azure Batch account:  %s\n", emu.AzureBatch().Account())
	fmt.Fprintf(stdout, "  Azure Batch key:      %s\n", emu.AzureBatch().Key())
	fmt.Fprintf(stdout, "  Azure Batch pool:     %s (pools are not modelled: a job may name any pool, and its tasks run)\n", azurebatch.DefaultPoolID)
	if *jobs != "" {
		fmt.Fprintf(stdout, "  Azure Batch jobs:     %s\n", *jobs)
	}
	fmt.Fprintf(stdout, "  Entra ID authority:   %s (authority_host; tenant %s, client %s, secret %s; the account accepts its tokens for the public cloud's Batch scope)\n",
		emu.EntraURL(), entra.DefaultTenantID, entra.DefaultClientID, entra.DefaultSecret)
	fmt.Fprintf(stdout, "  HPC Pack endpoint:    %s (operations under %s)\n", emu.HPCPackURL(), emu.HPCPack().PathPrefix())
	if c := emu.HPCPack().ClusterName(); c != "" {
		fmt.Fprintf(stdout, "  HPC Pack cluster:     %s\n", c)
	}
	if b := emu.HPCPack().BrokerNode(); b != "" {
		fmt.Fprintf(stdout, "  HPC Pack broker node: %s (the batch operations of every session, with batch_endpoint = \"broker_node\")\n", b)
	}
	fmt.Fprintf(stdout, "  HPC Pack user:        %s\n", emu.HPCPack().Username())
	fmt.Fprintf(stdout, "  HPC Pack password:    %s\n", emu.HPCPack().Password())
	fmt.Fprintf(stdout, "  MRS endpoint:         %s (jobs under %s)\n", emu.MRSURL(), "/v2/"+emu.MRS().ProjectID()+"/clusters/{cluster_id}/job-executions")
	fmt.Fprintf(stdout, "  MRS project id:       %s\n", emu.MRS().ProjectID())
	fmt.Fprintf(stdout, "  MRS access key:       %s\n", emu.MRS().AccessKey())
	fmt.Fprintf(stdout, "  MRS secret key:       %s\n", emu.MRS().SecretKey())
	if tok := emu.MRS().SecurityToken(); tok != "" {
		fmt.Fprintf(stdout, "  MRS security token:   %s\n", tok)
	}
	fmt.Fprintf(stdout, "  MRS clusters:         %s (region placeholder %s: use the endpoint)\n", strings.Join(emu.MRS().Clusters(), ","), mrsRegion)
	fmt.Fprintf(stdout, "  admin API:            %s\n", emu.AdminURL())
	fmt.Fprintf(stdout, "  CA file:              %s\n", caPath)
	fmt.Fprintf(stdout, "  environment file:     %s\n", envPath)
	fmt.Fprintf(stdout, "  request log:          %s\n", filepath.Join(stateDir, "requests.log"))
	fmt.Fprintf(stdout, "press Ctrl-C to stop\n")

	<-ctx.Done()
	fmt.Fprintf(stdout, "batchops emulator stopping\n")
	_ = os.Remove(envPath)
	return nil
}

// writeEnvFile writes shell export lines atomically (temporary file, then
// rename).
func writeEnvFile(path string, env map[string]string) error {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "# written by batchops-emulator at %s\n", time.Now().UTC().Format(time.RFC3339))
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(env[k]))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".emulator.env.*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
