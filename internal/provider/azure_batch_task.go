package provider

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The attributes of a task, shared by the resource and (all computed) by the data source.
// Everything but constraints is immutable on the service, so every input requires replacement.

var (
	batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	batchIDRule    = "must be 1 to 64 characters of letters, digits, hyphens (-) and underscores (_)"
)

func batchIDValidator() validator.String {
	return stringvalidator.RegexMatches(batchIDPattern, batchIDRule)
}

var (
	failureInfoAttrTypes = map[string]attr.Type{
		"category": types.StringType,
		"code":     types.StringType,
		"message":  types.StringType,
		"details":  types.MapType{ElemType: types.StringType},
	}
	nodeInfoAttrTypes = map[string]attr.Type{
		"affinity_id":             types.StringType,
		"node_url":                types.StringType,
		"pool_id":                 types.StringType,
		"node_id":                 types.StringType,
		"task_root_directory":     types.StringType,
		"task_root_directory_url": types.StringType,
	}
)

var (
	replaceString = []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceInt64  = []planmodifier.Int64{int64planmodifier.RequiresReplace()}
	replaceList   = []planmodifier.List{listplanmodifier.RequiresReplace()}
	replaceObject = []planmodifier.Object{objectplanmodifier.RequiresReplace()}
)

func jobActionAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"job_action": schema.StringAttribute{
			MarkdownDescription: "What to do with the job: `none`, `disable` or `terminate`. The service's default is `none` for exit code 0 and `terminate` otherwise.",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.OneOf("none", "disable", "terminate")},
		},
		"dependency_action": schema.StringAttribute{
			MarkdownDescription: "Whether dependent tasks may run: `satisfy` or `block`.",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.OneOf("satisfy", "block")},
		},
	}
}

