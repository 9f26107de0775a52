package provider

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Conversions between Go values and the framework's collection types. Models hold
// collections as types.List, types.Map and types.Object, which can be unknown at plan time;
// these helpers read them once they are known and build them from what a service returned.

// stringList is a list of strings (empty, not null, for an empty slice).
func stringList(values []string) types.List {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

// stringMap is a map of strings (empty, not null, for an empty map).
func stringMap(values map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(values))
	for k, v := range values {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// listStrings returns the known string elements of a list; null and unknown give nil.
func listStrings(l types.List) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	elems := l.Elements() // a copy each call
	out := make([]string, 0, len(elems))
	for _, el := range elems {
		if s, ok := el.(types.String); ok {
			out = append(out, s.ValueString())
		}
	}
	return out
}

// mapStrings returns the string elements of a map; null and unknown give nil.
func mapStrings(m types.Map) map[string]string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	elems := m.Elements() // a copy each call
	out := make(map[string]string, len(elems))
	for k, el := range elems {
		if s, ok := el.(types.String); ok {
			out[k] = s.ValueString()
		}
	}
	return out
}

// objectAs converts a known object to its model; a null one gives nil. So does an unknown
// one: at apply only an Optional+Computed object can still be unknown, and its values are then
// left to the service.
func objectAs[T any](obj types.Object, diags *diag.Diagnostics) *T {
	if obj.IsNull() || obj.IsUnknown() {
		return nil
	}
	out := new(T)
	setFields(obj.Attributes(), reflect.ValueOf(out).Elem(), diags)
	return out
}

// listAs converts a known list to its elements, values (strings) or models: nil for a null
// list, an empty slice for an empty one (the service tells "none" from "unset" for some
// lists).
func listAs[T any](l types.List, diags *diag.Diagnostics) []T {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	elems := l.Elements()
	out := make([]T, 0, len(elems))
	for _, e := range elems {
		if v, ok := e.(T); ok {
			out = append(out, v)
			continue
		}
		obj, ok := e.(types.Object)
		if !ok {
			diags.AddError("Unexpected list element", fmt.Sprintf("A list element is %T. This is a bug in the provider.", e))
			return nil
		}
		var m T
		setFields(obj.Attributes(), reflect.ValueOf(&m).Elem(), diags)
		out = append(out, m)
	}
	return out
}

// mapAs converts a known map of objects to their models by key; null and unknown give nil.
// Like listAs it reads the attribute values directly (setFields): job sets hold thousands.
func mapAs[T any](m types.Map, diags *diag.Diagnostics) map[string]T {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	elems := m.Elements()
	out := make(map[string]T, len(elems))
	for k, e := range elems {
		obj, ok := e.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			diags.AddError("Unexpected map element", fmt.Sprintf("Map element %q is %s where an object was expected. This is a bug in the provider.", k, e))
			return nil
		}
		var v T
		setFields(obj.Attributes(), reflect.ValueOf(&v).Elem(), diags)
		out[k] = v
	}
	return out
}

// objectOf builds an object of type t from the tfsdk-tagged fields of a model, the reverse of
// setFields, without the framework's conversion through Terraform values (ObjectValueFrom).
func objectOf(t types.ObjectType, model any, diags *diag.Diagnostics) types.Object {
	v := reflect.ValueOf(model)
	fields := modelFields(v.Type())
	attrs := make(map[string]attr.Value, len(fields))
	for _, f := range fields {
		a, ok := v.FieldByIndex(f.index).Interface().(attr.Value)
		if !ok {
			diags.AddError("Unexpected model field", fmt.Sprintf("Field %q of %s is not an attribute value. This is a bug in the provider.", f.name, v.Type()))
			return types.ObjectUnknown(t.AttrTypes)
		}
		attrs[f.name] = a
	}
	return objectValue(t, attrs, diags)
}

