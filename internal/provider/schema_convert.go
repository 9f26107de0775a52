package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

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

// withFixedTypes gives every nested attribute its type once, as its CustomType, at every depth.
// Without it the framework builds a nested attribute's type anew, from all the attributes below
// it, each time it looks a value up by path, which it does for every null value of a plan or
// state: a set of thousands of tasks, each with a dozen unset arguments, paid that per value.
// Every resource's Schema ends with it.
func withFixedTypes(attrs map[string]rschema.Attribute) map[string]rschema.Attribute {
	out := make(map[string]rschema.Attribute, len(attrs))
	for name, a := range attrs {
		switch a := a.(type) {
		case rschema.SingleNestedAttribute:
			a.Attributes = withFixedTypes(a.Attributes)
			if a.CustomType == nil {
				a.CustomType = types.ObjectType{AttrTypes: attributeTypes(a.Attributes)}
			}
			out[name] = a
		case rschema.ListNestedAttribute:
			a.NestedObject = fixedObjectType(a.NestedObject)
			if a.CustomType == nil {
				a.CustomType = types.ListType{ElemType: a.NestedObject.CustomType}
			}
			out[name] = a
		case rschema.MapNestedAttribute:
			a.NestedObject = fixedObjectType(a.NestedObject)
			if a.CustomType == nil {
				a.CustomType = types.MapType{ElemType: a.NestedObject.CustomType}
			}
			out[name] = a
		default:
			out[name] = a
		}
	}
	return out
}

func fixedObjectType(o rschema.NestedAttributeObject) rschema.NestedAttributeObject {
	o.Attributes = withFixedTypes(o.Attributes)
	if o.CustomType == nil {
		o.CustomType = types.ObjectType{AttrTypes: attributeTypes(o.Attributes)}
	}
	return o
}

// attributeTypes are the types of the attributes, by name.
func attributeTypes(attrs map[string]rschema.Attribute) map[string]attr.Type {
	out := make(map[string]attr.Type, len(attrs))
	for name, a := range attrs {
		out[name] = a.GetType()
	}
	return out
}
