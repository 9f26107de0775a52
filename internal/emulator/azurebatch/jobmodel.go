package azurebatch

// Wire types of the Azure Batch job API (spec §11), with the JSON names of
// the REST spec. Request bodies use pointers so that "absent" and "zero"
// differ; responses use plain values where the service always sends them.
// The job manager, preparation and release tasks and the auto-pool's pool
// specification are kept as JSON objects: the emulator checks their
// required properties, fills the documented defaults and echoes them, but
// does not run them.

// JobConstraints is JobConstraints.
type JobConstraints struct {
	MaxWallClockTime  *string `json:"maxWallClockTime,omitempty"`
	MaxTaskRetryCount *int32  `json:"maxTaskRetryCount,omitempty"`
}

// AutoPoolSpecification is AutoPoolSpecification.
type AutoPoolSpecification struct {
	AutoPoolIDPrefix   *string        `json:"autoPoolIdPrefix,omitempty"`
	PoolLifetimeOption *string        `json:"poolLifetimeOption,omitempty"`
	KeepAlive          *bool          `json:"keepAlive,omitempty"`
	Pool               map[string]any `json:"pool,omitempty"`
}

// PoolInfo is PoolInformation: a pool id or an auto-pool specification.
type PoolInfo struct {
	PoolID                *string                `json:"poolId,omitempty"`
	AutoPoolSpecification *AutoPoolSpecification `json:"autoPoolSpecification,omitempty"`
}

// JobNetworkConfiguration is JobNetworkConfiguration.
type JobNetworkConfiguration struct {
	SubnetID             *string `json:"subnetId,omitempty"`
	SkipWithdrawFromVNet *bool   `json:"skipWithdrawFromVNet,omitempty"`
}

// MetadataItem is MetadataItem; both properties are required.
type MetadataItem struct {
	Name  *string `json:"name,omitempty"`
	Value *string `json:"value,omitempty"`
}

// JobAddParameter is the body of Add Job (required: id, poolInfo).
type JobAddParameter struct {
	ID                        *string                  `json:"id,omitempty"`
	DisplayName               *string                  `json:"displayName,omitempty"`
	Priority                  *int32                   `json:"priority,omitempty"`
	MaxParallelTasks          *int32                   `json:"maxParallelTasks,omitempty"`
	AllowTaskPreemption       *bool                    `json:"allowTaskPreemption,omitempty"`
	Constraints               *JobConstraints          `json:"constraints,omitempty"`
	JobManagerTask            map[string]any           `json:"jobManagerTask,omitempty"`
	JobPreparationTask        map[string]any           `json:"jobPreparationTask,omitempty"`
	JobReleaseTask            map[string]any           `json:"jobReleaseTask,omitempty"`
	CommonEnvironmentSettings []EnvironmentSetting     `json:"commonEnvironmentSettings,omitempty"`
	PoolInfo                  *PoolInfo                `json:"poolInfo,omitempty"`
	OnAllTasksComplete        *string                  `json:"onAllTasksComplete,omitempty"`
	OnTaskFailure             *string                  `json:"onTaskFailure,omitempty"`
	NetworkConfiguration      *JobNetworkConfiguration `json:"networkConfiguration,omitempty"`
	Metadata                  []MetadataItem           `json:"metadata,omitempty"`
	UsesTaskDependencies      *bool                    `json:"usesTaskDependencies,omitempty"`
}

// JobPatchParameter is the body of Patch Job (every property optional) and,
// with poolInfo required, of Update Job (JobUpdateParameter). Metadata is a
// pointer so that PATCH can tell an absent list from an empty one.
type JobPatchParameter struct {
	Priority             *int32                   `json:"priority,omitempty"`
	MaxParallelTasks     *int32                   `json:"maxParallelTasks,omitempty"`
	AllowTaskPreemption  *bool                    `json:"allowTaskPreemption,omitempty"`
	OnAllTasksComplete   *string                  `json:"onAllTasksComplete,omitempty"`
	Constraints          *JobConstraints          `json:"constraints,omitempty"`
	PoolInfo             *PoolInfo                `json:"poolInfo,omitempty"`
	Metadata             *[]MetadataItem          `json:"metadata,omitempty"`
	NetworkConfiguration *JobNetworkConfiguration `json:"networkConfiguration,omitempty"`
}

