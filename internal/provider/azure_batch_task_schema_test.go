package provider

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
)

// taskArguments are the task resource's arguments, but multi_instance_settings: it needs
// required_slots = 1.
var taskArguments = []string{"job_id", "task_id", "command_line", "display_name", "environment", "affinity_id", "resource_files",
	"output_files", "constraints", "required_slots", "user_identity", "task_dependencies", "container_settings",
	"application_package_references", "exit_conditions", "wait_for_completion"}

// argumentsFrom sets each of the arguments to the attribute of the same name of object, in HCL.
func argumentsFrom(object string, arguments []string) string {
	var b strings.Builder
	for _, a := range arguments {
		fmt.Fprintf(&b, "  %s = %s.%s\n", a, object, a)
	}
	return b.String()
}

// Every argument comes from another resource's attribute that is unknown at plan time (the
// output of a terraform_data created in the same apply): the plan shows them unknown, apply
// sends them, and the next plan is empty. multi_instance_settings needs required_slots = 1,
// so it has a task of its own, which also waits for completion.
func TestAccAzureBatchTask_everyArgumentUnknownAtPlan(t *testing.T) {
	e := startEmulator(t)
	const multiAddr = "batchops_azure_batch_task.multi"
	config := azureProviderConfig(e) + `
resource "terraform_data" "x" {
  input = {
    job_id       = "job-1"
    task_id      = "from-data"
    command_line = "/bin/sh -c 'echo unknown at plan'"
    display_name = "all unknown"
    environment  = { A = "1", B = "two" }
    affinity_id  = "tvm-1"
    resource_files = [
      { http_url = "https://example.com/a.txt", file_path = "a.txt" },
      { storage_container_url = "https://acct.blob.core.windows.net/in?sv=x", blob_prefix = "scenes/", file_path = "in", file_mode = "0755" },
    ]
    output_files = [{
      file_pattern     = "out/*"
      container_url    = "https://acct.blob.core.windows.net/out?sv=secret"
      path             = "results"
      upload_condition = "taskcompletion"
      upload_headers   = { "x-ms-blob-content-type" = "text/plain" }
    }]
    constraints       = { max_wall_clock_time = "PT1H", max_task_retry_count = 2 }
    required_slots    = 2
    user_identity     = { auto_user_scope = "task", auto_user_elevation_level = "admin" }
    task_dependencies = { task_ids = ["prep"], task_id_ranges = [{ start = 1, end = 3 }] }
    container_settings = {
      image_name             = "myregistry.azurecr.io/render:1"
      container_run_options  = "--rm"
      working_directory      = "taskWorkingDirectory"
      registry               = { registry_server = "myregistry.azurecr.io", username = "puller", password = "registry-secret" }
      host_batch_bind_mounts = [{ source = "Task", is_read_only = false }]
    }
    application_package_references = [{ application_id = "blender", version = "4.2" }]
    exit_conditions = {
      exit_codes           = [{ code = 3, job_action = "none", dependency_action = "block" }]
      exit_code_ranges     = [{ start = 10, end = 20, dependency_action = "satisfy" }]
      pre_processing_error = { job_action = "none" }
      file_upload_error    = { dependency_action = "satisfy" }
      default              = { job_action = "none", dependency_action = "satisfy" }
    }
    wait_for_completion = false

    multi_task_id = "multi-from-data"
    multi_instance_settings = {
      number_of_instances       = 2
      coordination_command_line = "/bin/sh -c 'echo coordinate'"
      common_resource_files     = [{ auto_storage_container_name = "shared" }]
    }
    multi_wait = true
  }
}

locals {
  x = terraform_data.x.output
}

resource "batchops_azure_batch_task" "test" {
` + argumentsFrom("local.x", taskArguments) + `}

resource "batchops_azure_batch_task" "multi" {
  job_id                  = local.x.job_id
  task_id                 = local.x.multi_task_id
  command_line            = local.x.command_line
  required_slots          = 1
  multi_instance_settings = local.x.multi_instance_settings
  wait_for_completion     = local.x.multi_wait
}
`
	var unknownAtPlan []plancheck.PlanCheck
	for _, a := range taskArguments {
		unknownAtPlan = append(unknownAtPlan, plancheck.ExpectUnknownValue(taskAddr, tfjsonpath.New(a)))
	}
	for _, a := range []string{"job_id", "task_id", "multi_instance_settings", "wait_for_completion"} {
		unknownAtPlan = append(unknownAtPlan, plancheck.ExpectUnknownValue(multiAddr, tfjsonpath.New(a)))
	}
	runAccTest(t, checkTasksDeleted(e),
		resource.TestStep{
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: unknownAtPlan},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/from-data")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("environment"), knownvalue.MapExact(map[string]knownvalue.Check{
					"A": knownvalue.StringExact("1"), "B": knownvalue.StringExact("two"),
				})),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("resource_files").AtSliceIndex(1).AtMapKey("blob_prefix"), knownvalue.StringExact("scenes/")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("resource_files").AtSliceIndex(0).AtMapKey("blob_prefix"), knownvalue.Null()),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("output_files").AtSliceIndex(0).AtMapKey("upload_headers").AtMapKey("x-ms-blob-content-type"), knownvalue.StringExact("text/plain")),
				// Unset constraints take the service's defaults without a diff.
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"max_wall_clock_time":  knownvalue.StringExact("PT1H"),
					"retention_time":       knownvalue.StringExact("P7D"),
					"max_task_retry_count": knownvalue.Int64Exact(2),
				})),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("required_slots"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("user_identity").AtMapKey("auto_user_scope"), knownvalue.StringExact("task")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("task_dependencies").AtMapKey("task_ids"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("prep")})),
				// The service never returns the password: it is kept from the configuration.
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("container_settings").AtMapKey("registry").AtMapKey("password"), knownvalue.StringExact("registry-secret")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("container_settings").AtMapKey("host_batch_bind_mounts").AtSliceIndex(0).AtMapKey("source"), knownvalue.StringExact("Task")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("application_package_references").AtSliceIndex(0).AtMapKey("version"), knownvalue.StringExact("4.2")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("exit_conditions").AtMapKey("exit_code_ranges").AtSliceIndex(0).AtMapKey("job_action"), knownvalue.Null()),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("exit_conditions").AtMapKey("file_upload_error").AtMapKey("dependency_action"), knownvalue.StringExact("satisfy")),
				statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("wait_for_completion"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(multiAddr, tfjsonpath.New("multi_instance_settings").AtMapKey("number_of_instances"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(multiAddr, tfjsonpath.New("multi_instance_settings").AtMapKey("common_resource_files").AtSliceIndex(0).AtMapKey("auto_storage_container_name"), knownvalue.StringExact("shared")),
				statecheck.ExpectKnownValue(multiAddr, tfjsonpath.New("required_slots"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue(multiAddr, tfjsonpath.New("state"), knownvalue.StringExact("completed")),
			},
			Check: func(*terraform.State) error {
				adds := addTaskRequests(e)
				var body []byte
				for _, a := range adds {
					if bytes.Contains(a.Body, []byte(`"id":"from-data"`)) {
						body = a.Body
					}
				}
				for _, want := range []string{
					`"environmentSettings":[{"name":"A","value":"1"},{"name":"B","value":"two"}]`,
					`"dependsOn":{"taskIdRanges":[{"end":3,"start":1}],"taskIds":["prep"]}`,
					`"requiredSlots":2`, `"password":"registry-secret"`, `"maxTaskRetryCount":2`,
				} {
					if !bytes.Contains(body, []byte(want)) {
						return fmt.Errorf("Add Task body for from-data lacks %s:\n%s", want, body)
					}
				}
				return nil
			},
		},
		emptyPlanStep(config),
	)
}

// Arguments from input variables and for expressions. terraform-plugin-testing has no validate
// step, but every plan starts with the same validation walk as `terraform validate`, in which
// input variables are unknown: this step's plan validates the configuration with all of them
// unknown (validators, nested ones included, must wait), then plans, applies and re-plans with
// them known.
func TestAccAzureBatchTask_argumentsFromVariables(t *testing.T) {
	e := startEmulator(t)
	cfg := azureProviderConfig(e) + `
variable "job_id" {
  type = string
}
variable "frames" {
  type = list(number)
}
variable "env" {
  type    = map(string)
  default = { QUALITY = "high" }
}
variable "source_url" {
  type    = string
  default = "https://example.com/scenes"
}
variable "container" {
  type    = string
  default = "tools"
}
variable "blob_prefix" {
  type    = string
  default = null
}
variable "user" {
  type    = string
  default = null
}
variable "scope" {
  type    = string
  default = "task"
}
variable "first" {
  type    = number
  default = 1
}
variable "last" {
  type    = number
  default = 10
}
variable "retention" {
  type    = string
  default = "PT48H"
}

resource "batchops_azure_batch_task" "test" {
  job_id       = var.job_id
  task_id      = "frames-${var.frames[0]}-${var.frames[length(var.frames) - 1]}"
  command_line = "render ${join(" ", var.frames)}"
  environment  = merge({ for i, f in var.frames : "FRAME_${i}" => tostring(f) }, var.env)
  resource_files = concat(
    [for f in var.frames : { http_url = "${var.source_url}/${f}.blend", file_path = "frame-${f}.blend" }],
    [{ auto_storage_container_name = var.container, blob_prefix = var.blob_prefix }],
  )
  user_identity     = { username = var.user, auto_user_scope = var.scope }
  task_dependencies = { task_id_ranges = [{ start = var.first, end = var.last }] }
  constraints       = { retention_time = var.retention }
}
`
	runAccTest(t, checkTasksDeleted(e), resource.TestStep{
		Config: cfg,
		ConfigVariables: config.Variables{
			"job_id": config.StringVariable("job-1"),
			"frames": config.ListVariable(config.IntegerVariable(1), config.IntegerVariable(2), config.IntegerVariable(3)),
		},
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("id"), knownvalue.StringExact("job-1/frames-1-3")),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("environment"), knownvalue.MapExact(map[string]knownvalue.Check{
				"FRAME_0": knownvalue.StringExact("1"), "FRAME_1": knownvalue.StringExact("2"), "FRAME_2": knownvalue.StringExact("3"),
				"QUALITY": knownvalue.StringExact("high"),
			})),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("resource_files"), knownvalue.ListSizeExact(4)),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("resource_files").AtSliceIndex(2).AtMapKey("http_url"), knownvalue.StringExact("https://example.com/scenes/3.blend")),
			statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("constraints").AtMapKey("retention_time"), knownvalue.StringExact("PT48H")),
		},
	})
}

