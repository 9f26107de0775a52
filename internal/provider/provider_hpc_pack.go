package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

type hpcPackProviderModel struct {
	Endpoint       types.String `tfsdk:"endpoint"`
	ClusterName    types.String `tfsdk:"cluster_name"`
	Username       types.String `tfsdk:"username"`
	Password       types.String `tfsdk:"password"`
	APIVersion     types.String `tfsdk:"api_version"`
	ResponseFormat types.String `tfsdk:"response_format"`
	BatchEndpoint  types.String `tfsdk:"batch_endpoint"`
	tlsSettingsModel
}

// hpcPackService is the configured HPC Pack client with the provider's credentials, which are
// also the default run-as account of the sessions.
type hpcPackService struct {
	client   *hpcsoa.Client
	username string
	password string
}

func hpcPackProviderSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Microsoft HPC Pack head node with the REST web service (SOA sessions and batches), " +
			"reached over HTTPS with Basic authentication.",
		Optional: true,
		Attributes: withTLSAttributes("(head nodes often use self-signed certificates).", map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Head node URL, e.g. `https://headnode.contoso.com`. Defaults to the `HPC_PACK_ENDPOINT` environment variable.",
				Optional:            true,
			},
			"cluster_name": schema.StringAttribute{
				MarkdownDescription: "Cluster name, for clusters before HPC Pack 2016: URIs then take the form " +
					"`/WindowsHPC/{cluster_name}/...`. Unset: the HPC Pack 2016 form `/WindowsHPC/...`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "User for Basic authentication, e.g. `CONTOSO\\\\alice`; also the sessions' default run-as user. " +
					"Defaults to the `HPC_PACK_USERNAME` environment variable.",
				Optional: true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password of `username`. Defaults to the `HPC_PACK_PASSWORD` environment variable.",
				Optional:            true,
				Sensitive:           true,
			},
			"api_version": schema.StringAttribute{
				MarkdownDescription: "Web service API version sent with every call. Default `" + hpcsoa.DefaultAPIVersion + "`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf("2011-11-01", "2012-03-31.3.4", "2012-11-01.4.0")},
			},
			"response_format": schema.StringAttribute{
				MarkdownDescription: "Format asked for in `Accept`: `xml` (the service's default) or `json`. " +
					"Answers are read in whichever format the service sends.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf("xml", "json")},
			},
			"batch_endpoint": schema.StringAttribute{
				MarkdownDescription: "Where batch operations (send, commit, status, responses, purge) go: `" + hpcsoa.BatchEndpointHeadNode +
					"` (default), or `" + hpcsoa.BatchEndpointBrokerNode + "`, the broker node each session reports (its `broker_node`), " +
					"as the HPC Pack runtime's own client does; choose it when the head node does not serve batches. " +
					"The broker gets the same credentials and CA; a bare broker host name keeps the `endpoint`'s scheme and port. " +
					"Session operations (create, attach, close) always go to `endpoint`. " +
					"Defaults to the `HPC_PACK_BATCH_ENDPOINT` environment variable.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(hpcsoa.BatchEndpointHeadNode, hpcsoa.BatchEndpointBrokerNode)},
			},
		}),
	}
}

// configureHPCPack builds the HPC Pack client from the block and the environment, or says
// which setting is missing or wrong.
func (p *batchopsProvider) configureHPCPack(ctx context.Context, m *hpcPackProviderModel) (*hpcPackService, error) {
	m, err := serviceBlock("hpc_pack", m)
	if err != nil {
		return nil, err
	}

	endpoint := stringOrEnv(m.Endpoint, "HPC_PACK_ENDPOINT")
	username := stringOrEnv(m.Username, "HPC_PACK_USERNAME")
	password := stringOrEnv(m.Password, "HPC_PACK_PASSWORD")
	if endpoint == "" {
		return nil, fmt.Errorf("hpc_pack.endpoint is not set: set it in the provider's hpc_pack block or export HPC_PACK_ENDPOINT")
	}
	if username == "" {
		return nil, fmt.Errorf("hpc_pack.username is not set: set it or export HPC_PACK_USERNAME")
	}
	if password == "" {
		return nil, fmt.Errorf("hpc_pack.password is not set: set it or export HPC_PACK_PASSWORD")
	}
	// The schema checks a configured value at plan time; the variable is checked here.
	batchEndpoint := stringOrEnv(m.BatchEndpoint, "HPC_PACK_BATCH_ENDPOINT")
	if batchEndpoint != "" && batchEndpoint != hpcsoa.BatchEndpointHeadNode && batchEndpoint != hpcsoa.BatchEndpointBrokerNode {
		return nil, fmt.Errorf("hpc_pack.batch_endpoint %q (from HPC_PACK_BATCH_ENDPOINT) must be %s or %s",
			batchEndpoint, hpcsoa.BatchEndpointHeadNode, hpcsoa.BatchEndpointBrokerNode)
	}
	client, err := hpcsoa.New(hpcsoa.Config{
		Endpoint:           endpoint,
		ClusterName:        m.ClusterName.ValueString(),
		Username:           username,
		Password:           password,
		APIVersion:         m.APIVersion.ValueString(),
		ResponseFormat:     m.ResponseFormat.ValueString(),
		BatchEndpoint:      batchEndpoint,
		CACertificateFile:  m.CACertificateFile.ValueString(),
		InsecureSkipVerify: m.InsecureSkipVerify.ValueBool(),
		UserAgent:          p.userAgent(),
		Retry:              p.waits.retryPolicy(),
	})
	if err != nil {
		return nil, fmt.Errorf("hpc_pack: %w", err)
	}
	tflog.Debug(ctx, "configured HPC Pack", map[string]any{"endpoint": endpoint, "cluster_name": m.ClusterName.ValueString(), "username": username,
		"batch_endpoint": batchEndpoint})
	return &hpcPackService{client: client, username: username, password: password}, nil
}

// hpcPack returns the HPC Pack service, or reports how to configure it.
func hpcPack(data *providerData, diags *diag.Diagnostics) *hpcPackService {
	return clientOf(data, func(d *providerData) *service[*hpcPackService] { return &d.hpcPack }, diags)
}

// hpcPackResource is embedded by the HPC Pack resources: it keeps the provider data and reports
// a missing hpc_pack configuration at plan time rather than at apply.
type hpcPackResource struct {
	data *providerData
}

func (r *hpcPackResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (r *hpcPackResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or the provider's configuration is not known yet
	}
	r.data.hpcPack.checkPlan(&resp.Diagnostics)
}
