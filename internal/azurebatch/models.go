package azurebatch

import "github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

// The task and job models the provider builds and reads, re-exported from the SDK so that the provider
// imports this package alone.
//
// Why aliases and not client-owned structs: the azbatch models are the wire format (the service's
// field names, nil for "not set", enum strings), and the provider's expand/flatten already map
// every field once. Own structs would restate each of the ~30 types, add a second mapping in
// this package, and drift from the SDK with each update; aliases keep one mapping and let the
// compiler catch an SDK change in the glue.
type (
	// TaskSpec is the body of Add Task.
	TaskSpec = azbatch.CreateTaskContent
	// Task is a task as Get Task returns it.
	Task = azbatch.Task

	AffinityInfo                       = azbatch.AffinityInfo
	ApplicationPackageReference        = azbatch.ApplicationPackageReference
	AutoUserSpecification              = azbatch.AutoUserSpecification
	ContainerHostBindMountEntry        = azbatch.ContainerHostBindMountEntry
	ContainerRegistryReference         = azbatch.ContainerRegistryReference
	EnvironmentSetting                 = azbatch.EnvironmentSetting
	ExitCodeMapping                    = azbatch.ExitCodeMapping
	ExitCodeRangeMapping               = azbatch.ExitCodeRangeMapping
	ExitConditions                     = azbatch.ExitConditions
	ExitOptions                        = azbatch.ExitOptions
	HTTPHeader                         = azbatch.HTTPHeader
	MultiInstanceSettings              = azbatch.MultiInstanceSettings
	NodeIdentityReference              = azbatch.NodeIdentityReference
	OutputFile                         = azbatch.OutputFile
	OutputFileBlobContainerDestination = azbatch.OutputFileBlobContainerDestination
	OutputFileDestination              = azbatch.OutputFileDestination
	OutputFileUploadConfig             = azbatch.OutputFileUploadConfig
	ResourceFile                       = azbatch.ResourceFile
	TaskConstraints                    = azbatch.TaskConstraints
	TaskContainerSettings              = azbatch.TaskContainerSettings
	TaskDependencies                   = azbatch.TaskDependencies
	TaskExecutionInfo                  = azbatch.TaskExecutionInfo
	TaskIDRange                        = azbatch.TaskIDRange
	UserIdentity                       = azbatch.UserIdentity

	// JobSpec is the body of Add Job.
	JobSpec = azbatch.CreateJobContent
	// Job is a job as Get Job returns it.
	Job = azbatch.Job
	// JobUpdate is the body of Patch Job (azbatch's UpdateJob): only the properties set change.
	JobUpdate = azbatch.UpdateJobContent

	JobConstraints   = azbatch.JobConstraints
	JobExecutionInfo = azbatch.JobExecutionInfo
	MetadataItem     = azbatch.MetadataItem
	PoolInfo         = azbatch.PoolInfo

	// Enumerations, strings on the wire.
	AutoUserScope             = azbatch.AutoUserScope
	ContainerHostDataPath     = azbatch.ContainerHostDataPath
	ContainerWorkingDirectory = azbatch.ContainerWorkingDirectory
	DependencyAction          = azbatch.DependencyAction
	ElevationLevel            = azbatch.ElevationLevel
	JobAction                 = azbatch.JobAction
	JobState                  = azbatch.JobState
	OnAllTasksComplete        = azbatch.OnAllTasksComplete
	OnTaskFailure             = azbatch.OnTaskFailure
	OutputFileUploadCondition = azbatch.OutputFileUploadCondition
	TaskExecutionResult       = azbatch.TaskExecutionResult
	TaskState                 = azbatch.TaskState
)

// The enumeration values the provider compares with.
const (
	AutoUserScopePool          = azbatch.AutoUserScopePool
	ElevationLevelNonAdmin     = azbatch.ElevationLevelNonAdmin
	TaskExecutionResultFailure = azbatch.TaskExecutionResultFailure
	TaskStateActive            = azbatch.TaskStateActive
	TaskStateRunning           = azbatch.TaskStateRunning
	TaskStateCompleted         = azbatch.TaskStateCompleted

	JobStateActive      = azbatch.JobStateActive
	JobStateDisabling   = azbatch.JobStateDisabling
	JobStateDisabled    = azbatch.JobStateDisabled
	JobStateEnabling    = azbatch.JobStateEnabling
	JobStateTerminating = azbatch.JobStateTerminating
	JobStateCompleted   = azbatch.JobStateCompleted
	JobStateDeleting    = azbatch.JobStateDeleting

	OnAllTasksCompleteNoAction               = azbatch.OnAllTasksCompleteNoAction
	OnAllTasksCompleteTerminateJob           = azbatch.OnAllTasksCompleteTerminateJob
	OnTaskFailureNoAction                    = azbatch.OnTaskFailureNoAction
	OnTaskFailurePerformExitOptionsJobAction = azbatch.OnTaskFailurePerformExitOptionsJobAction
)

// Ptr returns a pointer to v, for the models' optional fields.
func Ptr[T any](v T) *T { return &v }
