package provider

import (
	"context"
	"fmt"
	"strings"

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

// keysUniqueIgnoringCase refuses a map with two keys that differ only in case: the keys are
// ids a service compares without regard to case (Azure Batch task ids).
type keysUniqueIgnoringCase struct{}

func (keysUniqueIgnoringCase) Description(context.Context) string {
	return "keys must differ other than in upper and lower case"
}

func (v keysUniqueIgnoringCase) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (keysUniqueIgnoringCase) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]string{}
	for _, key := range sortedMapKeys(req.ConfigValue.Elements()) {
		folded := strings.ToLower(key)
		if other, dup := seen[folded]; dup {
			resp.Diagnostics.AddAttributeError(req.Path, "Keys differ only in case",
				fmt.Sprintf("%q and %q are the same id to the service, which compares ids without regard to case.", other, key))
			return
		}
		seen[folded] = key
	}
}
