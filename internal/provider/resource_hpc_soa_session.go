package provider

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

var (
	_ resource.Resource                = (*hpcSOASessionResource)(nil)
	_ resource.ResourceWithConfigure   = (*hpcSOASessionResource)(nil)
	_ resource.ResourceWithImportState = (*hpcSOASessionResource)(nil)
	_ resource.ResourceWithIdentity    = (*hpcSOASessionResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*hpcSOASessionResource)(nil)
)

const (
	sessionCreateTimeout = 15 * time.Minute
	sessionReadTimeout   = 5 * time.Minute
	sessionDeleteTimeout = 10 * time.Minute
)

// NewHPCSOASessionResource is the batchops_hpc_soa_session resource.
func NewHPCSOASessionResource() resource.Resource {
	return &hpcSOASessionResource{}
}

// Configure and ModifyPlan come from hpcPackResource.
type hpcSOASessionResource struct {
	hpcPackResource
}

type hpcSOASessionModel struct {
	ID                      types.String   `tfsdk:"id"`
	ServiceName             types.String   `tfsdk:"service_name"`
	ServiceVersion          types.String   `tfsdk:"service_version"`
	Durable                 types.Bool     `tfsdk:"durable"`
	MaxMessageSize          types.Int64    `tfsdk:"max_message_size"`
	RuntimeSeconds          types.Int64    `tfsdk:"runtime_seconds"`
	JobTemplate             types.String   `tfsdk:"job_template"`
	NodeGroups              types.List     `tfsdk:"node_groups"`
	MinUnits                types.Int64    `tfsdk:"min_units"`
	MaxUnits                types.Int64    `tfsdk:"max_units"`
	ResourceUnitType        types.String   `tfsdk:"resource_unit_type"`
	Priority                types.String   `tfsdk:"priority"`
	Environment             types.Map      `tfsdk:"environment"`
	ShareSession            types.Bool     `tfsdk:"share_session"`
	Username                types.String   `tfsdk:"username"`
	Password                types.String   `tfsdk:"password"`
	PasswordWO              types.String   `tfsdk:"password_wo"`
	PasswordWOVersion       types.Int64    `tfsdk:"password_wo_version"`
	ServiceJobName          types.String   `tfsdk:"service_job_name"`
	BrokerNode              types.String   `tfsdk:"broker_node"`
	IsDurable               types.Bool     `tfsdk:"is_durable"`
	ServiceOperationTimeout types.Int64    `tfsdk:"service_operation_timeout"`
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

func (r *hpcSOASessionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_hpc_soa_session"
}

func (r *hpcSOASessionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceString := []planmodifier.String{replaceUnlessImportedString()}
	replaceInt64 := []planmodifier.Int64{replaceUnlessImportedInt64()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An HPC Pack SOA session: a service job whose brokers and service hosts answer batches of " +
			"requests. `terraform apply` creates it (Create Session); `terraform destroy` closes it (Close Session), which " +
			"ends the job and deletes its responses. Sessions cannot change: any change replaces the session. " +
			"Attach only reports the broker node, durability and message size, so after an import the first apply " +
			"adopts the other arguments from the configuration.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Session id (the service job id).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"service_name": schema.StringAttribute{
				MarkdownDescription: "Registered SOA service name (its configuration file name without `.config`), e.g. `EchoService`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replaceString,
			},
			"service_version": schema.StringAttribute{
				MarkdownDescription: "Service version to use, e.g. `1.0`. Unset: the service's default version.",
				Optional:            true,
				Validators:          []validator.String{ruleValidator(hpcsoa.ServiceVersionRule, hpcsoa.CheckServiceVersion)},
				PlanModifiers:       replaceString,
			},
			"durable": schema.BoolAttribute{
				MarkdownDescription: "Create a durable session, whose requests and responses survive broker failures. Default `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{replaceUnlessImportedBool()},
			},
			"max_message_size": schema.Int64Attribute{
				MarkdownDescription: "Largest message, in bytes, the session accepts. Default `65536`.",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(65536),
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers:       replaceInt64,
			},
			"runtime_seconds": schema.Int64Attribute{
				MarkdownDescription: "Longest time the session's job may run, in seconds; `-1` (the default) for no limit.",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(-1),
				Validators:          []validator.Int64{int64validator.AtLeast(-1)},
				PlanModifiers:       replaceInt64,
			},
			"job_template": schema.StringAttribute{
				MarkdownDescription: "Job template of the service job. Unset: the cluster's default template.",
				Optional:            true,
				PlanModifiers:       replaceString,
			},
			"node_groups": schema.ListAttribute{
				MarkdownDescription: "Node groups the service job may run on.",
				Optional:            true,
				ElementType:         types.StringType,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
				PlanModifiers:       []planmodifier.List{replaceUnlessImportedList()},
			},
			"min_units": schema.Int64Attribute{
				MarkdownDescription: "Fewest resource units (see `resource_unit_type`) the job needs.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers:       replaceInt64,
			},
			"max_units": schema.Int64Attribute{
				MarkdownDescription: "Most resource units the job may use.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1), int64validator.AtLeastSumOf(path.MatchRoot("min_units"))},
				PlanModifiers:       replaceInt64,
			},
			"resource_unit_type": schema.StringAttribute{
				MarkdownDescription: "Unit of `min_units` and `max_units`: `Core`, `Socket` or `Node`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(hpcsoa.ResourceUnitTypes...)},
				PlanModifiers:       replaceString,
			},
			"priority": schema.StringAttribute{
				MarkdownDescription: "Job priority: `Lowest`, `BelowNormal`, `Normal`, `AboveNormal` or `Highest`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(hpcsoa.JobPriorities...)},
				PlanModifiers:       replaceString,
			},
			"environment": schema.MapAttribute{
				MarkdownDescription: "Environment variables of the service hosts.",
				Optional:            true,
				ElementType:         types.StringType,
				PlanModifiers:       []planmodifier.Map{replaceUnlessImportedMap()},
			},
			"share_session": schema.BoolAttribute{
				MarkdownDescription: "Let other users send batches to the session. Default `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{replaceUnlessImportedBool()},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "Run-as user of the service job, e.g. `CONTOSO\\\\svc-soa` (at most 80 characters). Unset: the provider's `hpc_pack.username`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, hpcsoa.MaxUsernameLength)},
				PlanModifiers:       replaceString,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Run-as password, stored (sensitive) in state. Prefer `password_wo` with Terraform 1.11 or later. " +
					"Unset (and no `password_wo`): the provider's `hpc_pack.password`.",
				Optional:      true,
				Sensitive:     true,
				Validators:    []validator.String{stringvalidator.LengthBetween(1, hpcsoa.MaxPasswordLength), stringvalidator.ConflictsWith(path.MatchRoot("password_wo"))},
				PlanModifiers: replaceString,
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "Run-as password, write-only: sent to the service and never stored in state (Terraform 1.11 or later). " +
					"Change `password_wo_version` to send a new one (which replaces the session).",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, hpcsoa.MaxPasswordLength), stringvalidator.AlsoRequires(path.MatchRoot("password_wo_version"))},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Version of `password_wo`; changing it replaces the session with one created with the new password.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
				PlanModifiers:       replaceInt64,
			},
			"service_job_name": schema.StringAttribute{
				MarkdownDescription: "Name of the session's service job (at most 80 characters). Unset: a unique name " +
					"(`batchops-` and 16 hex digits) is generated and kept in state. When the answer to Create Session is lost, " +
					"the provider finds the session by this name among the open jobs, so a name you set must not be shared " +
					"by another open session. Empty after an import (the service does not report it).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, hpcsoa.MaxServiceJobNameLength)},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					replaceUnlessImportedString(),
				},
			},
			"broker_node": schema.StringAttribute{
				MarkdownDescription: "Broker node serving the session, as the web service reports it. With `hpc_pack.batch_endpoint = \"broker_node\"` " +
					"the session's batch operations go to this node.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"is_durable": schema.BoolAttribute{
				MarkdownDescription: "Whether the service reports the session as durable.",
				Computed:            true,
			},
			"service_operation_timeout": schema.Int64Attribute{
				MarkdownDescription: "Timeout of one service operation, in milliseconds, as the service reports it.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Delete: true}),
		},
	}
	resp.Schema.Attributes = withFixedTypes(resp.Schema.Attributes) // cheap type look-ups in the framework
}

