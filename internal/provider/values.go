package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
	out := make([]string, 0, len(l.Elements()))
	for _, el := range l.Elements() {
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
	out := make(map[string]string, len(m.Elements()))
	for k, el := range m.Elements() {
		if s, ok := el.(types.String); ok {
			out[k] = s.ValueString()
		}
	}
	return out
}