// setFields copies an object's attributes into the tfsdk-tagged fields of a model. The values
// already have the fields' types (the attribute types match the schema), so this skips the
// framework's conversion through Terraform values (obj.As), which costs over ten times more:
// the task-set resource expands thousands of tasks.
func setFields(attrs map[string]attr.Value, model reflect.Value, diags *diag.Diagnostics) {
	for _, f := range modelFields(model.Type()) {
		v := reflect.ValueOf(attrs[f.name])
		field := model.FieldByIndex(f.index)
		if !v.IsValid() || !v.Type().AssignableTo(field.Type()) {
			diags.AddError("Unexpected attribute value", fmt.Sprintf("Attribute %q is %T where the model has %s. This is a bug in the provider.", f.name, attrs[f.name], field.Type()))
			return
		}
		field.Set(v)
	}
}

type modelField struct {
	name  string
	index []int // as reflect.Value.FieldByIndex takes it: embedded models are followed
}

var modelFieldCache sync.Map // reflect.Type -> []modelField

func modelFields(t reflect.Type) []modelField {
	if f, ok := modelFieldCache.Load(t); ok {
		fields, _ := f.([]modelField)
		return fields
	}
	var fields []modelField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if name := sf.Tag.Get("tfsdk"); name != "" && name != "-" {
			fields = append(fields, modelField{name: name, index: []int{i}})
		} else if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			for _, inner := range modelFields(sf.Type) {
				fields = append(fields, modelField{name: inner.name, index: append([]int{i}, inner.index...)})
			}
		}
	}
	modelFieldCache.Store(t, fields)
	return fields
}

// unknownOf and nullOf are the unknown and the null value of a type.
func unknownOf(t attr.Type) attr.Value { return valueOf(t, tftypes.UnknownValue) }
func nullOf(t attr.Type) attr.Value    { return valueOf(t, nil) }

func valueOf(t attr.Type, v any) attr.Value {
	ctx := context.Background()
	out, _ := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), v))
	return out
}

// attrOf returns an attribute of a known object (nil when the object is null or unknown),
// reading flattened state without converting the whole object.
func attrOf(obj types.Object, name string) attr.Value {
	if obj.IsNull() || obj.IsUnknown() {
		return nil
	}
	return obj.Attributes()[name]
}

// isNullAttr reports whether the attribute is null or absent (its object is null).
func isNullAttr(obj types.Object, name string) bool {
	v := attrOf(obj, name)
	return v == nil || v.IsNull()
}

// stringOf returns the value of a string element, nil when it is null or unknown.
func stringOf(v attr.Value) *string {
	s, ok := v.(types.String)
	if !ok {
		return nil
	}
	return stringPtr(s)
}

// objectValue, listValue and mapValue build framework values from values of the right types;
// a mismatch is a bug, reported rather than panicking.
func objectValue(t types.ObjectType, values map[string]attr.Value, diags *diag.Diagnostics) types.Object {
	v, d := types.ObjectValue(t.AttrTypes, values)
	diags.Append(d...)
	return v
}

func listValue(elemType attr.Type, elems []attr.Value, diags *diag.Diagnostics) types.List {
	v, d := types.ListValue(elemType, elems)
	diags.Append(d...)
	return v
}

// listOf builds a list with an element made by elem for each item; nil items give a null list.
func listOf[T any](elemType attr.Type, items []T, elem func(T) attr.Value, diags *diag.Diagnostics) types.List {
	if items == nil {
		return types.ListNull(elemType)
	}
	elems := make([]attr.Value, 0, len(items))
	for _, item := range items {
		elems = append(elems, elem(item))
	}
	return listValue(elemType, elems, diags)
}

// nonEmpty is items, or nil when there are none: for lists whose state is null rather than
// empty when the service returns none (see listOf).
func nonEmpty[T any](items []T) []T {
	if len(items) == 0 {
		return nil
	}
	return items
}

func mapValue(elemType attr.Type, elems map[string]attr.Value, diags *diag.Diagnostics) types.Map {
	v, d := types.MapValue(elemType, elems)
	diags.Append(d...)
	return v
}

func stringPtr(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

func int32Ptr(v types.Int64) *int32 {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	i := int32(v.ValueInt64())
	return &i
}

func enumPtr[E ~string](v types.String) *E {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	e := E(v.ValueString())
	return &e
}

func enumValue[E ~string](e *E) types.String {
	if e == nil {
		return types.StringNull()
	}
	return types.StringValue(string(*e))
}

func int64Value(v *int32) types.Int64 {
	if v == nil {
		return types.Int64Null()
	}
	return types.Int64Value(int64(*v))
}

func timeValue(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
