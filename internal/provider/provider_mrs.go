package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/mrs"
)

type mrsProviderModel struct {
	Region        types.String `tfsdk:"region"`
	Endpoint      types.String `tfsdk:"endpoint"`
	ProjectID     types.String `tfsdk:"project_id"`
	IAMEndpoint   types.String `tfsdk:"iam_endpoint"`
	AccessKey     types.String `tfsdk:"access_key"`
	SecretKey     types.String `tfsdk:"secret_key"`
	SecurityToken types.String `tfsdk:"security_token"`
	tlsSettingsModel
}

func mrsProviderSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Huawei Cloud MapReduce Service (MRS) V2 job API, signed with AK/SK (SDK-HMAC-SHA256) through the official SDK.",
		Optional:            true,
		Attributes: withTLSAttributes("", map[string]schema.Attribute{
			"region": schema.StringAttribute{
				MarkdownDescription: "Region, e.g. `cn-north-4`; the endpoint is derived from it. Defaults to the `HW_REGION_NAME` environment variable.",
				Optional:            true,
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "MRS endpoint URL. Defaults to `https://mrs.{region}.myhuaweicloud.com` (or the region's other domain).",
				Optional:            true,
			},
			"project_id": schema.StringAttribute{
				MarkdownDescription: "Project id (letters and digits). Defaults to the `HW_PROJECT_ID` environment variable. " +
					"When neither is set, the provider looks up the project named after `region` through IAM " +
					"(`GET /v3/projects?name={region}`, signed with the same keys), as the huaweicloud provider does: " +
					"once per provider run, on the first use of an MRS resource or data source, so configurations " +
					"that use no MRS resource make no IAM call. The keys then need permission to list IAM projects.",
				Optional:   true,
				Validators: []validator.String{ruleValidator(mrs.ProjectIDRule, mrs.CheckProjectID)},
			},
			"iam_endpoint": schema.StringAttribute{
				MarkdownDescription: "IAM endpoint URL for the project look-up (only used when `project_id` is not set). " +
					"Defaults to the `HW_IAM_ENDPOINT` environment variable, else `https://iam.{region}.myhuaweicloud.com` " +
					"for the regions the Huawei Cloud SDK lists and `https://iam.myhuaweicloud.com` for the others. " +
					"Set it with `endpoint` when MRS is reached through another address (a private endpoint, the emulator); " +
					"`ca_certificate_file` and `insecure_skip_verify` apply to it too.",
				Optional: true,
			},
			"access_key": schema.StringAttribute{
				MarkdownDescription: "Access key (AK). Defaults to the `HW_ACCESS_KEY` environment variable.",
				Optional:            true,
			},
			"secret_key": schema.StringAttribute{
				MarkdownDescription: "Secret key (SK). Defaults to the `HW_SECRET_KEY` environment variable.",
				Optional:            true,
				Sensitive:           true,
			},
			"security_token": schema.StringAttribute{
				MarkdownDescription: "Security token of temporary credentials. Defaults to the `HW_SECURITY_TOKEN` environment variable.",
				Optional:            true,
				Sensitive:           true,
			},
		}),
	}
}

// configureMRS builds the MRS client from the block and the environment, or says which
// setting is missing or wrong.
func (p *batchopsProvider) configureMRS(ctx context.Context, m *mrsProviderModel) (*mrs.Client, error) {
	m, err := serviceBlock("mrs", m)
	if err != nil {
		return nil, err
	}
	region := stringOrEnv(m.Region, "HW_REGION_NAME")
	endpoint := m.Endpoint.ValueString()
	if endpoint == "" && region != "" {
		endpoint = mrs.DefaultEndpoint(region)
	}
	projectID := stringOrEnv(m.ProjectID, "HW_PROJECT_ID")
	accessKey := stringOrEnv(m.AccessKey, "HW_ACCESS_KEY")
	secretKey := stringOrEnv(m.SecretKey, "HW_SECRET_KEY")
	if endpoint == "" {
		return nil, fmt.Errorf("mrs.region is not set (and no mrs.endpoint): set one in the provider's mrs block or export HW_REGION_NAME")
	}
	if projectID == "" && region == "" {
		return nil, fmt.Errorf("mrs.project_id is not set, and mrs.region is not set either to look it up from: " +
			"set mrs.project_id or export HW_PROJECT_ID, or set mrs.region or export HW_REGION_NAME")
	}
	for _, s := range []struct{ name, env, value string }{
		{"access_key", "HW_ACCESS_KEY", accessKey}, {"secret_key", "HW_SECRET_KEY", secretKey},
	} {
		if s.value == "" {
			return nil, fmt.Errorf("mrs.%s is not set: set it or export %s", s.name, s.env)
		}
	}
	if projectID != "" {
		if err := mrs.CheckProjectID(projectID); err != nil {
			return nil, fmt.Errorf("mrs.project_id (or HW_PROJECT_ID) %q %w", projectID, err)
		}
	}
	// Without a project id, the client looks it up through IAM on its first use, not here:
	// Terraform configures the provider for every command, and a configuration that uses no
	// MRS resource must make no IAM call (nor wait for one), whatever HW_* variables are set.
	client, err := mrs.New(mrs.Config{
		Endpoint:           endpoint,
		ProjectID:          projectID,
		Region:             region,
		IAMEndpoint:        stringOrEnv(m.IAMEndpoint, "HW_IAM_ENDPOINT"),
		AccessKey:          accessKey,
		SecretKey:          secretKey,
		SecurityToken:      stringOrEnv(m.SecurityToken, "HW_SECURITY_TOKEN"),
		CACertificateFile:  m.CACertificateFile.ValueString(),
		InsecureSkipVerify: m.InsecureSkipVerify.ValueBool(),
		UserAgent:          p.userAgent(),
		Retry:              p.waits.retryPolicy(),
	})
	if err != nil {
		return nil, fmt.Errorf("mrs: %w", err)
	}
	if projectID == "" {
		projectID = "(looked up through IAM on first use)"
	}
	tflog.Debug(ctx, "configured MRS", map[string]any{"endpoint": endpoint, "region": region, "project_id": projectID})
	return client, nil
}

// mrsClient returns the MRS client, or reports how to configure it.
func mrsClient(data *providerData, diags *diag.Diagnostics) *mrs.Client {
	return clientOf(data, func(d *providerData) *service[*mrs.Client] { return &d.mrs }, diags)
}

// mrsProjectKnown makes the client look its project up now when mrs.project_id is not set,
// before jobs are submitted: a failed look-up is then one error about the provider's settings,
// not the same error once per job with advice about jobs kept in state.
func mrsProjectKnown(ctx context.Context, client *mrs.Client, diags *diag.Diagnostics) bool {
	if _, err := client.ProjectID(ctx); err != nil {
		diags.AddError("Error looking up the MRS project", err.Error())
		return false
	}
	return true
}