// JobSchedulingError is JobSchedulingError.
type JobSchedulingError struct {
	Category string          `json:"category"`
	Code     string          `json:"code,omitempty"`
	Message  string          `json:"message,omitempty"`
	Details  []NameValuePair `json:"details,omitempty"`
}

// JobExecutionInfo is JobExecutionInformation.
type JobExecutionInfo struct {
	StartTime       string              `json:"startTime"`
	EndTime         *string             `json:"endTime,omitempty"`
	PoolID          string              `json:"poolId,omitempty"`
	SchedulingError *JobSchedulingError `json:"schedulingError,omitempty"`
	TerminateReason *string             `json:"terminateReason,omitempty"`
}

// JobStatistics is JobStatistics (returned with $expand=stats).
type JobStatistics struct {
	URL               string  `json:"url"`
	StartTime         string  `json:"startTime"`
	LastUpdateTime    string  `json:"lastUpdateTime"`
	UserCPUTime       string  `json:"userCPUTime"`
	KernelCPUTime     string  `json:"kernelCPUTime"`
	WallClockTime     string  `json:"wallClockTime"`
	ReadIOps          int64   `json:"readIOps"`
	WriteIOps         int64   `json:"writeIOps"`
	ReadIOGiB         float64 `json:"readIOGiB"`
	WriteIOGiB        float64 `json:"writeIOGiB"`
	NumSucceededTasks int64   `json:"numSucceededTasks"`
	NumFailedTasks    int64   `json:"numFailedTasks"`
	NumTaskRetries    int64   `json:"numTaskRetries"`
	WaitTime          string  `json:"waitTime"`
}

// CloudJob is CloudJob as GET returns it.
type CloudJob struct {
	ODataMetadata               string                   `json:"odata.metadata,omitempty"`
	ID                          string                   `json:"id"`
	DisplayName                 string                   `json:"displayName,omitempty"`
	UsesTaskDependencies        bool                     `json:"usesTaskDependencies"`
	URL                         string                   `json:"url"`
	ETag                        string                   `json:"eTag"`
	LastModified                string                   `json:"lastModified"`
	CreationTime                string                   `json:"creationTime"`
	State                       string                   `json:"state"`
	StateTransitionTime         string                   `json:"stateTransitionTime"`
	PreviousState               *string                  `json:"previousState,omitempty"`
	PreviousStateTransitionTime *string                  `json:"previousStateTransitionTime,omitempty"`
	Priority                    int32                    `json:"priority"`
	AllowTaskPreemption         bool                     `json:"allowTaskPreemption"`
	MaxParallelTasks            int32                    `json:"maxParallelTasks"`
	Constraints                 JobConstraints           `json:"constraints"`
	JobManagerTask              map[string]any           `json:"jobManagerTask,omitempty"`
	JobPreparationTask          map[string]any           `json:"jobPreparationTask,omitempty"`
	JobReleaseTask              map[string]any           `json:"jobReleaseTask,omitempty"`
	CommonEnvironmentSettings   []EnvironmentSetting     `json:"commonEnvironmentSettings,omitempty"`
	PoolInfo                    PoolInfo                 `json:"poolInfo"`
	OnAllTasksComplete          string                   `json:"onAllTasksComplete"`
	OnTaskFailure               string                   `json:"onTaskFailure"`
	NetworkConfiguration        *JobNetworkConfiguration `json:"networkConfiguration,omitempty"`
	Metadata                    []NameValuePair          `json:"metadata,omitempty"`
	ExecutionInfo               JobExecutionInfo         `json:"executionInfo"`
	Stats                       *JobStatistics           `json:"stats,omitempty"`
}
