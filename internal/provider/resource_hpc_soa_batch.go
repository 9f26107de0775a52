package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

var (
	_ resource.Resource                   = (*hpcSOABatchResource)(nil)
	_ resource.ResourceWithConfigure      = (*hpcSOABatchResource)(nil)
	_ resource.ResourceWithImportState    = (*hpcSOABatchResource)(nil)
	_ resource.ResourceWithIdentity       = (*hpcSOABatchResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*hpcSOABatchResource)(nil)
	_ resource.ResourceWithValidateConfig = (*hpcSOABatchResource)(nil)
)

const (
	batchCreateTimeout = 60 * time.Minute
	batchReadTimeout   = 5 * time.Minute
	batchDeleteTimeout = 10 * time.Minute
)

// NewHPCSOABatchResource is the batchops_hpc_soa_batch resource.
func NewHPCSOABatchResource() resource.Resource {
	return &hpcSOABatchResource{}
}

// Configure comes from hpcPackResource, and so does ModifyPlan after requests are planned.
type hpcSOABatchResource struct {
	hpcPackResource
}

type hpcSOABatchModel struct {
	ID                types.String   `tfsdk:"id"`
	SessionID         types.String   `tfsdk:"session_id"`
	Name              types.String   `tfsdk:"name"`
	Requests          types.List     `tfsdk:"requests"`
	GenericService    types.Bool     `tfsdk:"generic_service"`
	Commit            types.Bool     `tfsdk:"commit"`
	WaitForCompletion types.Bool     `tfsdk:"wait_for_completion"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
	Status            types.String   `tfsdk:"status"`
	StatusCode        types.Int64    `tfsdk:"status_code"`
	RequestCount      types.Int64    `tfsdk:"request_count"`
	MessageIDs        types.List     `tfsdk:"message_ids"`
}

// soaRequestFields returns the attributes of one element of requests. Elements are read
// directly rather than through reflection: batches hold thousands of them.
func soaRequestFields(v attr.Value) (action, body, userData types.String, known bool) {
	obj, ok := v.(types.Object)
	if !ok || obj.IsNull() || obj.IsUnknown() {
		return types.StringNull(), types.StringNull(), types.StringNull(), false
	}
	attrs := obj.Attributes()
	action, _ = attrs["action"].(types.String)
	body, _ = attrs["body"].(types.String)
	userData, _ = attrs["user_data"].(types.String)
	return action, body, userData, true
}

func (r *hpcSOABatchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_hpc_soa_batch"
}

func (r *hpcSOABatchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A batch of requests sent to an HPC Pack SOA session. `terraform apply` sends the requests " +
			"(Send Requests, in chunks for large batches; the last one commits the batch); `terraform destroy` purges the batch " +
			"(`POST .../batch/{name}/Purge`), removing its requests and responses from the broker. Batches cannot " +
			"change: any change replaces the batch.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`session_id/name`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"session_id": schema.StringAttribute{
				MarkdownDescription: "Id of the session, e.g. `batchops_hpc_soa_session.example.id`.",
				Required:            true,
				Validators:          []validator.String{ruleValidator(hpcsoa.SessionIDRule, hpcsoa.CheckSessionID)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Batch name (the broker's client id): 1 to 128 letters, digits, `_`, `-`, `{` and `}`.",
				Required:            true,
				Validators:          []validator.String{ruleValidator(hpcsoa.BatchNameRule, hpcsoa.ValidBatchName)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"requests": schema.ListNestedAttribute{
				MarkdownDescription: "The requests, in order.",
				Required:            true,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				PlanModifiers:       []planmodifier.List{replaceUnlessImportedList(), plannedByResource{}},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"action": schema.StringAttribute{
						MarkdownDescription: "SOAP action of the operation, e.g. `http://tempuri.org/IEchoSvc/Echo`. Required unless `generic_service` is set.",
						Optional:            true,
					},
					"body": schema.StringAttribute{
						MarkdownDescription: "The operation element of the SOAP body, e.g. `<Echo xmlns=\"http://tempuri.org/\"><input>hi</input></Echo>`; " +
							"with `generic_service`, the raw input text.",
						Required: true,
					},
					"user_data": schema.StringAttribute{
						MarkdownDescription: "Text returned with the request's response (at most 1024 characters).",
						Optional:            true,
						Validators:          []validator.String{stringvalidator.LengthAtMost(hpcsoa.MaxUserDataLength)},
					},
				}},
			},
			"generic_service": schema.BoolAttribute{
				MarkdownDescription: "The session runs a generic service: `requests[*].body` is the raw input. Default `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{replaceUnlessImportedBool()},
			},
			"commit": schema.BoolAttribute{
				MarkdownDescription: "Commit the batch after sending, so the broker processes it. Default `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				PlanModifiers:       []planmodifier.Bool{replaceUnlessImportedBool()},
			},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: "Wait, within `timeouts.create`, until the batch is `Finished`. Needs `commit`. Default `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Delete: true}),
			"status": schema.StringAttribute{
				MarkdownDescription: "Batch status: `Unknown`, `Ready` (not committed), `Processing` or `Finished`.",
				Computed:            true,
			},
			"status_code": schema.Int64Attribute{
				MarkdownDescription: "Batch status as a number: 0 Unknown, 1 Ready, 2 Processing, 3 Finished.",
				Computed:            true,
			},
			"request_count": schema.Int64Attribute{
				MarkdownDescription: "Number of requests sent.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"message_ids": schema.ListAttribute{
				MarkdownDescription: "WS-Addressing message ids of the requests, in order; responses relate to them.",
				Computed:            true,
				ElementType:         types.StringType,
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
		},
	}
	resp.Schema.Attributes = withFixedTypes(resp.Schema.Attributes) // cheap type look-ups in the framework
}