// tfObject is an object of typ with the given attributes, the others null.
func tfObject(typ tftypes.Type, vals map[string]tftypes.Value) tftypes.Value {
	obj := typ.(tftypes.Object)
	all := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, at := range obj.AttributeTypes {
		if v, ok := vals[name]; ok {
			all[name] = v
		} else {
			all[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(obj, all)
}

func tfUnknown(typ tftypes.Type) tftypes.Value { return tftypes.NewValue(typ, tftypes.UnknownValue) }

func tfElem(typ tftypes.Type) tftypes.Type {
	switch t := typ.(type) {
	case tftypes.List:
		return t.ElementType
	case tftypes.Map:
		return t.ElementType
	}
	panic(fmt.Sprintf("no element type in %s", typ))
}

// tfList is a list of typ holding objects with the given attributes.
func tfList(typ tftypes.Type, elems ...map[string]tftypes.Value) tftypes.Value {
	values := make([]tftypes.Value, 0, len(elems))
	for _, e := range elems {
		values = append(values, tfObject(tfElem(typ), e))
	}
	return tftypes.NewValue(typ, values)
}

// What `terraform validate` sends when arguments come from variables: unknown values, at any
// depth. Validation passes over them and still rejects bad known values.
func TestAzureBatchTaskValidateConfigWithUnknownValues(t *testing.T) {
	ctx := context.Background()
	server, err := testProviderFactories["batchops"]()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schemas.ResourceSchemas["batchops_azure_batch_task"].ValueType().(tftypes.Object)
	at := func(name string) tftypes.Type { return typ.AttributeTypes[name] }
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	num := func(n int) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
	unknownString, unknownNumber := tfUnknown(tftypes.String), tfUnknown(tftypes.Number)
	validate := func(t *testing.T, args map[string]tftypes.Value) []*tfprotov6.Diagnostic {
		t.Helper()
		config := map[string]tftypes.Value{"job_id": str("job-1"), "task_id": str("t"), "command_line": str("x")}
		for k, v := range args {
			config[k] = v
		}
		dv, err := tfprotov6.NewDynamicValue(typ, tfObject(typ, config))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "batchops_azure_batch_task", Config: &dv})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}

	t.Run("every argument unknown", func(t *testing.T) {
		args := map[string]tftypes.Value{}
		for _, name := range append(slices.Clone(taskArguments), "multi_instance_settings") {
			args[name] = tfUnknown(at(name))
		}
		if diags := validate(t, args); len(diags) != 0 {
			t.Fatalf("unknown arguments must pass validation, got %v", diagText(diags))
		}
	})

	t.Run("unknown nested values", func(t *testing.T) {
		deps := at("task_dependencies").(tftypes.Object)
		container := at("container_settings").(tftypes.Object)
		exits := at("exit_conditions").(tftypes.Object)
		multi := at("multi_instance_settings").(tftypes.Object)
		diags := validate(t, map[string]tftypes.Value{
			"environment": tftypes.NewValue(at("environment"), map[string]tftypes.Value{"A": unknownString}),
			"resource_files": tfList(at("resource_files"),
				map[string]tftypes.Value{"http_url": unknownString},                                                                 // ExactlyOneOf, AlsoRequires wait
				map[string]tftypes.Value{"auto_storage_container_name": unknownString, "http_url": str("u"), "file_path": str("f")}, // ExactlyOneOf waits
				map[string]tftypes.Value{"http_url": str("u"), "file_path": unknownString, "blob_prefix": unknownString},            // AlsoRequires, ConflictsWith wait
				map[string]tftypes.Value{"storage_container_url": str("s"), "file_mode": unknownString},
			),
			"output_files": tfList(at("output_files"), map[string]tftypes.Value{
				"file_pattern": unknownString, "container_url": unknownString, "upload_condition": unknownString,
				"upload_headers": tfUnknown(tfElem(at("output_files")).(tftypes.Object).AttributeTypes["upload_headers"]),
			}),
			"constraints":    tfObject(at("constraints"), map[string]tftypes.Value{"max_wall_clock_time": unknownString, "max_task_retry_count": unknownNumber}),
			"required_slots": unknownNumber,
			"user_identity":  tfObject(at("user_identity"), map[string]tftypes.Value{"username": unknownString, "auto_user_scope": str("task")}),
			"task_dependencies": tfObject(deps, map[string]tftypes.Value{
				"task_ids": tftypes.NewValue(deps.AttributeTypes["task_ids"], []tftypes.Value{unknownString, str("prep")}),
				"task_id_ranges": tfList(deps.AttributeTypes["task_id_ranges"],
					map[string]tftypes.Value{"start": unknownNumber, "end": num(2)}, // AtLeastSumOf waits
					map[string]tftypes.Value{"start": num(5), "end": unknownNumber},
				),
			}),
			"container_settings": tfObject(container, map[string]tftypes.Value{
				"image_name": unknownString, "working_directory": unknownString,
				"registry":               tfObject(container.AttributeTypes["registry"], map[string]tftypes.Value{"password": unknownString}),
				"host_batch_bind_mounts": tfList(container.AttributeTypes["host_batch_bind_mounts"], map[string]tftypes.Value{"source": unknownString}),
			}),
			"multi_instance_settings": tfObject(multi, map[string]tftypes.Value{
				"number_of_instances": unknownNumber, "coordination_command_line": unknownString,
				"common_resource_files": tfUnknown(multi.AttributeTypes["common_resource_files"]),
			}),
			"exit_conditions": tfObject(exits, map[string]tftypes.Value{
				"exit_codes": tfList(exits.AttributeTypes["exit_codes"], map[string]tftypes.Value{"code": unknownNumber, "job_action": unknownString}),
				"default":    tfUnknown(exits.AttributeTypes["default"]),
			}),
		})
		if len(diags) != 0 {
			t.Fatalf("unknown nested values must pass validation, got %v", diagText(diags))
		}
	})

	deps := at("task_dependencies").(tftypes.Object)
	for name, tc := range map[string]struct {
		args map[string]tftypes.Value
		want string
	}{
		"ExactlyOneOf, two sources": {map[string]tftypes.Value{"resource_files": tfList(at("resource_files"),
			map[string]tftypes.Value{"http_url": str("u"), "storage_container_url": str("s"), "file_path": str("f")})},
			"2 attributes specified when one (and only one) of"},
		"ExactlyOneOf, no source": {map[string]tftypes.Value{"resource_files": tfList(at("resource_files"),
			map[string]tftypes.Value{"file_path": str("f")})},
			"No attribute specified when one (and only one) of"},
		"AlsoRequires": {map[string]tftypes.Value{"resource_files": tfList(at("resource_files"),
			map[string]tftypes.Value{"http_url": str("u")})},
			`Attribute "resource_files[0].file_path" must be specified when "resource_files[0].http_url" is specified`},
		"ConflictsWith, blob prefix": {map[string]tftypes.Value{"resource_files": tfList(at("resource_files"),
			map[string]tftypes.Value{"http_url": str("u"), "file_path": str("f"), "blob_prefix": str("p")})},
			`Attribute "resource_files[0].http_url" cannot be specified when "resource_files[0].blob_prefix" is specified`},
		"ConflictsWith, user": {map[string]tftypes.Value{"user_identity": tfObject(at("user_identity"),
			map[string]tftypes.Value{"username": str("bob"), "auto_user_elevation_level": str("admin")})},
			`Attribute "user_identity.auto_user_elevation_level" cannot be specified when "user_identity.username" is specified`},
		"AtLeastSumOf": {map[string]tftypes.Value{"task_dependencies": tfObject(deps, map[string]tftypes.Value{
			"task_id_ranges": tfList(deps.AttributeTypes["task_id_ranges"], map[string]tftypes.Value{"start": num(5), "end": num(2)})})},
			"value must be at least sum of"},
		"duration": {map[string]tftypes.Value{"constraints": tfObject(at("constraints"), map[string]tftypes.Value{"retention_time": str("P1M")})},
			"years or months"},
	} {
		t.Run("known bad: "+name, func(t *testing.T) {
			diags := validate(t, tc.args)
			if text := diagText(diags); len(diags) == 0 || !strings.Contains(text, tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, text)
			}
		})
	}

	t.Run("data source ids unknown", func(t *testing.T) {
		dsType := schemas.DataSourceSchemas["batchops_azure_batch_task"].ValueType()
		for _, c := range []struct {
			job, task tftypes.Value
			want      string
		}{
			{unknownString, unknownString, ""},
			{str("job-1"), str("bad id!"), "must be 1 to 64 characters"},
		} {
			dv, err := tfprotov6.NewDynamicValue(dsType, tfObject(dsType, map[string]tftypes.Value{"job_id": c.job, "task_id": c.task}))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "batchops_azure_batch_task", Config: &dv})
			if err != nil {
				t.Fatal(err)
			}
			if text := diagText(resp.Diagnostics); (c.want == "") != (len(resp.Diagnostics) == 0) || !strings.Contains(text, c.want) {
				t.Fatalf("job %s, task %s: want %q, got %v", c.job, c.task, c.want, text)
			}
		}
	})
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%s: %s] ", d.Summary, d.Detail)
	}
	return b.String()
}

