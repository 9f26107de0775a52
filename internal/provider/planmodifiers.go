package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The replaceUnlessImported modifiers require replacement when a value changes, except right
// after an import. Services such as HPC Pack cannot read every argument back, so an imported
// object has them null in state: its first apply adopts the configured values in place (no API
// call) instead of replacing the object. ImportState marks the object; Update clears the mark.

const (
	importedKey                      = "imported"
	replaceUnlessImportedDescription = "Changing the value replaces the object, except on the first apply after an import, which adopts the configured value."
)

// privateState is the part of the framework's private state data these modifiers use.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func imported(ctx context.Context, private privateState) bool {
	v, _ := private.GetKey(ctx, importedKey)
	return len(v) > 0
}

// updateWithoutService saves an Update that needs no API call (timeouts or waits changed, or an
// imported object adopting its configured arguments): the plan, with the values only the
// service knows copied from state by keep, and the import mark cleared.
func updateWithoutService[M any](ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse, keep func(plan, state *M)) {
	var plan, state M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keep(&plan, &state)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, nil)...)
}

func replaceUnlessImportedString() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !imported(ctx, req.Private)
	}, replaceUnlessImportedDescription, replaceUnlessImportedDescription)
}

func replaceUnlessImportedInt64() planmodifier.Int64 {
	return int64planmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.Int64Request, resp *int64planmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !imported(ctx, req.Private)
	}, replaceUnlessImportedDescription, replaceUnlessImportedDescription)
}

func replaceUnlessImportedBool() planmodifier.Bool {
	return boolplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.BoolRequest, resp *boolplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !imported(ctx, req.Private)
	}, replaceUnlessImportedDescription, replaceUnlessImportedDescription)
}

func replaceUnlessImportedList() planmodifier.List {
	return listplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.ListRequest, resp *listplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !imported(ctx, req.Private)
	}, replaceUnlessImportedDescription, replaceUnlessImportedDescription)
}

func replaceUnlessImportedMap() planmodifier.Map {
	return mapplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !imported(ctx, req.Private)
	}, replaceUnlessImportedDescription, replaceUnlessImportedDescription)
}

// plannedByResource is the last plan modifier of a large nested list or map whose members and
// their attributes have no plan modifiers: it hands the collection to the resource's
// ModifyPlan. terraform-plugin-framework (v1.19) visits every member of a known nested
// collection during attribute plan modification, to run the members' plan modifiers, and for
// each member copies the whole collection from the configuration and from state
// (listElemObject and mapElemObject call Elements()): quadratic, about 13 s of CPU to plan a job
// set of 8000 jobs. Without member plan modifiers the visit changes nothing (defaults and
// unknown computed values are set before it), and the framework skips it for an unknown value. So this modifier leaves the
// collection unknown for that step, and the resource's ModifyPlan, which runs after it, must
// set the collection's planned value in every plan: its configured value, plus whatever the
// resource plans for the members' computed attributes.
type plannedByResource struct{}

var (
	_ planmodifier.List = plannedByResource{}
	_ planmodifier.Map  = plannedByResource{}
)

func (plannedByResource) Description(context.Context) string {
	return "The resource's ModifyPlan plans the collection as a whole."
}

func (m plannedByResource) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (plannedByResource) PlanModifyList(ctx context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	if !req.PlanValue.IsNull() && !req.PlanValue.IsUnknown() {
		resp.PlanValue = types.ListUnknown(req.PlanValue.ElementType(ctx))
	}
}

func (plannedByResource) PlanModifyMap(ctx context.Context, req planmodifier.MapRequest, resp *planmodifier.MapResponse) {
	if !req.PlanValue.IsNull() && !req.PlanValue.IsUnknown() {
		resp.PlanValue = types.MapUnknown(req.PlanValue.ElementType(ctx))
	}
}
