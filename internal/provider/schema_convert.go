package provider

import (
	"fmt"

	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// computedDataSourceAttributes turns resource attributes into read-only data source attributes,
// so a data source that shows a resource's object does not restate its schema.
func computedDataSourceAttributes(attrs map[string]rschema.Attribute) map[string]dschema.Attribute {
	out := make(map[string]dschema.Attribute, len(attrs))
	for name, a := range attrs {
		out[name] = computedDataSourceAttribute(a)
	}
	return out
}

func computedDataSourceAttribute(a rschema.Attribute) dschema.Attribute {
	desc := a.GetMarkdownDescription()
	switch a := a.(type) {
	case rschema.StringAttribute:
		return dschema.StringAttribute{MarkdownDescription: desc, Computed: true, Sensitive: a.Sensitive, CustomType: a.CustomType}
	case rschema.Int64Attribute:
		return dschema.Int64Attribute{MarkdownDescription: desc, Computed: true, Sensitive: a.Sensitive}
	case rschema.BoolAttribute:
		return dschema.BoolAttribute{MarkdownDescription: desc, Computed: true, Sensitive: a.Sensitive}
	case rschema.MapAttribute:
		return dschema.MapAttribute{MarkdownDescription: desc, Computed: true, Sensitive: a.Sensitive, ElementType: a.ElementType}
	case rschema.ListAttribute:
		return dschema.ListAttribute{MarkdownDescription: desc, Computed: true, Sensitive: a.Sensitive, ElementType: a.ElementType}
	case rschema.SingleNestedAttribute:
		return dschema.SingleNestedAttribute{MarkdownDescription: desc, Computed: true, Sensitive: a.Sensitive,
			Attributes: computedDataSourceAttributes(a.Attributes)}
	case rschema.ListNestedAttribute:
		return dschema.ListNestedAttribute{MarkdownDescription: desc, Computed: true, Sensitive: a.Sensitive,
			NestedObject: dschema.NestedAttributeObject{Attributes: computedDataSourceAttributes(a.NestedObject.Attributes)}}
	}
	panic(fmt.Sprintf("computedDataSourceAttribute: unsupported attribute type %T", a))
}

// withoutPlanModifiers returns the attributes without their plan modifiers, at every depth.
// A task inside a task set is planned by the set as a whole: a RequiresReplace on one task's
// attribute would replace the whole set, and UseStateForUnknown would keep the values of a task
// the set replaces.
func withoutPlanModifiers(attrs map[string]rschema.Attribute) map[string]rschema.Attribute {
	out := make(map[string]rschema.Attribute, len(attrs))
	for name, a := range attrs {
		switch a := a.(type) {
		case rschema.StringAttribute:
			a.PlanModifiers = nil
			out[name] = a
		case rschema.Int64Attribute:
			a.PlanModifiers = nil
			out[name] = a
		case rschema.BoolAttribute:
			a.PlanModifiers = nil
			out[name] = a
		case rschema.MapAttribute:
			a.PlanModifiers = nil
			out[name] = a
		case rschema.ListAttribute:
			a.PlanModifiers = nil
			out[name] = a
		case rschema.SingleNestedAttribute:
			a.PlanModifiers, a.Attributes = nil, withoutPlanModifiers(a.Attributes)
			out[name] = a
		case rschema.ListNestedAttribute:
			a.PlanModifiers, a.NestedObject.Attributes = nil, withoutPlanModifiers(a.NestedObject.Attributes)
			out[name] = a
		default:
			panic(fmt.Sprintf("withoutPlanModifiers: unsupported attribute type %T", a))
		}
	}
	return out
}
