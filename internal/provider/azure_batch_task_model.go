package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// azureBatchTaskModel holds a task's attributes; the resource adds its own settings to it.
type azureBatchTaskModel struct {
	ID     types.String `tfsdk:"id"`
	JobID  types.String `tfsdk:"job_id"`
	TaskID types.String `tfsdk:"task_id"`
	taskSpecModel
	// Only a task of its own can be multi-instance: a task set leaves it out.
	MultiInstanceSettings types.Object `tfsdk:"multi_instance_settings"` // multiInstanceSettingsModel
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