// ModifyPlan plans requests as configured (plannedByResource left them unknown): none of their
// attributes is computed.
func (r *hpcSOABatchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var requests types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("requests"), &requests)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("requests"), requests)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.hpcPackResource.ModifyPlan(ctx, req, resp)
}

func (r *hpcSOABatchResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m hpcSOABatchModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.WaitForCompletion.ValueBool() && !m.Commit.IsNull() && !m.Commit.IsUnknown() && !m.Commit.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("wait_for_completion"), "Invalid batch settings",
			"wait_for_completion needs commit = true: an uncommitted batch is never processed.")
	}
	// Requests built by a for expression, or from values known only after apply, are checked
	// once they are known: Terraform validates the configuration again before applying it.
	if m.GenericService.ValueBool() || m.GenericService.IsUnknown() || m.Requests.IsUnknown() {
		return
	}
	for i, el := range m.Requests.Elements() {
		if action, _, _, known := soaRequestFields(el); known && action.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("requests").AtListIndex(i).AtName("action"), "Missing request action",
				"Every request needs an action unless generic_service is true.")
		}
	}
}

// batchIdentity is the batch's identity: its session and name, the parts of its import ID.
var batchIdentity = identityFields{
	{name: "session_id", state: path.Root("session_id"), description: "Id of the session the batch belongs to."},
	{name: "batch_name", state: path.Root("name"), description: "Name of the batch within the session."},
}

func (r *hpcSOABatchResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = batchIdentity.schema()
}