func resourceFileAttributes() map[string]schema.Attribute {
	sources := func(others ...string) validator.String {
		var exprs []path.Expression
		for _, o := range others {
			exprs = append(exprs, path.MatchRelative().AtParent().AtName(o))
		}
		return stringvalidator.ExactlyOneOf(exprs...)
	}
	return map[string]schema.Attribute{
		"auto_storage_container_name": schema.StringAttribute{
			MarkdownDescription: "Container in the account's auto-storage account. Exactly one of `auto_storage_container_name`, `storage_container_url` and `http_url` is required.",
			Optional:            true,
			Validators:          []validator.String{sources("storage_container_url", "http_url")},
		},
		"storage_container_url": schema.StringAttribute{
			MarkdownDescription: "URL of a blob container (with a SAS token or a managed identity).",
			Optional:            true,
		},
		"http_url": schema.StringAttribute{
			MarkdownDescription: "URL of a single file. Needs `file_path`.",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRelative().AtParent().AtName("file_path"))},
		},
		"blob_prefix": schema.StringAttribute{
			MarkdownDescription: "Only download blobs whose names start with this prefix (container sources only).",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("http_url"))},
		},
		"file_path": schema.StringAttribute{
			MarkdownDescription: "Where to put the file(s), relative to the task's working directory.",
			Optional:            true,
		},
		"file_mode": schema.StringAttribute{
			MarkdownDescription: "Octal file mode on Linux nodes, e.g. `0755` (the service's default is `0770`).",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^0?[0-7]{3}$`), "must be an octal file mode such as 0755")},
		},
		"identity_reference": schema.StringAttribute{
			MarkdownDescription: "ARM resource id of the user-assigned identity used to reach the storage.",
			Optional:            true,
		},
	}
}

func azureBatchTaskAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "`job_id/task_id`.",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"job_id": schema.StringAttribute{
			MarkdownDescription: "ID of the existing job the task belongs to.",
			Required:            true,
			Validators:          []validator.String{batchIDValidator()},
			PlanModifiers:       replaceString,
		},
		"task_id": schema.StringAttribute{
			MarkdownDescription: "ID of the task, unique in the job without regard to case. " + "It " + batchIDRule + ".",
			Required:            true,
			Validators:          []validator.String{batchIDValidator()},
			PlanModifiers:       replaceString,
		},
		"command_line": schema.StringAttribute{
			MarkdownDescription: "The command the task runs. It is not run in a shell: use `/bin/sh -c \"...\"` or `cmd /c ...` for shell features.",
			Required:            true,
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers:       replaceString,
		},
		"display_name": schema.StringAttribute{
			MarkdownDescription: "Display name, up to 1024 characters.",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)},
			PlanModifiers:       replaceString,
		},
		"environment": schema.MapAttribute{
			MarkdownDescription: "Environment variables of the task.",
			Optional:            true,
			ElementType:         types.StringType,
			Validators:          []validator.Map{mapvalidator.SizeAtLeast(1), mapvalidator.KeysAre(stringvalidator.LengthAtLeast(1))},
			PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
		},
		"affinity_id": schema.StringAttribute{
			MarkdownDescription: "Locality hint: the id of a node (or of a task's `node_info.affinity_id`) to prefer.",
			Optional:            true,
			PlanModifiers:       replaceString,
		},
		"resource_files": schema.ListNestedAttribute{
			MarkdownDescription: "Files downloaded to the node before the command runs.",
			Optional:            true,
			Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
			PlanModifiers:       replaceList,
			NestedObject:        schema.NestedAttributeObject{Attributes: resourceFileAttributes()},
		},
		"output_files": schema.ListNestedAttribute{
			MarkdownDescription: "Files uploaded to a blob container after the task runs.",
			Optional:            true,
			Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
			PlanModifiers:       replaceList,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"file_pattern": schema.StringAttribute{
					MarkdownDescription: "Files to upload, relative to the task's working directory; wildcards allowed (e.g. `out/*.txt`).",
					Required:            true,
				},
				"container_url": schema.StringAttribute{
					MarkdownDescription: "URL of the destination blob container, with a SAS token that allows writing unless `identity_reference` is set.",
					Required:            true,
					Sensitive:           true,
				},
				"path": schema.StringAttribute{
					MarkdownDescription: "Blob (single file) or virtual directory (wildcards) in the container.",
					Optional:            true,
				},
				"identity_reference": schema.StringAttribute{
					MarkdownDescription: "ARM resource id of the user-assigned identity used to write to the container.",
					Optional:            true,
				},
				"upload_headers": schema.MapAttribute{
					MarkdownDescription: "HTTP headers set on the uploaded blobs.",
					Optional:            true,
					ElementType:         types.StringType,
				},
				"upload_condition": schema.StringAttribute{
					MarkdownDescription: "When to upload: `tasksuccess`, `taskfailure` or `taskcompletion`.",
					Required:            true,
					Validators:          []validator.String{stringvalidator.OneOf("tasksuccess", "taskfailure", "taskcompletion")},
				},
			}},
		},
		"constraints": schema.SingleNestedAttribute{
			MarkdownDescription: "Execution constraints, the only part of a task that is updated in place. Unset values take the " +
				"service's defaults (unlimited wall clock time, 7 days retention, the job's retry count), which cause no diff.",
			Optional:      true,
			Computed:      true,
			PlanModifiers: []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
			Attributes: map[string]schema.Attribute{
				"max_wall_clock_time": schema.StringAttribute{
					MarkdownDescription: "Longest time the task may run, as an ISO 8601 duration (e.g. `PT2H`). The service's \"unlimited\" is `" + unlimitedDurationDoc + "`.",
					CustomType:          durationType{},
					Optional:            true,
					Computed:            true,
					PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				},
				"retention_time": schema.StringAttribute{
					MarkdownDescription: "How long the task's directory is kept on the node after it completes, as an ISO 8601 duration (default `P7D`).",
					CustomType:          durationType{},
					Optional:            true,
					Computed:            true,
					PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				},
				"max_task_retry_count": schema.Int64Attribute{
					MarkdownDescription: "Retries after a failed run (0: none, -1: without limit). Defaults to the job's value.",
					Optional:            true,
					Computed:            true,
					Validators:          []validator.Int64{int64validator.AtLeast(-1)},
					PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				},
			},
		},
		"required_slots": schema.Int64Attribute{
			MarkdownDescription: "Scheduling slots the task needs on a node (the service's default is 1; must be 1 for multi-instance tasks).",
			Optional:            true,
			Validators:          []validator.Int64{int64validator.AtLeast(1)},
			PlanModifiers:       replaceInt64,
		},
		"user_identity": schema.SingleNestedAttribute{
			MarkdownDescription: "The user the task runs as: a named user of the pool, or the auto user. Unset: the pool's non-admin auto user.",
			Optional:            true,
			PlanModifiers:       replaceObject,
			Attributes: map[string]schema.Attribute{
				"username": schema.StringAttribute{
					MarkdownDescription: "A user account defined on the pool. Conflicts with the `auto_user_*` attributes.",
					Optional:            true,
					Validators: []validator.String{stringvalidator.ConflictsWith(
						path.MatchRelative().AtParent().AtName("auto_user_scope"),
						path.MatchRelative().AtParent().AtName("auto_user_elevation_level"))},
				},
				"auto_user_scope": schema.StringAttribute{
					MarkdownDescription: "Auto user scope: `task` or `pool` (the service's default).",
					Optional:            true,
					Validators:          []validator.String{stringvalidator.OneOf("task", "pool")},
				},
				"auto_user_elevation_level": schema.StringAttribute{
					MarkdownDescription: "Auto user elevation: `nonadmin` (the service's default) or `admin`.",
					Optional:            true,
					Validators:          []validator.String{stringvalidator.OneOf("nonadmin", "admin")},
				},
			},
		},
		// Terraform reserves the name depends_on for its meta-argument, so the service's
		// dependsOn is called task_dependencies here.
		"task_dependencies": schema.SingleNestedAttribute{
			MarkdownDescription: "Tasks that must complete successfully before this one runs (the service's `dependsOn`; " +
				"Terraform reserves the name `depends_on`). The job must have `usesTaskDependencies` set.",
			Optional:      true,
			PlanModifiers: replaceObject,
			Attributes: map[string]schema.Attribute{
				"task_ids": schema.ListAttribute{
					MarkdownDescription: "IDs of the tasks this one depends on.",
					Optional:            true,
					ElementType:         types.StringType,
					Validators:          []validator.List{listvalidator.ValueStringsAre(batchIDValidator())},
				},
				"task_id_ranges": schema.ListNestedAttribute{
					MarkdownDescription: "Inclusive ranges of numeric task IDs this one depends on.",
					Optional:            true,
					NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"start": schema.Int64Attribute{Required: true, MarkdownDescription: "First task ID.", Validators: []validator.Int64{int64validator.AtLeast(0)}},
						"end": schema.Int64Attribute{Required: true, MarkdownDescription: "Last task ID (inclusive).",
							Validators: []validator.Int64{int64validator.AtLeastSumOf(path.MatchRelative().AtParent().AtName("start"))}},
					}},
				},
			},
		},
		"container_settings": schema.SingleNestedAttribute{
			MarkdownDescription: "Run the task in a container (the pool must have a container configuration).",
			Optional:            true,
			PlanModifiers:       replaceObject,
			Attributes: map[string]schema.Attribute{
				"image_name": schema.StringAttribute{MarkdownDescription: "Image reference, e.g. `ubuntu:22.04`.", Required: true},
				"container_run_options": schema.StringAttribute{
					MarkdownDescription: "Extra options for `docker create`.", Optional: true,
				},
				"working_directory": schema.StringAttribute{
					MarkdownDescription: "`taskWorkingDirectory` (the service's default) or `containerImageDefault`.",
					Optional:            true,
					Validators:          []validator.String{stringvalidator.OneOf("taskWorkingDirectory", "containerImageDefault")},
				},
				"registry": schema.SingleNestedAttribute{
					MarkdownDescription: "Private registry holding the image.",
					Optional:            true,
					Attributes: map[string]schema.Attribute{
						"registry_server": schema.StringAttribute{MarkdownDescription: "Registry host, e.g. `myregistry.azurecr.io`.", Optional: true},
						"username":        schema.StringAttribute{MarkdownDescription: "Registry user.", Optional: true},
						"password": schema.StringAttribute{
							MarkdownDescription: "Registry password. The service never returns it, so it is kept from the configuration.",
							Optional:            true,
							Sensitive:           true,
						},
						"identity_reference": schema.StringAttribute{MarkdownDescription: "ARM resource id of a user-assigned identity with pull access.", Optional: true},
					},
				},
				"host_batch_bind_mounts": schema.ListNestedAttribute{
					MarkdownDescription: "Batch directories mounted into the container. Unset mounts all; an empty list mounts none.",
					Optional:            true,
					NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"source": schema.StringAttribute{
							MarkdownDescription: "`Shared`, `Startup`, `VfsMounts`, `Task`, `JobPrep` or `Applications`.",
							Required:            true,
							Validators:          []validator.String{stringvalidator.OneOf("Shared", "Startup", "VfsMounts", "Task", "JobPrep", "Applications")},
						},
						"is_read_only": schema.BoolAttribute{MarkdownDescription: "Mount read-only.", Optional: true},
					}},
				},
			},
		},
		"multi_instance_settings": schema.SingleNestedAttribute{
			MarkdownDescription: "Run the task as a multi-instance (e.g. MPI) task.",
			Optional:            true,
			PlanModifiers:       replaceObject,
			Attributes: map[string]schema.Attribute{
				"number_of_instances": schema.Int64Attribute{
					MarkdownDescription: "Nodes the task needs (the service's default is 1).", Optional: true,
					Validators: []validator.Int64{int64validator.AtLeast(1)},
				},
				"coordination_command_line": schema.StringAttribute{
					MarkdownDescription: "Command run on every node before the primary runs `command_line`.", Required: true,
				},
				"common_resource_files": schema.ListNestedAttribute{
					MarkdownDescription: "Files downloaded to every node before the coordination command.",
					Optional:            true,
					Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
					NestedObject:        schema.NestedAttributeObject{Attributes: resourceFileAttributes()},
				},
			},
		},
		"application_package_references": schema.ListNestedAttribute{
			MarkdownDescription: "Application packages deployed to the node before the command runs.",
			Optional:            true,
			Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
			PlanModifiers:       replaceList,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"application_id": schema.StringAttribute{MarkdownDescription: "Application id.", Required: true},
				"version":        schema.StringAttribute{MarkdownDescription: "Version; unset: the application's default version.", Optional: true},
			}},
		},
		"exit_conditions": schema.SingleNestedAttribute{
			MarkdownDescription: "How the service reacts when the task completes.",
			Optional:            true,
			PlanModifiers:       replaceObject,
			Attributes: map[string]schema.Attribute{
				"exit_codes": schema.ListNestedAttribute{
					MarkdownDescription: "Actions for single exit codes.",
					Optional:            true,
					NestedObject: schema.NestedAttributeObject{Attributes: withAttributes(jobActionAttributes(), map[string]schema.Attribute{
						"code": schema.Int64Attribute{MarkdownDescription: "Exit code.", Required: true},
					})},
				},
				"exit_code_ranges": schema.ListNestedAttribute{
					MarkdownDescription: "Actions for ranges of exit codes.",
					Optional:            true,
					NestedObject: schema.NestedAttributeObject{Attributes: withAttributes(jobActionAttributes(), map[string]schema.Attribute{
						"start": schema.Int64Attribute{MarkdownDescription: "First exit code.", Required: true},
						"end":   schema.Int64Attribute{MarkdownDescription: "Last exit code (inclusive).", Required: true},
					})},
				},
				"pre_processing_error": schema.SingleNestedAttribute{MarkdownDescription: "Action when the task fails to start.", Optional: true, Attributes: jobActionAttributes()},
				"file_upload_error":    schema.SingleNestedAttribute{MarkdownDescription: "Action when output files fail to upload.", Optional: true, Attributes: jobActionAttributes()},
				"default":              schema.SingleNestedAttribute{MarkdownDescription: "Action for exit codes not listed above.", Optional: true, Attributes: jobActionAttributes()},
			},
		},

		// Read-only results. They change as the task runs, so they are unknown in any plan that
		// touches the task.
		"state":         schema.StringAttribute{MarkdownDescription: "`active`, `preparing`, `running` or `completed`.", Computed: true},
		"exit_code":     schema.Int64Attribute{MarkdownDescription: "Exit code of the last run, once the task has completed.", Computed: true},
		"result":        schema.StringAttribute{MarkdownDescription: "`success` or `failure`, once the task has completed.", Computed: true},
		"etag":          schema.StringAttribute{MarkdownDescription: "ETag of the task, used for conditional updates.", Computed: true},
		"last_modified": schema.StringAttribute{MarkdownDescription: "When the task last changed (RFC 3339).", Computed: true},
		"url": schema.StringAttribute{
			MarkdownDescription: "URL of the task.", Computed: true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"creation_time": schema.StringAttribute{
			MarkdownDescription: "When the task was added (RFC 3339).", Computed: true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"failure_info": schema.SingleNestedAttribute{
			MarkdownDescription: "Why the task failed, if it did.",
			Computed:            true,
			Attributes: map[string]schema.Attribute{
				"category": schema.StringAttribute{MarkdownDescription: "`usererror` or `servererror`.", Computed: true},
				"code":     schema.StringAttribute{MarkdownDescription: "Error code, e.g. `FailureExitCode` or `BlobNotFound`.", Computed: true},
				"message":  schema.StringAttribute{MarkdownDescription: "Error message.", Computed: true},
				"details":  schema.MapAttribute{MarkdownDescription: "Further details.", Computed: true, ElementType: types.StringType},
			},
		},
		"node_info": schema.SingleNestedAttribute{
			MarkdownDescription: "The node the task ran on.",
			Computed:            true,
			Attributes: map[string]schema.Attribute{
				"affinity_id":             schema.StringAttribute{MarkdownDescription: "Affinity id of the node.", Computed: true},
				"node_url":                schema.StringAttribute{MarkdownDescription: "URL of the node.", Computed: true},
				"pool_id":                 schema.StringAttribute{MarkdownDescription: "Pool of the node.", Computed: true},
				"node_id":                 schema.StringAttribute{MarkdownDescription: "ID of the node.", Computed: true},
				"task_root_directory":     schema.StringAttribute{MarkdownDescription: "The task's directory on the node.", Computed: true},
				"task_root_directory_url": schema.StringAttribute{MarkdownDescription: "URL of the task's directory.", Computed: true},
			},
		},
	}
}

