package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identity (Terraform and OpenTofu 1.12+): every resource names its remote object with
// a few string attributes that never change while the object lives, so that an import block
// can say `identity = { job_id = "...", task_id = "..." }` instead of a composite import ID.
// Older CLIs neither ask for the identity schema nor read the identity in responses.

// identityField is one identity attribute and the state attribute that holds its value.
type identityField struct {
	name        string
	state       path.Path
	description string
}

// identityFields are a resource's identity attributes, in the order of its import ID's parts.
type identityFields []identityField

// schema is the identity schema: every attribute is needed to import.
func (f identityFields) schema() identityschema.Schema {
	attrs := make(map[string]identityschema.Attribute, len(f))
	for _, field := range f {
		attrs[field.name] = identityschema.StringAttribute{RequiredForImport: true, Description: field.description}
	}
	return identityschema.Schema{Attributes: attrs}
}

// set writes the identity from the first of states that holds the resource. Create, Read and
// Update defer it, so that every way they leave state (a failure recording a tainted object
// included) carries the identity. A Read that removes the resource takes it from the prior
// state: the framework wants an identity even then, and a state written by an older CLI has none.
func (f identityFields) set(ctx context.Context, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics, states ...*tfsdk.State) {
	if identity == nil {
		return
	}
	for _, state := range states {
		if state.Raw.IsNull() {
			continue
		}
		for _, field := range f {
			var v types.String
			if d := state.GetAttribute(ctx, field.state, &v); d.HasError() {
				diags.Append(d...)
				return
			}
			diags.Append(identity.SetAttribute(ctx, path.Root(field.name), v)...)
		}
		return
	}
}

// importID is the import ID the request gives, or the one its identity stands for (the
// identity's values joined with "/"), so that both ways of importing share one parser. ok is
// false, with an error in diags, when an identity value is missing.
func (f identityFields) importID(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) (string, bool) {
	if req.ID != "" || req.Identity == nil {
		return req.ID, true
	}
	parts := make([]string, len(f))
	for i, field := range f {
		var v types.String
		diags.Append(req.Identity.GetAttribute(ctx, path.Root(field.name), &v)...)
		if diags.HasError() {
			return "", false
		}
		if v.ValueString() == "" {
			diags.AddError("Invalid import identity", fmt.Sprintf("The identity needs %s.", f.names()))
			return "", false
		}
		parts[i] = v.ValueString()
	}
	return strings.Join(parts, "/"), true
}

func (f identityFields) names() string {
	names := make([]string, len(f))
	for i, field := range f {
		names[i] = field.name
	}
	return strings.Join(names, " and ")
}
