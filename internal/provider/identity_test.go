package provider

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// runIdentityTest runs steps as runAccTest does, on CLIs that know resource identity
// (Terraform and OpenTofu 1.12+); older ones skip the test.
func runIdentityTest(t *testing.T, checkDestroy resource.TestCheckFunc, steps ...resource.TestStep) {
	t.Helper()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		CheckDestroy:             checkDestroy,
		Steps:                    steps,
	})
}

// expectIdentity checks the identity in state: each attribute as want says.
func expectIdentity(addr string, want map[string]string) statecheck.StateCheck {
	checks := make(map[string]knownvalue.Check, len(want))
	for name, value := range want {
		checks[name] = knownvalue.StringExact(value)
	}
	return statecheck.ExpectIdentity(addr, checks)
}

// importByIdentityStep imports addr again with an `import` block that names it by the identity
// the previous steps left in state (the harness writes the block), under the previous step's
// configuration; the harness fails the step unless the plan imports it with that identity and
// nothing else to do.
func importByIdentityStep(addr string) resource.TestStep {
	return resource.TestStep{
		ResourceName:    addr,
		ImportState:     true,
		ImportStateKind: resource.ImportBlockWithResourceIdentity,
	}
}

// Every resource has an identity, and each identity attribute is needed to import; a Read
// that removes a resource whose state has no identity yet (written by an older CLI) still
// answers with one, which the framework requires.
func TestIdentity_everyResourceAndRemovalWithoutPriorIdentity(t *testing.T) {
	ctx := context.Background()
	p := newProvider("test", testWaits)
	want := map[string][]string{
		"batchops_azure_batch_task":     {"job_id", "task_id"},
		"batchops_azure_batch_job":      {"job_id"},
		"batchops_azure_batch_task_set": {"job_id"},
		"batchops_hpc_soa_session":      {"session_id"},
		"batchops_hpc_soa_batch":        {"batch_name", "session_id"},
		"batchops_mrs_job_set":          {"cluster_id"},
	}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta fwresource.MetadataResponse
		r.Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: "batchops"}, &meta)
		withIdentity, ok := r.(fwresource.ResourceWithIdentity)
		if !ok {
			t.Errorf("%s has no identity", meta.TypeName)
			continue
		}
		var resp fwresource.IdentitySchemaResponse
		withIdentity.IdentitySchema(ctx, fwresource.IdentitySchemaRequest{}, &resp)
		var names []string
		for name, a := range resp.IdentitySchema.Attributes {
			names = append(names, name)
			if !a.IsRequiredForImport() {
				t.Errorf("%s: identity attribute %s should be required for import", meta.TypeName, name)
			}
		}
		if slices.Sort(names); !slices.Equal(names, want[meta.TypeName]) {
			t.Errorf("%s: identity attributes %v, want %v", meta.TypeName, names, want[meta.TypeName])
		}
		delete(want, meta.TypeName)
	}
	if len(want) > 0 {
		t.Errorf("resources not served: %v", want)
	}

	// The task's Read against an emulator that has no such task: it removes the resource and
	// still answers with the identity, taken from the prior state.
	e := startEmulator(t)
	r, schemaResp := directTaskResource(t, e)
	var identitySchema fwresource.IdentitySchemaResponse
	r.IdentitySchema(ctx, fwresource.IdentitySchemaRequest{}, &identitySchema)
	prior := tfsdk.State{Schema: schemaResp.Schema, Raw: createPlan(schemaResp, map[string]tftypes.Value{
		"id":      tftypes.NewValue(tftypes.String, testJob+"/gone"),
		"job_id":  tftypes.NewValue(tftypes.String, testJob),
		"task_id": tftypes.NewValue(tftypes.String, "gone"),
	}).Raw}
	nullIdentity := tftypes.NewValue(identitySchema.IdentitySchema.Type().TerraformType(ctx), nil)
	resp := fwresource.ReadResponse{
		State:    prior,
		Identity: &tfsdk.ResourceIdentity{Schema: identitySchema.IdentitySchema, Raw: nullIdentity},
	}
	r.Read(ctx, fwresource.ReadRequest{State: prior}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("read: %s", diagsText(resp.Diagnostics))
	}
	if !resp.State.Raw.IsNull() {
		t.Fatalf("the missing task should be removed from state")
	}
	for name, want := range map[string]string{"job_id": testJob, "task_id": "gone"} {
		var got types.String
		resp.Diagnostics.Append(resp.Identity.GetAttribute(ctx, path.Root(name), &got)...)
		if got.ValueString() != want {
			t.Errorf("identity %s = %q, want %q (%s)", name, got, want, diagsText(resp.Diagnostics))
		}
	}
}
