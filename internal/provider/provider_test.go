package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

// testProviderFactories serve a provider whose waits and retries are short, so tests against
// the emulator do not sleep for production intervals.
var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"batchops": providerserver.NewProtocol6WithError(&batchopsProvider{
		version: "test",
		poll:    testProviderPoll,
		retry:   testProviderRetry,
	}),
}

var (
	testProviderPoll  = transport.PollOptions{Initial: 100 * time.Millisecond, Max: 500 * time.Millisecond, Factor: 1.5}
	testProviderRetry = transport.RetryPolicy{MaxAttempts: 6, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
)

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

// requestsMatching returns the Azure Batch requests with the method whose path matches pattern.
func requestsMatching(e *emulator.Emulator, method, pattern string) []emulator.Request {
	re := regexp.MustCompile(pattern)
	var out []emulator.Request
	for _, r := range e.RequestsFor(emulator.ServiceAzureBatch) {
		if r.Method == method && re.MatchString(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

func TestProviderUnconfiguredServiceIsOnlyAnErrorWhenUsed(t *testing.T) {
	for _, env := range []string{"AZURE_BATCH_ENDPOINT", "AZURE_BATCH_ACCOUNT", "AZURE_BATCH_ACCESS_KEY"} {
		t.Setenv(env, "")
	}
	// Configuring nothing at all is fine...
	p := &batchopsProvider{version: "test"}
	var schemaResp provider.SchemaResponse
	p.Schema(context.Background(), provider.SchemaRequest{}, &schemaResp)
	objectType := schemaResp.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	nullAttributes := map[string]tftypes.Value{}
	for name, typ := range objectType.AttributeTypes {
		nullAttributes[name] = tftypes.NewValue(typ, nil)
	}
	config := tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(objectType, nullAttributes)}
	var resp provider.ConfigureResponse
	p.Configure(context.Background(), provider.ConfigureRequest{Config: config}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("a provider with no service configured must configure without error: %v", resp.Diagnostics)
	}
	// ...until a resource of the service is planned.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "batchops" {}
resource "batchops_azure_batch_task" "t" {
  job_id       = "job-1"
  task_id      = "t1"
  command_line = "echo hi"
}
`,
			PlanOnly:    true,
			ExpectError: errorText(`azure_batch.endpoint is not set: set it in the provider's azure_batch block or export AZURE_BATCH_ENDPOINT`),
		}},
	})
}

func TestProviderReadsEnvironmentFallbacks(t *testing.T) {
	e := startEmulator(t)
	t.Setenv("AZURE_BATCH_ENDPOINT", e.AzureBatchURL())
	t.Setenv("AZURE_BATCH_ACCOUNT", testAccount)
	t.Setenv("AZURE_BATCH_ACCESS_KEY", testKey)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "batchops" {
  azure_batch = { ca_certificate_file = %q }
}
resource "batchops_azure_batch_task" "t" {
  job_id       = "job-1"
  task_id      = "from-env"
  command_line = "echo hi"
}
`, e.CAFile()),
		}},
	})
	if n := len(requestsMatching(e, http.MethodPost, `^/jobs/job-1/tasks$`)); n != 1 {
		t.Fatalf("want 1 Add Task, got %d", n)
	}
}

func TestProviderRejectsMalformedSettings(t *testing.T) {
	e := startEmulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "batchops" {
  azure_batch = {
    endpoint     = "myacct.westeurope.batch.azure.com"
    account_name = "acct"
    account_key  = %q
  }
}
resource "batchops_azure_batch_task" "t" {
  job_id       = "job-1"
  task_id      = "t1"
  command_line = "echo hi"
}
`, testKey),
				ExpectError: regexp.MustCompile(`(?s)endpoint "myacct.westeurope.batch.azure.com" is not an absolute http\(s\) URL`),
			},
			{
				Config: fmt.Sprintf(`
provider "batchops" {
  azure_batch = {
    endpoint     = %q
    account_name = "acct"
    account_key  = "not-base64!"
  }
}
resource "batchops_azure_batch_task" "t" {
  job_id       = "job-1"
  task_id      = "t1"
  command_line = "echo hi"
}
`, e.AzureBatchURL()),
				ExpectError: regexp.MustCompile(`(?s)azure_batch.account_key.*not valid base64`),
			},
			{
				Config: fmt.Sprintf(`
provider "batchops" {
  azure_batch = {
    endpoint            = %q
    account_key         = %q
    ca_certificate_file = "/nonexistent/ca.pem"
  }
}
resource "batchops_azure_batch_task" "t" {
  job_id       = "job-1"
  task_id      = "t1"
  command_line = "echo hi"
}
`, e.AzureBatchURL(), testKey),
				ExpectError: regexp.MustCompile(`(?s)account_name is not set`),
			},
		},
	})
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("malformed settings must fail before any request; the emulator saw %d", n)
	}
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