const unlimitedDurationDoc = "P10675199DT2H48M5.4775807S"

func withAttributes(a, b map[string]schema.Attribute) map[string]schema.Attribute {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// azureBatchTaskModel holds a task's attributes; the resource adds its own settings to it.
type azureBatchTaskModel struct {
	ID     types.String `tfsdk:"id"`
	JobID  types.String `tfsdk:"job_id"`
	TaskID types.String `tfsdk:"task_id"`
	taskSpecModel
	taskStatusModel
}

// taskSpecModel is the definition of a task: what Add Task sends, without the ids, so that a
// task held inside another object (a map of tasks keyed by id) can share it. Collections and
// nested objects are framework values, which may be unknown at plan time; they become Go
// structs only where they are known (expandTaskSpec, at apply).
type taskSpecModel struct {
	CommandLine                  types.String `tfsdk:"command_line"`
	DisplayName                  types.String `tfsdk:"display_name"`
	Environment                  types.Map    `tfsdk:"environment"` // of string
	AffinityID                   types.String `tfsdk:"affinity_id"`
	ResourceFiles                types.List   `tfsdk:"resource_files"` // of resourceFileModel
	OutputFiles                  types.List   `tfsdk:"output_files"`   // of outputFileModel
	Constraints                  types.Object `tfsdk:"constraints"`    // constraintsModel
	RequiredSlots                types.Int64  `tfsdk:"required_slots"`
	UserIdentity                 types.Object `tfsdk:"user_identity"`                  // userIdentityModel
	TaskDependencies             types.Object `tfsdk:"task_dependencies"`              // taskDependenciesModel
	ContainerSettings            types.Object `tfsdk:"container_settings"`             // containerSettingsModel
	MultiInstanceSettings        types.Object `tfsdk:"multi_instance_settings"`        // multiInstanceSettingsModel
	ApplicationPackageReferences types.List   `tfsdk:"application_package_references"` // of applicationPackageModel
	ExitConditions               types.Object `tfsdk:"exit_conditions"`                // exitConditionsModel
}

// taskStatusModel is what the service reports about a task as it runs.
type taskStatusModel struct {
	State        types.String `tfsdk:"state"`
	ExitCode     types.Int64  `tfsdk:"exit_code"`
	Result       types.String `tfsdk:"result"`
	ETag         types.String `tfsdk:"etag"`
	LastModified types.String `tfsdk:"last_modified"`
	URL          types.String `tfsdk:"url"`
	CreationTime types.String `tfsdk:"creation_time"`
	FailureInfo  types.Object `tfsdk:"failure_info"` // failureInfoAttrTypes
	NodeInfo     types.Object `tfsdk:"node_info"`    // nodeInfoAttrTypes
}

// The nested models, each next to its attribute types. The attribute types must match the
// schema (TestAzureBatchTaskAttrTypesMatchSchema).

type resourceFileModel struct {
	AutoStorageContainerName types.String `tfsdk:"auto_storage_container_name"`
	StorageContainerURL      types.String `tfsdk:"storage_container_url"`
	HTTPURL                  types.String `tfsdk:"http_url"`
	BlobPrefix               types.String `tfsdk:"blob_prefix"`
	FilePath                 types.String `tfsdk:"file_path"`
	FileMode                 types.String `tfsdk:"file_mode"`
	IdentityReference        types.String `tfsdk:"identity_reference"`
}

var resourceFileType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"auto_storage_container_name": types.StringType,
	"storage_container_url":       types.StringType,
	"http_url":                    types.StringType,
	"blob_prefix":                 types.StringType,
	"file_path":                   types.StringType,
	"file_mode":                   types.StringType,
	"identity_reference":          types.StringType,
}}

