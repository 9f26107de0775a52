package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

// durationType is an ISO 8601 duration string. Values of the same length are semantically
// equal, so the service writing "PT24H" back as "P1D" causes no diff; invalid values are
// rejected at plan time.
type durationType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = durationType{}
	_ basetypes.StringValuableWithSemanticEquals = durationValue{}
	_ xattr.ValidateableAttribute                = durationValue{}
)

func (t durationType) Equal(o attr.Type) bool {
	_, ok := o.(durationType)
	return ok
}

func (t durationType) String() string { return "durationType" }

func (t durationType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return durationValue{StringValue: in}, nil
}

func (t durationType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return durationValue{StringValue: s}, nil
}

func (t durationType) ValueType(context.Context) attr.Value { return durationValue{} }

// durationValue is a value of durationType.
type durationValue struct {
	basetypes.StringValue
}

func durationNull() durationValue { return durationValue{StringValue: basetypes.NewStringNull()} }

func durationFrom(s *string) durationValue {
	return durationValue{StringValue: basetypes.NewStringPointerValue(s)}
}

func (v durationValue) Type(context.Context) attr.Type { return durationType{} }

func (v durationValue) Equal(o attr.Value) bool {
	other, ok := o.(durationValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v durationValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(durationValue)
	if !ok {
		return false, nil
	}
	// Only known values have a length; null or unknown equals only itself.
	if v.IsNull() || v.IsUnknown() || other.IsNull() || other.IsUnknown() {
		return v.StringValue.Equal(other.StringValue), nil
	}
	return azurebatch.EqualDurations(v.ValueString(), other.ValueString()), nil
}

func (v durationValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := azurebatch.ParseDuration(v.ValueString()); err != nil {
		// The path is in the text too: Terraform cannot point at a value inside a map of objects.
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", fmt.Sprintf("%s: %s", req.Path, err))
	}
}