// sessionIdentity is the session's identity: its id, the import ID.
var sessionIdentity = identityFields{
	{name: "session_id", state: path.Root("id"), description: "Id of the session (a number)."},
}

func (r *hpcSOASessionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = sessionIdentity.schema()
}

func (r *hpcSOASessionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer sessionIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State)
	var plan, config hpcSOASessionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// Write-only values are only in the configuration.
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc := hpcPack(r.data, &resp.Diagnostics)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, sessionCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	start := hpcsoa.SessionStartInfo{
		ServiceName:      plan.ServiceName.ValueString(),
		ServiceVersion:   plan.ServiceVersion.ValueString(),
		Durable:          plan.Durable.ValueBool(),
		MaxMessageSize:   plan.MaxMessageSize.ValueInt64(),
		RuntimeSeconds:   int(plan.RuntimeSeconds.ValueInt64()),
		JobTemplate:      plan.JobTemplate.ValueString(),
		MinUnits:         intPtr(plan.MinUnits),
		MaxUnits:         intPtr(plan.MaxUnits),
		ResourceUnitType: plan.ResourceUnitType.ValueString(),
		Priority:         plan.Priority.ValueString(),
		ShareSession:     plan.ShareSession.ValueBool(),
		Username:         svc.username,
		Password:         svc.password,
		// Unknown (unset): the client generates one.
		ServiceJobName: plan.ServiceJobName.ValueString(),
	}
	start.NodeGroups = listStrings(plan.NodeGroups)
	if env := mapStrings(plan.Environment); len(env) > 0 {
		start.Environment = env
	}
	if !plan.Username.IsNull() {
		start.Username = plan.Username.ValueString()
	}
	switch {
	case !config.PasswordWO.IsNull():
		start.Password = config.PasswordWO.ValueString()
	case !plan.Password.IsNull():
		start.Password = plan.Password.ValueString()
	}

	info, err := svc.client.CreateSession(ctx, start)
	if err != nil {
		if info != nil {
			// The session exists (found by its job name after an unknown outcome) but could not
			// be read: record it, tainted, so refresh and destroy find it.
			setSessionInfo(&plan, info)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		}
		resp.Diagnostics.AddError("Error creating HPC Pack SOA session", describeHPCError(err))
		return
	}
	tflog.Info(ctx, "created HPC Pack SOA session", map[string]any{"session_id": info.ID})
	setSessionInfo(&plan, info)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// setSessionInfo stores what the service reported; the job name only when the client knows it