type outputFileModel struct {
	FilePattern       types.String `tfsdk:"file_pattern"`
	ContainerURL      types.String `tfsdk:"container_url"`
	Path              types.String `tfsdk:"path"`
	IdentityReference types.String `tfsdk:"identity_reference"`
	UploadHeaders     types.Map    `tfsdk:"upload_headers"` // of string
	UploadCondition   types.String `tfsdk:"upload_condition"`
}

var outputFileType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"file_pattern":       types.StringType,
	"container_url":      types.StringType,
	"path":               types.StringType,
	"identity_reference": types.StringType,
	"upload_headers":     types.MapType{ElemType: types.StringType},
	"upload_condition":   types.StringType,
}}

type constraintsModel struct {
	MaxWallClockTime  durationValue `tfsdk:"max_wall_clock_time"`
	RetentionTime     durationValue `tfsdk:"retention_time"`
	MaxTaskRetryCount types.Int64   `tfsdk:"max_task_retry_count"`
}

var constraintsAttrTypes = map[string]attr.Type{
	"max_wall_clock_time":  durationType{},
	"retention_time":       durationType{},
	"max_task_retry_count": types.Int64Type,
}

type userIdentityModel struct {
	Username               types.String `tfsdk:"username"`
	AutoUserScope          types.String `tfsdk:"auto_user_scope"`
	AutoUserElevationLevel types.String `tfsdk:"auto_user_elevation_level"`
}

var userIdentityAttrTypes = map[string]attr.Type{
	"username":                  types.StringType,
	"auto_user_scope":           types.StringType,
	"auto_user_elevation_level": types.StringType,
}

type taskDependenciesModel struct {
	TaskIDs      types.List `tfsdk:"task_ids"`       // of string
	TaskIDRanges types.List `tfsdk:"task_id_ranges"` // of taskIDRangeModel
}

var taskDependenciesAttrTypes = map[string]attr.Type{
	"task_ids":       types.ListType{ElemType: types.StringType},
	"task_id_ranges": types.ListType{ElemType: taskIDRangeType},
}

type taskIDRangeModel struct {
	Start types.Int64 `tfsdk:"start"`
	End   types.Int64 `tfsdk:"end"`
}

var taskIDRangeType = types.ObjectType{AttrTypes: map[string]attr.Type{"start": types.Int64Type, "end": types.Int64Type}}

type containerSettingsModel struct {
	ImageName           types.String `tfsdk:"image_name"`
	ContainerRunOptions types.String `tfsdk:"container_run_options"`
	WorkingDirectory    types.String `tfsdk:"working_directory"`
	Registry            types.Object `tfsdk:"registry"`               // containerRegistryModel
	HostBatchBindMounts types.List   `tfsdk:"host_batch_bind_mounts"` // of bindMountModel
}

var containerSettingsAttrTypes = map[string]attr.Type{
	"image_name":             types.StringType,
	"container_run_options":  types.StringType,
	"working_directory":      types.StringType,
	"registry":               types.ObjectType{AttrTypes: containerRegistryAttrTypes},
	"host_batch_bind_mounts": types.ListType{ElemType: bindMountType},
}

type containerRegistryModel struct {
	RegistryServer    types.String `tfsdk:"registry_server"`
	Username          types.String `tfsdk:"username"`
	Password          types.String `tfsdk:"password"`
	IdentityReference types.String `tfsdk:"identity_reference"`
}

var containerRegistryAttrTypes = map[string]attr.Type{
	"registry_server":    types.StringType,
	"username":           types.StringType,
	"password":           types.StringType,
	"identity_reference": types.StringType,
}

type bindMountModel struct {
	Source     types.String `tfsdk:"source"`
	IsReadOnly types.Bool   `tfsdk:"is_read_only"`
}

var bindMountType = types.ObjectType{AttrTypes: map[string]attr.Type{"source": types.StringType, "is_read_only": types.BoolType}}

type multiInstanceSettingsModel struct {
	NumberOfInstances       types.Int64  `tfsdk:"number_of_instances"`
	CoordinationCommandLine types.String `tfsdk:"coordination_command_line"`
	CommonResourceFiles     types.List   `tfsdk:"common_resource_files"` // of resourceFileModel
}

var multiInstanceSettingsAttrTypes = map[string]attr.Type{
	"number_of_instances":       types.Int64Type,
	"coordination_command_line": types.StringType,
	"common_resource_files":     types.ListType{ElemType: resourceFileType},
}

type applicationPackageModel struct {
	ApplicationID types.String `tfsdk:"application_id"`
	Version       types.String `tfsdk:"version"`
}

var applicationPackageType = types.ObjectType{AttrTypes: map[string]attr.Type{"application_id": types.StringType, "version": types.StringType}}

type exitConditionsModel struct {
	ExitCodes          types.List   `tfsdk:"exit_codes"`           // of exitCodeModel
	ExitCodeRanges     types.List   `tfsdk:"exit_code_ranges"`     // of exitCodeRangeModel
	PreProcessingError types.Object `tfsdk:"pre_processing_error"` // exitOptionsModel
	FileUploadError    types.Object `tfsdk:"file_upload_error"`    // exitOptionsModel
	Default            types.Object `tfsdk:"default"`              // exitOptionsModel
}

var exitConditionsAttrTypes = map[string]attr.Type{
	"exit_codes":           types.ListType{ElemType: exitCodeType},
	"exit_code_ranges":     types.ListType{ElemType: exitCodeRangeType},
	"pre_processing_error": exitOptionsType,
	"file_upload_error":    exitOptionsType,
	"default":              exitOptionsType,
}

type exitCodeModel struct {
	Code             types.Int64  `tfsdk:"code"`
	JobAction        types.String `tfsdk:"job_action"`
	DependencyAction types.String `tfsdk:"dependency_action"`
}

var exitCodeType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"code": types.Int64Type, "job_action": types.StringType, "dependency_action": types.StringType,
}}

type exitCodeRangeModel struct {
	Start            types.Int64  `tfsdk:"start"`
	End              types.Int64  `tfsdk:"end"`
	JobAction        types.String `tfsdk:"job_action"`
	DependencyAction types.String `tfsdk:"dependency_action"`
}

var exitCodeRangeType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"start": types.Int64Type, "end": types.Int64Type, "job_action": types.StringType, "dependency_action": types.StringType,
}}

type exitOptionsModel struct {
	JobAction        types.String `tfsdk:"job_action"`
	DependencyAction types.String `tfsdk:"dependency_action"`
}

var exitOptionsType = types.ObjectType{AttrTypes: map[string]attr.Type{"job_action": types.StringType, "dependency_action": types.StringType}}

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

