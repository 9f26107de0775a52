package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
)

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
	if n := len(addTaskRequests(e)); n != 1 {
		t.Fatalf("want 1 Add Task, got %d", n)
	}
}

func TestProviderRejectsMalformedSettings(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, nil,
		resource.TestStep{
			Config: fmt.Sprintf(`
provider "batchops" {
  azure_batch = {
    endpoint     = "ftp://myacct.westeurope.batch.azure.com"
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
			ExpectError: errorText(`endpoint "ftp://myacct.westeurope.batch.azure.com" is not an Azure Batch account endpoint (scheme "ftp": use https)`),
		},
		resource.TestStep{
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
		resource.TestStep{
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
	)
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("malformed settings must fail before any request; the emulator saw %d", n)
	}
}

// What a shell exports for one service never breaks another: with the huaweicloud provider's
// variables (no project id) and a partial HPC Pack environment, an Azure-only configuration
// applies, and makes no IAM call to look the MRS project up (HW_IAM_ENDPOINT points at the
// emulator, which would see it). Using HPC Pack then fails at plan time, naming the setting
// and its variable; MRS, whose project is looked up on first use, plans.
func TestProviderOtherServicesEnvironmentDoesNotBreakAzure(t *testing.T) {
	e := startEmulator(t)
	for k, v := range map[string]string{
		"HW_REGION_NAME": "cn-north-4", "HW_ACCESS_KEY": "AKFROMSHELL", "HW_SECRET_KEY": "sk-from-shell", "HW_PROJECT_ID": "",
		"HW_IAM_ENDPOINT":   e.MRSURL(),
		"HPC_PACK_ENDPOINT": "https://headnode.example.com", "HPC_PACK_USERNAME": `CONTOSO\bob`, "HPC_PACK_PASSWORD": "",
	} {
		t.Setenv(k, v)
	}
	azure := azureProviderConfig(e) + `
resource "batchops_azure_batch_task" "t" {
  job_id       = "job-1"
  task_id      = "env-mix"
  command_line = "echo hi"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: azure},
			{
				Config: azure + `
resource "batchops_mrs_job_set" "s" {
  cluster_id = "cluster-1"
  jobs       = { j = { type = "HiveSql", arguments = ["SELECT 1"] } }
}
`,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: azure + `
resource "batchops_hpc_soa_session" "s" {
  service_name = "EchoService"
}
`,
				PlanOnly:    true,
				ExpectError: errorText("hpc_pack.password is not set: set it or export HPC_PACK_PASSWORD"),
			},
		},
	})
	if n := len(e.RequestsFor(emulator.ServiceMRS)) + len(e.RequestsFor(emulator.ServiceHPCPack)); n != 0 {
		t.Errorf("no request may reach MRS or HPC Pack, got %d", n)
	}
}

// Provider settings may come from another resource: Terraform plans with them unknown and
// configures the provider again, with their values, before the apply.
func TestProviderSettingsKnownOnlyAfterApply(t *testing.T) {
	e := startEmulator(t)
	config := fmt.Sprintf(`
resource "terraform_data" "account" {
  input = { endpoint = %q, name = %q, key = %q }
}

provider "batchops" {
  azure_batch = {
    endpoint            = terraform_data.account.output.endpoint
    account_name        = terraform_data.account.output.name
    account_key         = terraform_data.account.output.key
    ca_certificate_file = %q
  }
}

resource "batchops_azure_batch_task" "t" {
  job_id       = "job-1"
  task_id      = "late-settings"
  command_line = "echo hi"
}
`, e.AzureBatchURL(), testAccount, testKey, e.CAFile())
	runAccTest(t, nil,
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("batchops_azure_batch_task.t", tfjsonpath.New("state"), knownvalue.NotNull()),
			},
		},
		resource.TestStep{Config: config, PlanOnly: true},
	)
}

// `terraform validate` passes over values it cannot know: every argument of every resource and
// data source from variables and for expressions. A bad literal is still rejected, naming the
// attribute and the rule.
func TestProviderValidateWithVariables(t *testing.T) {
	t.Parallel()
	vars := `
variable "s" { type = string }
variable "n" { type = number }
variable "b" { type = bool }
variable "names" { type = list(string) }
variable "env" { type = map(string) }
variable "tasks" { type = map(object({ command = string })) }
`
	all := vars + `
resource "batchops_azure_batch_task" "t" {
  for_each     = var.tasks
  job_id       = var.s
  task_id      = each.key
  command_line = each.value.command
  display_name = var.s
  environment  = var.env
  resource_files = [for n in var.names : { http_url = "https://example.com/${n}", file_path = n }]
  output_files = [for n in var.names : { file_pattern = n, container_url = var.s, upload_condition = var.s }]
  constraints = { max_wall_clock_time = var.s, retention_time = var.s, max_task_retry_count = var.n }
  required_slots = var.n
  user_identity  = { auto_user_scope = var.s, auto_user_elevation_level = var.s }
  task_dependencies = { task_ids = var.names, task_id_ranges = [{ start = var.n, end = var.n }] }
  container_settings = { image_name = var.s, working_directory = var.s }
  application_package_references = [for n in var.names : { application_id = n }]
  exit_conditions = { default = { job_action = var.s, dependency_action = var.s } }
  wait_for_completion = var.b
  timeouts = { create = var.s }
}

data "batchops_azure_batch_task" "t" {
  job_id  = var.s
  task_id = var.s
}

resource "batchops_hpc_soa_session" "s" {
  service_name       = var.s
  service_version    = var.s
  durable            = var.b
  max_message_size   = var.n
  runtime_seconds    = var.n
  node_groups        = var.names
  min_units          = var.n
  max_units          = var.n
  resource_unit_type = var.s
  priority           = var.s
  environment        = var.env
  username           = var.s
  password           = var.s
}

resource "batchops_hpc_soa_batch" "b" {
  session_id          = batchops_hpc_soa_session.s.id
  name                = var.s
  requests            = [for n in var.names : { action = var.s, body = n, user_data = n }]
  generic_service     = var.b
  commit              = var.b
  wait_for_completion = var.b
}

data "batchops_hpc_soa_batch_status" "b" {
  session_id = var.s
  batch_name = var.s
}

data "batchops_hpc_soa_batch_responses" "b" {
  session_id = var.s
  batch_name = var.s
  action     = var.s
}

resource "batchops_mrs_job_set" "j" {
  cluster_id          = var.s
  jobs                = { for n in var.names : n => { type = var.s, arguments = [n], properties = var.env } }
  wait_for_completion = var.b
  kill_on_destroy     = var.b
}

data "batchops_mrs_jobs" "j" {
  cluster_id = var.s
  job_name   = var.s
  job_state  = var.s
}
`
	h := newCLIHarness(t, all)
	if out, err := h.terraform("validate", "-no-color"); err != nil {
		t.Fatalf("terraform validate must pass over unknown values: %v\n%s", err, out)
	}

	bad := newCLIHarness(t, vars+`
resource "batchops_mrs_job_set" "j" {
  cluster_id = var.s
  jobs       = { "bad name!" = { type = var.s } }
}
`)
	out, err := bad.terraform("validate", "-no-color")
	if err == nil || !strings.Contains(strings.Join(strings.Fields(out), " "), `jobs["bad name!"] job names must be 1 to 64 letters, digits, hyphens (-) and underscores (_)`) {
		t.Errorf("validate must reject a bad literal job name, naming the rule: %v\n%s", err, out)
	}
}