// Values unknown at plan are checked once known: the plan passes, apply refuses them before
// any request.
func TestAccAzureBatchTask_badValueKnownOnlyAtApplyIsRejected(t *testing.T) {
	e := startEmulator(t)
	runAccTest(t, nil, resource.TestStep{
		Config: azureProviderConfig(e) + `
resource "terraform_data" "x" {
  input = { start = 5, end = 2 }
}
resource "batchops_azure_batch_task" "test" {
  job_id            = "job-1"
  task_id           = "late-check"
  command_line      = "echo hi"
  task_dependencies = { task_id_ranges = [{ start = terraform_data.x.output.start, end = terraform_data.x.output.end }] }
}
`,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectUnknownValue(taskAddr, tfjsonpath.New("task_dependencies").AtMapKey("task_id_ranges").AtSliceIndex(0).AtMapKey("end")),
		}},
		ExpectError: regexp.MustCompile(`Attribute task_dependencies.task_id_ranges\[0\].end value must be at least sum\s+of <.start, got: 2`),
	})
	if n := len(e.RequestsFor(emulator.ServiceAzureBatch)); n != 0 {
		t.Fatalf("a value refused at apply must not reach the service; the emulator saw %d requests", n)
	}
}

// The attribute types next to the models must be the schema's, for the resource and the data
// source alike.
func TestAzureBatchTaskAttrTypesMatchSchema(t *testing.T) {
	ctx := context.Background()
	var rs fwresource.SchemaResponse
	NewAzureBatchTaskResource().Schema(ctx, fwresource.SchemaRequest{}, &rs)
	var ds datasource.SchemaResponse
	NewAzureBatchTaskDataSource().Schema(ctx, datasource.SchemaRequest{}, &ds)
	obj := func(m map[string]attr.Type) attr.Type { return types.ObjectType{AttrTypes: m} }
	list := func(t attr.Type) attr.Type { return types.ListType{ElemType: t} }
	for name, want := range map[string]attr.Type{
		"environment":                    types.MapType{ElemType: types.StringType},
		"resource_files":                 list(resourceFileType),
		"output_files":                   list(outputFileType),
		"constraints":                    obj(constraintsAttrTypes),
		"user_identity":                  obj(userIdentityAttrTypes),
		"task_dependencies":              obj(taskDependenciesAttrTypes),
		"container_settings":             obj(containerSettingsAttrTypes),
		"multi_instance_settings":        obj(multiInstanceSettingsAttrTypes),
		"application_package_references": list(applicationPackageType),
		"exit_conditions":                obj(exitConditionsAttrTypes),
		"failure_info":                   obj(failureInfoAttrTypes),
		"node_info":                      obj(nodeInfoAttrTypes),
	} {
		for kind, typ := range map[string]func() (attr.Type, diag.Diagnostics){
			"resource":    func() (attr.Type, diag.Diagnostics) { return rs.Schema.TypeAtPath(ctx, path.Root(name)) },
			"data source": func() (attr.Type, diag.Diagnostics) { return ds.Schema.TypeAtPath(ctx, path.Root(name)) },
		} {
			got, diags := typ()
			if diags.HasError() || !got.Equal(want) {
				t.Errorf("%s %s: schema type %v, model type %v (%v)", kind, name, got, want, diags)
			}
		}
	}
}
