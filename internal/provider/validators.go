package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// ruleValidator checks a string against a rule of a service, which its client package states
// once (for example mrs.CheckJobName and mrs.NameRule). Null and unknown values pass: an
// unknown value is checked once Terraform knows it.
func ruleValidator(rule string, check func(string) error) validator.String {
	return serviceRule{rule: rule, check: check}
}

type serviceRule struct {
	rule  string
	check func(string) error
}

var _ validator.String = serviceRule{}

func (v serviceRule) Description(context.Context) string { return v.rule }

func (v serviceRule) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v serviceRule) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Attribute Value Match",
			fmt.Sprintf("Attribute %s %s, got: %s", req.Path, v.rule, req.ConfigValue.ValueString()))
	}
}
