package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// The acceptance tests' shared helpers: the provider they serve, and for each service an
// emulator to run against and the provider block that points at it. Request filters are the
// emulator's own (Emulator.RequestsMatching).

// testProviderFactories serve a provider whose waits and retries are short, so tests against
// the emulator do not sleep for production intervals.
var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"batchops": providerserver.NewProtocol6WithError(newProvider("test", testWaits)),
}

// testWaits are short real intervals: the acceptance tests run Terraform and the emulator on
// real time, so they cannot use a fake clock.
var testWaits = waitSettings{
	poll:  wait.PollOptions{Initial: 100 * time.Millisecond, Max: 500 * time.Millisecond, Factor: 1.5},
	retry: transport.RetryPolicy{MaxAttempts: 6, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond},
}

const (
	testJob     = "job-1"
	testAccount = "testacct"
	// testKey is base64 of "batchops-provider-test-account-key".
	testKey = "YmF0Y2hvcHMtcHJvdmlkZXItdGVzdC1hY2NvdW50LWtleQ=="
)

func TestMain(m *testing.M) {
	// Acceptance tests run by default: they only talk to the in-process emulator.
	if os.Getenv("TF_ACC") == "" {
		_ = os.Setenv("TF_ACC", "1")
	}
	os.Exit(m.Run())
}

// startEmulator runs an emulator for one test, with job-1 (using task dependencies) and job-2.
func startEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(emulator.Config{
		Seed: 1,
		AzureBatch: azurebatch.Config{
			Account: testAccount,
			Key:     testKey,
			Jobs: []azurebatch.Job{
				{ID: testJob, UsesTaskDependencies: true, OnTaskFailure: "performexitoptionsjobaction"},
				{ID: "job-2"},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// azureProviderConfig is a provider block for the emulator's Azure Batch account.
func azureProviderConfig(e *emulator.Emulator) string {
	return azureProviderConfigWithKey(e, testKey)
}

func azureProviderConfigWithKey(e *emulator.Emulator, key string) string {
	return fmt.Sprintf(`
provider "batchops" {
  azure_batch = {
    endpoint            = %q
    account_name        = %q
    account_key         = %q
    ca_certificate_file = %q
  }
}
`, e.AzureBatchURL(), testAccount, key, e.CAFile())
}

// errorText matches text in Terraform's output, where long diagnostics are wrapped: every run
// of spaces in text matches any white space.
func errorText(text string) *regexp.Regexp {
	parts := strings.Fields(text)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(strings.Join(parts, `\s+`))
}

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

// startHPCEmulator runs an emulator whose HPC Pack head node serves cfg (defaults filled in).
func startHPCEmulator(t *testing.T, cfg hpcpack.Config) *emulator.Emulator {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = map[string]string{hpcUser: hpcPassword, `CONTOSO\svc-soa`: "run-as-password"}
	}
	if cfg.RequestTime == 0 {
		cfg.RequestTime = 20 * time.Millisecond
	}
	e, err := emulator.Start(emulator.Config{Seed: 1, HPCPack: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

const (
	sessionAddr = "batchops_hpc_soa_session.test"
	batchAddr   = "batchops_hpc_soa_batch.test"
)

// hpcProviderConfig is a provider block for the emulator's head node; extra goes inside hpc_pack.
func hpcProviderConfig(e *emulator.Emulator, extra string) string {
	cluster := ""
	if name := e.HPCPack().ClusterName(); name != "" {
		cluster = fmt.Sprintf("cluster_name = %q", name)
	}
	return fmt.Sprintf(`
provider "batchops" {
  hpc_pack = {
    endpoint            = %q
    username            = %q
    password            = %q
    ca_certificate_file = %q
    %s
    %s
  }
}
`, e.HPCPackURL(), hpcUser, hpcPassword, e.CAFile(), cluster, extra)
}
