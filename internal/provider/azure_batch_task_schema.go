package provider

import (
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

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

// The attributes of a task, shared by the resource and (all computed) by the data source.
// Everything but constraints is immutable on the service, so every input requires replacement.

func batchIDValidator() validator.String {
	return ruleValidator(azurebatch.IDRule, azurebatch.CheckID)
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
			Validators:          []validator.String{ruleValidator(azurebatch.FileModeRule, azurebatch.CheckFileMode)},
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
			MarkdownDescription: "ID of the task, unique in the job without regard to case. " + "It " + azurebatch.IDRule + ".",
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
			Validators:          []validator.String{stringvalidator.LengthBetween(1, azurebatch.MaxDisplayNameLength)},
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
		"constraints": constraintsAttribute("Execution constraints, the only part of a task that is updated in place. Unset values take the "+
			"service's defaults (unlimited wall clock time, 7 days retention, the job's retry count), which cause no diff.",
			map[string]schema.Attribute{
				"max_wall_clock_time": maxWallClockTimeAttribute("Longest time the task may run"),
				"retention_time": durationConstraintAttribute("How long the task's directory is kept on the node after it completes, " +
					"as an ISO 8601 duration (default `P7D`)."),
				"max_task_retry_count": maxTaskRetryCountAttribute("Defaults to the job's value."),
			}),
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
				"Terraform reserves the name `depends_on`). The job must have been created with `uses_task_dependencies = true` (the service's `usesTaskDependencies`).",
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

// constraintsAttribute is the constraints object of tasks and jobs: optional, and what the
// configuration leaves unset keeps the value in state (the service's default after a create),
// so server defaults, the "unlimited" duration included, cause no diff.
func constraintsAttribute(description string, attrs map[string]schema.Attribute) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: description,
		Optional:            true,
		Computed:            true,
		PlanModifiers:       []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
		Attributes:          attrs,
	}
}

// durationConstraintAttribute is a duration member of constraintsAttribute.
func durationConstraintAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		CustomType:          durationType{},
		Optional:            true,
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// maxWallClockTimeAttribute is the max_wall_clock_time of a task's or a job's constraints;
// limit says what it limits.
func maxWallClockTimeAttribute(limit string) schema.StringAttribute {
	return durationConstraintAttribute(limit + ", as an ISO 8601 duration (e.g. `PT2H`). The service's \"unlimited\" is `" + unlimitedDurationDoc + "`.")
}

// maxTaskRetryCountAttribute is the max_task_retry_count of a task's or a job's constraints;
// defaults says what the service takes when it is unset.
func maxTaskRetryCountAttribute(defaults string) schema.Int64Attribute {
	return schema.Int64Attribute{
		MarkdownDescription: "Retries after a failed run (0: none, -1: without limit). " + defaults,
		Optional:            true,
		Computed:            true,
		Validators:          []validator.Int64{int64validator.AtLeast(-1)},
		PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
	}
}

func withAttributes(a, b map[string]schema.Attribute) map[string]schema.Attribute {
	for k, v := range b {
		a[k] = v
	}
	return a
}
