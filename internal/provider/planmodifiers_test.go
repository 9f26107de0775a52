package provider

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// plannedByResource skips the framework's visit of each member of a collection, which is only
// right while no member attribute has a plan modifier; the resource must plan the collection
// itself (TestAccMrsJobSet* and TestAccHpcSoaBatch* show its plans).
func TestPlannedByResourceOnlyOnCollectionsWithoutMemberPlanModifiers(t *testing.T) {
	ctx := context.Background()
	var found []string
	for _, newResource := range (&batchopsProvider{}).Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "batchops"}, &meta)
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		for name, a := range resp.Schema.Attributes {
			mods := reflect.ValueOf(a).FieldByName("PlanModifiers")
			if !mods.IsValid() {
				continue
			}
			at := -1
			for i := range mods.Len() {
				if _, ok := mods.Index(i).Interface().(plannedByResource); ok {
					at = i
				}
			}
			if at < 0 {
				continue
			}
			id := meta.TypeName + "." + name
			found = append(found, id)
			if at != mods.Len()-1 {
				t.Errorf("%s: plannedByResource must be the last plan modifier: those after it would see an unknown value", id)
			}
			if _, ok := r.(resource.ResourceWithModifyPlan); !ok {
				t.Errorf("%s: the resource has no ModifyPlan to plan the collection", id)
			}
			var nested schema.NestedAttributeObject
			switch a := a.(type) {
			case schema.ListNestedAttribute:
				nested = a.NestedObject
			case schema.MapNestedAttribute:
				nested = a.NestedObject
			default:
				t.Errorf("%s: plannedByResource on a %T, not a nested list or map", id, a)
				continue
			}
			if len(nested.PlanModifiers) > 0 {
				t.Errorf("%s: its members have plan modifiers, which plannedByResource would skip", id)
			}
			for _, path := range withPlanModifiers(id, nested.Attributes) {
				t.Errorf("%s has plan modifiers, which plannedByResource would skip", path)
			}
		}
	}
	sort.Strings(found)
	if got, want := strings.Join(found, ", "), "batchops_azure_batch_task_set.tasks, batchops_hpc_soa_batch.requests, batchops_mrs_job_set.jobs"; got != want {
		t.Errorf("plannedByResource is on %q, want %q", got, want)
	}
}

// withPlanModifiers lists the attributes below prefix, at any depth, that have plan modifiers.
func withPlanModifiers(prefix string, attrs map[string]schema.Attribute) []string {
	var out []string
	for name, a := range attrs {
		path := prefix + "." + name
		if m := reflect.ValueOf(a).FieldByName("PlanModifiers"); m.IsValid() && m.Len() > 0 {
			out = append(out, path)
		}
		switch a := a.(type) {
		case schema.SingleNestedAttribute:
			out = append(out, withPlanModifiers(path, a.Attributes)...)
		case schema.ListNestedAttribute:
			out = append(out, withPlanModifiers(path, a.NestedObject.Attributes)...)
		case schema.MapNestedAttribute:
			out = append(out, withPlanModifiers(path, a.NestedObject.Attributes)...)
		}
	}
	return out
}