// setFields copies an object's attributes into the tfsdk-tagged fields of a model. The values
// already have the fields' types (the attribute types match the schema), so this skips the
// framework's conversion through Terraform values (obj.As), which costs over ten times more:
// the task-set resource expands thousands of tasks.
func setFields(attrs map[string]attr.Value, model reflect.Value, diags *diag.Diagnostics) {
	for _, f := range modelFields(model.Type()) {
		v := reflect.ValueOf(attrs[f.name])
		field := model.Field(f.index)
		if !v.IsValid() || !v.Type().AssignableTo(field.Type()) {
			diags.AddError("Unexpected attribute value", fmt.Sprintf("Attribute %q is %T where the model has %s. This is a bug in the provider.", f.name, attrs[f.name], field.Type()))
			return
		}
		field.Set(v)
	}
}

type modelField struct {
	name  string
	index int
}

var modelFieldCache sync.Map // reflect.Type -> []modelField

func modelFields(t reflect.Type) []modelField {
	if f, ok := modelFieldCache.Load(t); ok {
		fields, _ := f.([]modelField)
		return fields
	}
	var fields []modelField
	for i := 0; i < t.NumField(); i++ {
		if name := t.Field(i).Tag.Get("tfsdk"); name != "" && name != "-" {
			fields = append(fields, modelField{name: name, index: i})
		}
	}
	modelFieldCache.Store(t, fields)
	return fields
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

// expandTask builds the Add Task body from the planned model.
func expandTask(m *azureBatchTaskModel) (azbatch.CreateTaskContent, diag.Diagnostics) {
	return expandTaskSpec(m.TaskID.ValueString(), &m.taskSpecModel)
}

// expandTaskSpec builds the Add Task body of the task taskID. The spec must be known, as it is
// at apply.
func expandTaskSpec(taskID string, s *taskSpecModel) (azbatch.CreateTaskContent, diag.Diagnostics) {
	var diags diag.Diagnostics
	t := azbatch.CreateTaskContent{
		ID:                    to.Ptr(taskID),
		CommandLine:           stringPtr(s.CommandLine),
		DisplayName:           stringPtr(s.DisplayName),
		RequiredSlots:         int32Ptr(s.RequiredSlots),
		ResourceFiles:         expandResourceFiles(s.ResourceFiles, &diags),
		UserIdentity:          expandUserIdentity(objectAs[userIdentityModel](s.UserIdentity, &diags)),
		DependsOn:             expandTaskDependencies(objectAs[taskDependenciesModel](s.TaskDependencies, &diags), &diags),
		ContainerSettings:     expandContainerSettings(objectAs[containerSettingsModel](s.ContainerSettings, &diags), &diags),
		MultiInstanceSettings: expandMultiInstance(objectAs[multiInstanceSettingsModel](s.MultiInstanceSettings, &diags), &diags),
		ExitConditions:        expandExitConditions(objectAs[exitConditionsModel](s.ExitConditions, &diags), &diags),
	}
	if !s.AffinityID.IsNull() {
		t.AffinityInfo = &azbatch.AffinityInfo{AffinityID: stringPtr(s.AffinityID)}
	}
	env := s.Environment.Elements()
	for _, name := range sortedMapKeys(env) {
		t.EnvironmentSettings = append(t.EnvironmentSettings, azbatch.EnvironmentSetting{Name: to.Ptr(name), Value: stringOf(env[name])})
	}
	for _, o := range listAs[outputFileModel](s.OutputFiles, &diags) {
		dest := &azbatch.OutputFileBlobContainerDestination{
			ContainerURL: stringPtr(o.ContainerURL),
			Path:         stringPtr(o.Path),
		}
		if !o.IdentityReference.IsNull() {
			dest.IdentityReference = &azbatch.NodeIdentityReference{ResourceID: stringPtr(o.IdentityReference)}
		}
		headers := o.UploadHeaders.Elements()
		for _, name := range sortedMapKeys(headers) {
			dest.UploadHeaders = append(dest.UploadHeaders, azbatch.HTTPHeader{Name: to.Ptr(name), Value: stringOf(headers[name])})
		}
		t.OutputFiles = append(t.OutputFiles, azbatch.OutputFile{
			FilePattern:   stringPtr(o.FilePattern),
			Destination:   &azbatch.OutputFileDestination{Container: dest},
			UploadOptions: &azbatch.OutputFileUploadConfig{UploadCondition: enumPtr[azbatch.OutputFileUploadCondition](o.UploadCondition)},
		})
	}
	for _, a := range listAs[applicationPackageModel](s.ApplicationPackageReferences, &diags) {
		t.ApplicationPackageReferences = append(t.ApplicationPackageReferences, azbatch.ApplicationPackageReference{
			ApplicationID: stringPtr(a.ApplicationID), Version: stringPtr(a.Version),
		})
	}
	if !s.Constraints.IsNull() && !s.Constraints.IsUnknown() {
		c, d := expandConstraints(s.Constraints)
		diags.Append(d...)
		t.Constraints = c
	}
	return t, diags
}

// expandConstraints converts the known constraint values; unknown ones are left to the service.
func expandConstraints(obj types.Object) (*azbatch.TaskConstraints, diag.Diagnostics) {
	var diags diag.Diagnostics
	c := objectAs[constraintsModel](obj, &diags)
	if c == nil || diags.HasError() {
		return nil, diags
	}
	return &azbatch.TaskConstraints{
		MaxWallClockTime:  stringPtr(c.MaxWallClockTime.StringValue),
		RetentionTime:     stringPtr(c.RetentionTime.StringValue),
		MaxTaskRetryCount: int32Ptr(c.MaxTaskRetryCount),
	}, diags
}

func expandResourceFiles(l types.List, diags *diag.Diagnostics) []azbatch.ResourceFile {
	var out []azbatch.ResourceFile
	for _, f := range listAs[resourceFileModel](l, diags) {
		rf := azbatch.ResourceFile{
			AutoStorageContainerName: stringPtr(f.AutoStorageContainerName),
			StorageContainerURL:      stringPtr(f.StorageContainerURL),
			HTTPURL:                  stringPtr(f.HTTPURL),
			BlobPrefix:               stringPtr(f.BlobPrefix),
			FilePath:                 stringPtr(f.FilePath),
			FileMode:                 stringPtr(f.FileMode),
		}
		if !f.IdentityReference.IsNull() {
			rf.IdentityReference = &azbatch.NodeIdentityReference{ResourceID: stringPtr(f.IdentityReference)}
		}
		out = append(out, rf)
	}
	return out
}

func expandUserIdentity(u *userIdentityModel) *azbatch.UserIdentity {
	if u == nil {
		return nil
	}
	id := &azbatch.UserIdentity{Username: stringPtr(u.Username)}
	if !u.AutoUserScope.IsNull() || !u.AutoUserElevationLevel.IsNull() {
		id.AutoUser = &azbatch.AutoUserSpecification{
			Scope:          enumPtr[azbatch.AutoUserScope](u.AutoUserScope),
			ElevationLevel: enumPtr[azbatch.ElevationLevel](u.AutoUserElevationLevel),
		}
	}
	return id
}

func expandTaskDependencies(d *taskDependenciesModel, diags *diag.Diagnostics) *azbatch.TaskDependencies {
	if d == nil {
		return nil
	}
	out := &azbatch.TaskDependencies{}
	if ids := listAs[types.String](d.TaskIDs, diags); ids != nil {
		out.TaskIDs = make([]string, 0, len(ids))
		for _, id := range ids {
			out.TaskIDs = append(out.TaskIDs, id.ValueString())
		}
	}
	for _, r := range listAs[taskIDRangeModel](d.TaskIDRanges, diags) {
		out.TaskIDRanges = append(out.TaskIDRanges, azbatch.TaskIDRange{Start: int32Ptr(r.Start), End: int32Ptr(r.End)})
	}
	return out
}

func expandContainerSettings(c *containerSettingsModel, diags *diag.Diagnostics) *azbatch.TaskContainerSettings {
	if c == nil {
		return nil
	}
	out := &azbatch.TaskContainerSettings{
		ImageName:           stringPtr(c.ImageName),
		ContainerRunOptions: stringPtr(c.ContainerRunOptions),
		WorkingDirectory:    enumPtr[azbatch.ContainerWorkingDirectory](c.WorkingDirectory),
	}
	if r := objectAs[containerRegistryModel](c.Registry, diags); r != nil {
		out.Registry = &azbatch.ContainerRegistryReference{
			RegistryServer: stringPtr(r.RegistryServer),
			Username:       stringPtr(r.Username),
			Password:       stringPtr(r.Password),
		}
		if !r.IdentityReference.IsNull() {
			out.Registry.IdentityReference = &azbatch.NodeIdentityReference{ResourceID: stringPtr(r.IdentityReference)}
		}
	}
	if mounts := listAs[bindMountModel](c.HostBatchBindMounts, diags); mounts != nil {
		out.ContainerHostBatchBindMounts = make([]azbatch.ContainerHostBindMountEntry, 0, len(mounts))
		for _, b := range mounts {
			out.ContainerHostBatchBindMounts = append(out.ContainerHostBatchBindMounts, azbatch.ContainerHostBindMountEntry{
				Source: enumPtr[azbatch.ContainerHostDataPath](b.Source), IsReadOnly: b.IsReadOnly.ValueBoolPointer(),
			})
		}
	}
	return out
}

func expandMultiInstance(m *multiInstanceSettingsModel, diags *diag.Diagnostics) *azbatch.MultiInstanceSettings {
	if m == nil {
		return nil
	}
	return &azbatch.MultiInstanceSettings{
		NumberOfInstances:       int32Ptr(m.NumberOfInstances),
		CoordinationCommandLine: stringPtr(m.CoordinationCommandLine),
		CommonResourceFiles:     expandResourceFiles(m.CommonResourceFiles, diags),
	}
}

func expandExitOptions(o *exitOptionsModel) *azbatch.ExitOptions {
	if o == nil {
		return nil
	}
	return &azbatch.ExitOptions{
		JobAction:        enumPtr[azbatch.JobAction](o.JobAction),
		DependencyAction: enumPtr[azbatch.DependencyAction](o.DependencyAction),
	}
}

func expandExitConditions(e *exitConditionsModel, diags *diag.Diagnostics) *azbatch.ExitConditions {
	if e == nil {
		return nil
	}
	out := &azbatch.ExitConditions{
		PreProcessingError: expandExitOptions(objectAs[exitOptionsModel](e.PreProcessingError, diags)),
		FileUploadError:    expandExitOptions(objectAs[exitOptionsModel](e.FileUploadError, diags)),
		Default:            expandExitOptions(objectAs[exitOptionsModel](e.Default, diags)),
	}
	for _, c := range listAs[exitCodeModel](e.ExitCodes, diags) {
		out.ExitCodes = append(out.ExitCodes, azbatch.ExitCodeMapping{
			Code:        int32Ptr(c.Code),
			ExitOptions: expandExitOptions(&exitOptionsModel{JobAction: c.JobAction, DependencyAction: c.DependencyAction}),
		})
	}
	for _, r := range listAs[exitCodeRangeModel](e.ExitCodeRanges, diags) {
		out.ExitCodeRanges = append(out.ExitCodeRanges, azbatch.ExitCodeRangeMapping{
			Start: int32Ptr(r.Start), End: int32Ptr(r.End),
			ExitOptions: expandExitOptions(&exitOptionsModel{JobAction: r.JobAction, DependencyAction: r.DependencyAction}),
		})
	}
	return out
}

// flattenTask fills m from the service's task. prior is the state or plan the task was read
// for (nil for the data source): where the configuration left an attribute unset and the
// service reports its documented default, the attribute stays unset, so defaults cause no
// diff; values the service never returns (the registry password) are kept from prior.
func flattenTask(t *azbatch.Task, jobID string, prior *azureBatchTaskModel) (azureBatchTaskModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	showDefaults := prior == nil
	if prior == nil {
		prior = &azureBatchTaskModel{}
	}
	m := azureBatchTaskModel{
		JobID:  types.StringValue(jobID),
		TaskID: types.StringPointerValue(t.ID),
	}
	// Keep the configured case of the ids: the service compares them without regard to case.
	if strings.EqualFold(prior.TaskID.ValueString(), m.TaskID.ValueString()) && !prior.TaskID.IsNull() {
		m.TaskID = prior.TaskID
	}
	if !prior.JobID.IsNull() && strings.EqualFold(prior.JobID.ValueString(), jobID) {
		m.JobID = prior.JobID
	}
	m.ID = types.StringValue(m.JobID.ValueString() + "/" + m.TaskID.ValueString())
	m.taskSpecModel = flattenTaskSpec(t, &prior.taskSpecModel, showDefaults, &diags)
	m.taskStatusModel = flattenTaskStatus(t, &diags)
	return m, diags
}

// flattenTaskSpec reads a task's definition back; prior and showDefaults as for flattenTask.
func flattenTaskSpec(t *azbatch.Task, prior *taskSpecModel, showDefaults bool, diags *diag.Diagnostics) taskSpecModel {
	s := taskSpecModel{
		CommandLine:                  types.StringPointerValue(t.CommandLine),
		DisplayName:                  types.StringPointerValue(t.DisplayName),
		Environment:                  types.MapNull(types.StringType),
		AffinityID:                   types.StringNull(),
		ResourceFiles:                flattenResourceFiles(t.ResourceFiles, diags),
		OutputFiles:                  types.ListNull(outputFileType),
		RequiredSlots:                int64Value(t.RequiredSlots),
		ApplicationPackageReferences: types.ListNull(applicationPackageType),
	}
	if len(t.EnvironmentSettings) > 0 {
		env := make(map[string]attr.Value, len(t.EnvironmentSettings))
		for _, e := range t.EnvironmentSettings {
			env[deref(e.Name)] = types.StringValue(deref(e.Value))
		}
		s.Environment = mapValue(types.StringType, env, diags)
	}
	if t.AffinityInfo != nil {
		s.AffinityID = types.StringPointerValue(t.AffinityInfo.AffinityID)
	}
	if len(t.OutputFiles) > 0 {
		files := make([]attr.Value, 0, len(t.OutputFiles))
		for _, o := range t.OutputFiles {
			values := map[string]attr.Value{
				"file_pattern":       types.StringPointerValue(o.FilePattern),
				"container_url":      types.StringNull(),
				"path":               types.StringNull(),
				"identity_reference": types.StringNull(),
				"upload_headers":     types.MapNull(types.StringType),
				"upload_condition":   types.StringNull(),
			}
			if o.Destination != nil && o.Destination.Container != nil {
				c := o.Destination.Container
				values["container_url"] = types.StringPointerValue(c.ContainerURL)
				values["path"] = types.StringPointerValue(c.Path)
				values["identity_reference"] = identityValue(c.IdentityReference)
				if len(c.UploadHeaders) > 0 {
					headers := make(map[string]attr.Value, len(c.UploadHeaders))
					for _, h := range c.UploadHeaders {
						headers[deref(h.Name)] = types.StringValue(deref(h.Value))
					}
					values["upload_headers"] = mapValue(types.StringType, headers, diags)
				}
			}
			if o.UploadOptions != nil {
				values["upload_condition"] = enumValue(o.UploadOptions.UploadCondition)
			}
			files = append(files, objectValue(outputFileType, values, diags))
		}
		s.OutputFiles = listValue(outputFileType, files, diags)
	}
	if len(t.ApplicationPackageReferences) > 0 {
		refs := make([]attr.Value, 0, len(t.ApplicationPackageReferences))
		for _, a := range t.ApplicationPackageReferences {
			refs = append(refs, objectValue(applicationPackageType, map[string]attr.Value{
				"application_id": types.StringPointerValue(a.ApplicationID), "version": types.StringPointerValue(a.Version),
			}, diags))
		}
		s.ApplicationPackageReferences = listValue(applicationPackageType, refs, diags)
	}

	constraints := map[string]attr.Value{"max_wall_clock_time": durationNull(), "retention_time": durationNull(), "max_task_retry_count": types.Int64Null()}
	if c := t.Constraints; c != nil {
		constraints = map[string]attr.Value{
			"max_wall_clock_time":  durationFrom(c.MaxWallClockTime),
			"retention_time":       durationFrom(c.RetentionTime),
			"max_task_retry_count": int64Value(c.MaxTaskRetryCount),
		}
	}
	s.Constraints = objectValue(types.ObjectType{AttrTypes: constraintsAttrTypes}, constraints, diags)

	if !showDefaults && prior.RequiredSlots.IsNull() && deref(t.RequiredSlots) == 1 {
		s.RequiredSlots = types.Int64Null()
	}
	s.UserIdentity = flattenUserIdentity(t.UserIdentity, prior.UserIdentity, showDefaults, diags)
	s.TaskDependencies = flattenTaskDependencies(t.DependsOn, diags)
	s.ContainerSettings = flattenContainerSettings(t.ContainerSettings, prior.ContainerSettings, diags)
	s.MultiInstanceSettings = types.ObjectNull(multiInstanceSettingsAttrTypes)
	if mi := t.MultiInstanceSettings; mi != nil {
		s.MultiInstanceSettings = objectValue(types.ObjectType{AttrTypes: multiInstanceSettingsAttrTypes}, map[string]attr.Value{
			"number_of_instances":       int64Value(mi.NumberOfInstances),
			"coordination_command_line": types.StringPointerValue(mi.CoordinationCommandLine),
			"common_resource_files":     flattenResourceFiles(mi.CommonResourceFiles, diags),
		}, diags)
	}
	s.ExitConditions = flattenExitConditions(t.ExitConditions, diags)
	return s
}

// flattenTaskStatus reads what the service reports about a task as it runs.
func flattenTaskStatus(t *azbatch.Task, diags *diag.Diagnostics) taskStatusModel {
	st := taskStatusModel{
		URL:          types.StringPointerValue(t.URL),
		CreationTime: timeValue(t.CreationTime),
		LastModified: timeValue(t.LastModified),
		ETag:         types.StringValue(string(deref(t.ETag))),
		State:        types.StringValue(string(deref(t.State))),
		ExitCode:     types.Int64Null(),
		Result:       types.StringNull(),
		FailureInfo:  types.ObjectNull(failureInfoAttrTypes),
		NodeInfo:     types.ObjectNull(nodeInfoAttrTypes),
	}
	if ei := t.ExecutionInfo; ei != nil {
		st.ExitCode = int64Value(ei.ExitCode)
		st.Result = enumValue(ei.Result)
		if fi := ei.FailureInfo; fi != nil {
			details := make(map[string]attr.Value, len(fi.Details))
			for _, nv := range fi.Details {
				details[deref(nv.Name)] = types.StringValue(deref(nv.Value))
			}
			st.FailureInfo = objectValue(types.ObjectType{AttrTypes: failureInfoAttrTypes}, map[string]attr.Value{
				"category": enumValue(fi.Category),
				"code":     types.StringPointerValue(fi.Code),
				"message":  types.StringPointerValue(fi.Message),
				"details":  mapValue(types.StringType, details, diags),
			}, diags)
		}
	}
	if n := t.NodeInfo; n != nil {
		st.NodeInfo = objectValue(types.ObjectType{AttrTypes: nodeInfoAttrTypes}, map[string]attr.Value{
			"affinity_id":             types.StringPointerValue(n.AffinityID),
			"node_url":                types.StringPointerValue(n.NodeURL),
			"pool_id":                 types.StringPointerValue(n.PoolID),
			"node_id":                 types.StringPointerValue(n.NodeID),
			"task_root_directory":     types.StringPointerValue(n.TaskRootDirectory),
			"task_root_directory_url": types.StringPointerValue(n.TaskRootDirectoryURL),
		}, diags)
	}
	return st
}

func flattenResourceFiles(files []azbatch.ResourceFile, diags *diag.Diagnostics) types.List {
	if len(files) == 0 {
		return types.ListNull(resourceFileType)
	}
	out := make([]attr.Value, 0, len(files))
	for _, f := range files {
		out = append(out, objectValue(resourceFileType, map[string]attr.Value{
			"auto_storage_container_name": types.StringPointerValue(f.AutoStorageContainerName),
			"storage_container_url":       types.StringPointerValue(f.StorageContainerURL),
			"http_url":                    types.StringPointerValue(f.HTTPURL),
			"blob_prefix":                 types.StringPointerValue(f.BlobPrefix),
			"file_path":                   types.StringPointerValue(f.FilePath),
			"file_mode":                   types.StringPointerValue(f.FileMode),
			"identity_reference":          identityValue(f.IdentityReference),
		}, diags))
	}
	return listValue(resourceFileType, out, diags)
}

// flattenUserIdentity hides the service's default identity (the pool's non-admin auto user)
// where the configuration did not set it.
func flattenUserIdentity(u *azbatch.UserIdentity, priorObj types.Object, showDefaults bool, diags *diag.Diagnostics) types.Object {
	objType := types.ObjectType{AttrTypes: userIdentityAttrTypes}
	if u == nil {
		return types.ObjectNull(userIdentityAttrTypes)
	}
	out := userIdentityModel{Username: types.StringPointerValue(u.Username), AutoUserScope: types.StringNull(), AutoUserElevationLevel: types.StringNull()}
	if u.AutoUser != nil {
		out.AutoUserScope = enumValue(u.AutoUser.Scope)
		out.AutoUserElevationLevel = enumValue(u.AutoUser.ElevationLevel)
	}
	if !showDefaults {
		configured := !priorObj.IsNull() && !priorObj.IsUnknown()
		if isNullAttr(priorObj, "auto_user_scope") && strings.EqualFold(out.AutoUserScope.ValueString(), string(azbatch.AutoUserScopePool)) {
			out.AutoUserScope = types.StringNull()
		}
		if isNullAttr(priorObj, "auto_user_elevation_level") && strings.EqualFold(out.AutoUserElevationLevel.ValueString(), string(azbatch.ElevationLevelNonAdmin)) {
			out.AutoUserElevationLevel = types.StringNull()
		}
		if out.Username.IsNull() && out.AutoUserScope.IsNull() && out.AutoUserElevationLevel.IsNull() && !configured {
			return types.ObjectNull(userIdentityAttrTypes)
		}
	}
	return objectValue(objType, map[string]attr.Value{
		"username":                  out.Username,
		"auto_user_scope":           out.AutoUserScope,
		"auto_user_elevation_level": out.AutoUserElevationLevel,
	}, diags)
}

func flattenTaskDependencies(d *azbatch.TaskDependencies, diags *diag.Diagnostics) types.Object {
	if d == nil {
		return types.ObjectNull(taskDependenciesAttrTypes)
	}
	ids := types.ListNull(types.StringType)
	if d.TaskIDs != nil {
		elems := make([]attr.Value, 0, len(d.TaskIDs))
		for _, id := range d.TaskIDs {
			elems = append(elems, types.StringValue(id))
		}
		ids = listValue(types.StringType, elems, diags)
	}
	ranges := types.ListNull(taskIDRangeType)
	if len(d.TaskIDRanges) > 0 {
		elems := make([]attr.Value, 0, len(d.TaskIDRanges))
		for _, r := range d.TaskIDRanges {
			elems = append(elems, objectValue(taskIDRangeType, map[string]attr.Value{"start": int64Value(r.Start), "end": int64Value(r.End)}, diags))
		}
		ranges = listValue(taskIDRangeType, elems, diags)
	}
	return objectValue(types.ObjectType{AttrTypes: taskDependenciesAttrTypes}, map[string]attr.Value{"task_ids": ids, "task_id_ranges": ranges}, diags)
}

func flattenContainerSettings(c *azbatch.TaskContainerSettings, priorObj types.Object, diags *diag.Diagnostics) types.Object {
	if c == nil {
		return types.ObjectNull(containerSettingsAttrTypes)
	}
	registry := types.ObjectNull(containerRegistryAttrTypes)
	if r := c.Registry; r != nil {
		password := types.StringPointerValue(r.Password)
		// The service does not return the password; keep the configured one.
		if r.Password == nil {
			if priorRegistry, ok := attrOf(priorObj, "registry").(types.Object); ok {
				if p, ok := attrOf(priorRegistry, "password").(types.String); ok {
					password = p
				}
			}
		}
		registry = objectValue(types.ObjectType{AttrTypes: containerRegistryAttrTypes}, map[string]attr.Value{
			"registry_server":    types.StringPointerValue(r.RegistryServer),
			"username":           types.StringPointerValue(r.Username),
			"password":           password,
			"identity_reference": identityValue(r.IdentityReference),
		}, diags)
	}
	mounts := types.ListNull(bindMountType)
	if c.ContainerHostBatchBindMounts != nil {
		elems := make([]attr.Value, 0, len(c.ContainerHostBatchBindMounts))
		for _, b := range c.ContainerHostBatchBindMounts {
			elems = append(elems, objectValue(bindMountType, map[string]attr.Value{
				"source": enumValue(b.Source), "is_read_only": types.BoolPointerValue(b.IsReadOnly),
			}, diags))
		}
		mounts = listValue(bindMountType, elems, diags)
	}
	return objectValue(types.ObjectType{AttrTypes: containerSettingsAttrTypes}, map[string]attr.Value{
		"image_name":             types.StringPointerValue(c.ImageName),
		"container_run_options":  types.StringPointerValue(c.ContainerRunOptions),
		"working_directory":      enumValue(c.WorkingDirectory),
		"registry":               registry,
		"host_batch_bind_mounts": mounts,
	}, diags)
}

func flattenExitOptions(o *azbatch.ExitOptions, diags *diag.Diagnostics) types.Object {
	if o == nil {
		return types.ObjectNull(exitOptionsType.AttrTypes)
	}
	return objectValue(exitOptionsType, map[string]attr.Value{"job_action": enumValue(o.JobAction), "dependency_action": enumValue(o.DependencyAction)}, diags)
}

func flattenExitConditions(e *azbatch.ExitConditions, diags *diag.Diagnostics) types.Object {
	if e == nil {
		return types.ObjectNull(exitConditionsAttrTypes)
	}
	// An exit code without options has null actions.
	actions := func(o *azbatch.ExitOptions) (types.String, types.String) {
		if o == nil {
			return types.StringNull(), types.StringNull()
		}
		return enumValue(o.JobAction), enumValue(o.DependencyAction)
	}
	codes := types.ListNull(exitCodeType)
	if len(e.ExitCodes) > 0 {
		elems := make([]attr.Value, 0, len(e.ExitCodes))
		for _, c := range e.ExitCodes {
			job, dep := actions(c.ExitOptions)
			elems = append(elems, objectValue(exitCodeType, map[string]attr.Value{
				"code": int64Value(c.Code), "job_action": job, "dependency_action": dep,
			}, diags))
		}
		codes = listValue(exitCodeType, elems, diags)
	}
	ranges := types.ListNull(exitCodeRangeType)
	if len(e.ExitCodeRanges) > 0 {
		elems := make([]attr.Value, 0, len(e.ExitCodeRanges))
		for _, r := range e.ExitCodeRanges {
			job, dep := actions(r.ExitOptions)
			elems = append(elems, objectValue(exitCodeRangeType, map[string]attr.Value{
				"start": int64Value(r.Start), "end": int64Value(r.End), "job_action": job, "dependency_action": dep,
			}, diags))
		}
		ranges = listValue(exitCodeRangeType, elems, diags)
	}
	return objectValue(types.ObjectType{AttrTypes: exitConditionsAttrTypes}, map[string]attr.Value{
		"exit_codes":           codes,
		"exit_code_ranges":     ranges,
		"pre_processing_error": flattenExitOptions(e.PreProcessingError, diags),
		"file_upload_error":    flattenExitOptions(e.FileUploadError, diags),
		"default":              flattenExitOptions(e.Default, diags),
	}, diags)
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

func mapValue(elemType attr.Type, elems map[string]attr.Value, diags *diag.Diagnostics) types.Map {
	v, d := types.MapValue(elemType, elems)
	diags.Append(d...)
	return v
}

func stringPtr(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	return to.Ptr(v.ValueString())
}

func int32Ptr(v types.Int64) *int32 {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	return to.Ptr(int32(v.ValueInt64()))
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

func identityValue(r *azbatch.NodeIdentityReference) types.String {
	if r == nil {
		return types.StringNull()
	}
	return types.StringPointerValue(r.ResourceID)
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