func (r *hpcSOABatchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer batchIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State)
	plan, ctx, cancel := begin[hpcSOABatchModel](ctx, req.Plan.Get, timeouts.Value.Create, batchCreateTimeout, &resp.Diagnostics)
	defer cancel()
	svc := hpcPack(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sessionID, _ := hpcsoa.ParseSessionID(plan.SessionID.ValueString())
	name := plan.Name.ValueString()
	ctx = tflog.SetField(ctx, "batch", plan.SessionID.ValueString()+"/"+name)

	elements := plan.Requests.Elements()
	requests := make([]hpcsoa.Request, len(elements))
	ids := make([]string, len(elements))
	for i, el := range elements {
		action, body, userData, _ := soaRequestFields(el)
		ids[i] = hpcsoa.NewMessageID()
		requests[i] = hpcsoa.Request{Action: action.ValueString(), Body: body.ValueString(), UserData: userData.ValueString(), MessageID: ids[i]}
	}
	plan.ID = types.StringValue(plan.SessionID.ValueString() + "/" + name)
	plan.RequestCount = types.Int64Value(int64(len(requests)))
	var diags diag.Diagnostics
	plan.MessageIDs, diags = types.ListValueFrom(ctx, types.StringType, ids)
	resp.Diagnostics.Append(diags...)
	plan.Status, plan.StatusCode = types.StringNull(), types.Int64Null()

	// From the first send on, requests may exist on the broker: whatever happens, state records
	// the batch (tainted on error) so that destroy purges it.
	if err := svc.client.SendBatch(ctx, sessionID, name, plan.GenericService.ValueBool(), plan.Commit.ValueBool(), requests); err != nil {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.AddError("Error sending HPC Pack SOA requests", describeHPCError(err))
		return
	}
	tflog.Info(ctx, "sent HPC Pack SOA batch", map[string]any{"requests": len(requests), "committed": plan.Commit.ValueBool()})

	status, err := svc.client.BatchStatus(ctx, sessionID, name)
	if err == nil && plan.WaitForCompletion.ValueBool() && status != hpcsoa.StatusFinished {
		err = r.data.pollUntil(ctx, fmt.Sprintf("batch %d/%s to finish", sessionID, name), status.String(),
			func(ctx context.Context) (bool, string, error) {
				s, err := svc.client.BatchStatus(ctx, sessionID, name)
				status = s
				return s == hpcsoa.StatusFinished, s.String(), err
			})
	}
	if err == nil || status != hpcsoa.StatusUnknown {
		setBatchStatus(&plan, status)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	var waitErr *wait.WaitError
	switch {
	case errors.As(err, &waitErr) && errors.Is(err, context.DeadlineExceeded):
		timeout, _ := plan.Timeouts.Create(ctx, batchCreateTimeout)
		resp.Diagnostics.AddError("HPC Pack SOA batch did not finish in time", fmt.Sprintf("%s. The batch was sent and "+
			"keeps running; it stays in state (tainted, so the next apply would purge and send it again). To wait "+
			"longer, raise timeouts.create (now %s); to keep the batch as it is, run `terraform untaint` on it.", err, timeout))
	case err != nil:
		resp.Diagnostics.AddError("Error reading HPC Pack SOA batch status", describeHPCError(err)+
			"\n\nThe batch stays in state (tainted): the next apply purges it and sends it again; `terraform untaint` keeps it.")
	}
}

func setBatchStatus(m *hpcSOABatchModel, s hpcsoa.BatchStatus) {
	m.Status = types.StringValue(s.String())
	m.StatusCode = types.Int64Value(int64(s))
}

func (r *hpcSOABatchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer batchIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	state, ctx, cancel := begin[hpcSOABatchModel](ctx, req.State.Get, timeouts.Value.Read, batchReadTimeout, &resp.Diagnostics)
	defer cancel()
	svc := hpcPack(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sessionID, _ := hpcsoa.ParseSessionID(state.SessionID.ValueString())
	name := state.Name.ValueString()
	status, err := svc.client.BatchStatus(ctx, sessionID, name)
	if hpcsoa.IsSessionGone(err) {
		tflog.Warn(ctx, "the HPC Pack SOA session of the batch is closed: removing the batch from state", map[string]any{"batch": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading HPC Pack SOA batch status", describeHPCError(err))
		return
	}
	// The broker creates a batch the first time it hears its name, so Status never says "not
	// found". A committed batch never returns to Ready, though: Ready after a commit means the
	// batch was purged and what answers is a new, empty one.
	if state.Commit.ValueBool() && (state.Status.ValueString() == hpcsoa.StatusProcessing.String() || state.Status.ValueString() == hpcsoa.StatusFinished.String()) &&
		status == hpcsoa.StatusReady {
		tflog.Warn(ctx, "the committed HPC Pack SOA batch reads as Ready again: it was purged, removing it from state", map[string]any{"batch": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if state.Commit.IsNull() {
		// Imported: only the status is known.
		state.Commit = types.BoolValue(status == hpcsoa.StatusProcessing || status == hpcsoa.StatusFinished)
	}
	setBatchStatus(&state, status)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only runs when nothing needs the service: waits, timeouts, or an imported batch
// adopting its configured requests.
func (r *hpcSOABatchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer batchIdentity.set(ctx, resp.Identity, &resp.Diagnostics, &resp.State, &req.State)
	updateWithoutService(ctx, req, resp, func(plan, state *hpcSOABatchModel) {
		plan.ID, plan.Status, plan.StatusCode = state.ID, state.Status, state.StatusCode
		plan.RequestCount, plan.MessageIDs = state.RequestCount, state.MessageIDs
	})
}

func (r *hpcSOABatchResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := begin[hpcSOABatchModel](ctx, req.State.Get, timeouts.Value.Delete, batchDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	svc := hpcPack(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sessionID, _ := hpcsoa.ParseSessionID(state.SessionID.ValueString())
	err := svc.client.Purge(ctx, sessionID, state.Name.ValueString())
	if hpcsoa.IsSessionGone(err) {
		return // closing the session already deleted its batches
	}
	if err != nil {
		resp.Diagnostics.AddError("Error purging HPC Pack SOA batch", describeHPCError(err))
		return
	}
	tflog.Info(ctx, "purged HPC Pack SOA batch", map[string]any{"batch": state.ID.ValueString()})
}

func (r *hpcSOABatchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := batchIdentity.importID(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	sessionID, name, ok := strings.Cut(id, "/")
	if !ok || hpcsoa.CheckSessionID(sessionID) != nil || hpcsoa.ValidBatchName(name) != nil {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected \"session_id/batch_name\" with a numeric session id and a batch name of 1 to 128 letters, digits, _, -, { and }; got %q.", id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("session_id"), sessionID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for_completion"), false)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, []byte(`true`))...)
}