// (Create, not Attach).
func setSessionInfo(m *hpcSOASessionModel, info *hpcsoa.SessionInfo) {
	m.ID = types.StringValue(strconv.Itoa(info.ID))
	if info.ServiceJobName != "" {
		m.ServiceJobName = types.StringValue(info.ServiceJobName)
	}
	m.BrokerNode = types.StringValue(info.BrokerNode)
	m.IsDurable = types.BoolValue(info.IsDurable)
	m.ServiceOperationTimeout = types.Int64Value(int64(info.ServiceOperationTimeout))
}

func (r *hpcSOASessionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer sessionIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	state, ctx, cancel := begin[hpcSOASessionModel](ctx, req.State.Get, timeouts.Value.Read, sessionReadTimeout, &resp.Diagnostics)
	defer cancel()
	svc := hpcPack(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id, ok := sessionID(state.ID, &resp.Diagnostics)
	if !ok {
		return
	}

	var info *hpcsoa.SessionInfo
	var err error
	if state.Durable.IsNull() {
		// Imported: the session's kind is not known yet.
		info, err = svc.client.AttachSessionAnyKind(ctx, id)
	} else {
		info, err = svc.client.AttachSession(ctx, id, state.Durable.ValueBool())
	}
	if hpcsoa.IsSessionGone(err) {
		tflog.Warn(ctx, "HPC Pack SOA session is closed or unknown: removing it from state", map[string]any{"session_id": id})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading HPC Pack SOA session", describeHPCError(err))
		return
	}
	setSessionInfo(&state, info)
	if state.Durable.IsNull() {
		state.Durable = types.BoolValue(info.IsDurable)
		state.MaxMessageSize = types.Int64Value(info.MaxMessageSize)
		if info.ServiceVersion != "" {
			state.ServiceVersion = types.StringValue(info.ServiceVersion)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// sessionID parses the session id kept in state.
func sessionID(v types.String, diags *diag.Diagnostics) (int, bool) {
	id, err := hpcsoa.ParseSessionID(v.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("id"), "Invalid session id", err.Error()+".")
		return 0, false
	}
	return id, true
}

// Update only runs when nothing needs the service: timeouts changed, or an imported session
// adopts its configured arguments.
func (r *hpcSOASessionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer sessionIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	updateWithoutService(ctx, req, resp, func(plan, state *hpcSOASessionModel) {
		plan.ID, plan.BrokerNode, plan.IsDurable, plan.ServiceOperationTimeout = state.ID, state.BrokerNode, state.IsDurable, state.ServiceOperationTimeout
	})
}

func (r *hpcSOASessionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := begin[hpcSOASessionModel](ctx, req.State.Get, timeouts.Value.Delete, sessionDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	svc := hpcPack(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id, ok := sessionID(state.ID, &resp.Diagnostics)
	if !ok {
		return
	}
	err := svc.client.CloseSession(ctx, id)
	if hpcsoa.IsSessionGone(err) {
		// Already closed (or never known): nothing is left to clean up.
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error closing HPC Pack SOA session", describeHPCError(err))
		return
	}
	tflog.Info(ctx, "closed HPC Pack SOA session", map[string]any{"session_id": id})
}

func (r *hpcSOASessionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := sessionIdentity.importID(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	if hpcsoa.CheckSessionID(id) != nil {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Expected the numeric session id, got %q.", id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, []byte(`true`))...)
}

// describeHPCError turns client errors into advice a user can act on.
func describeHPCError(err error) string {
	if hpcsoa.IsAuthFailure(err) {
		return "The HPC Pack web service rejected the credentials. Check hpc_pack.username and hpc_pack.password " +
			"(HPC_PACK_USERNAME / HPC_PACK_PASSWORD), or the session's run-as username and password.\n\nOriginal Error: " + err.Error()
	}
	return err.Error()
}

func intPtr(v types.Int64) *int {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	i := int(v.ValueInt64())
	return &i
}
