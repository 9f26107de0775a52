package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

func TestDurationSemanticEquality(t *testing.T) {
	known := func(s string) durationValue { return durationValue{StringValue: basetypes.NewStringValue(s)} }
	unknown := durationValue{StringValue: basetypes.NewStringUnknown()}
	for _, c := range []struct {
		a, b durationValue
		want bool
	}{
		{known("PT24H"), known("P1D"), true},
		{known("PT90M"), known("PT1H30M"), true},
		{known("PT1H"), known("PT2H"), false},
		{unknown, unknown, true},
		{unknown, known("P1D"), false},
		{known("P1D"), unknown, false},
		{durationNull(), durationNull(), true},
		{durationNull(), known("P1D"), false},
	} {
		got, diags := c.a.StringSemanticEquals(context.Background(), c.b)
		if diags.HasError() || got != c.want {
			t.Errorf("%s vs %s: got %v (%v), want %v", c.a, c.b, got, diags, c.want)
		}
	}
}
