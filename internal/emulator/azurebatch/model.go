package azurebatch

// Wire types of the Azure Batch task API (api-version 2024-07-01.20.0), with
// the JSON names of the REST spec. Every field is optional on the wire, so
// scalars are pointers; the server fills defaults as described in README.md.

// TaskConstraints is TaskConstraints.
type TaskConstraints struct {
	MaxWallClockTime  *string `json:"maxWallClockTime,omitempty"`
	RetentionTime     *string `json:"retentionTime,omitempty"`
	MaxTaskRetryCount *int32  `json:"maxTaskRetryCount,omitempty"`
}

// AutoUserSpecification is AutoUserSpecification.
type AutoUserSpecification struct {
	Scope          *string `json:"scope,omitempty"`
	ElevationLevel *string `json:"elevationLevel,omitempty"`
}

// UserIdentity is UserIdentity; the wire name of the user is "username".
type UserIdentity struct {
	Username *string                `json:"username,omitempty"`
	AutoUser *AutoUserSpecification `json:"autoUser,omitempty"`
}

// IdentityReference is BatchNodeIdentityReference.
type IdentityReference struct {
	ResourceID *string `json:"resourceId,omitempty"`
}

// ResourceFile is ResourceFile.
type ResourceFile struct {
	AutoStorageContainerName *string            `json:"autoStorageContainerName,omitempty"`
	StorageContainerURL      *string            `json:"storageContainerUrl,omitempty"`
	HTTPURL                  *string            `json:"httpUrl,omitempty"`
	BlobPrefix               *string            `json:"blobPrefix,omitempty"`
	FilePath                 *string            `json:"filePath,omitempty"`
	FileMode                 *string            `json:"fileMode,omitempty"`
	IdentityReference        *IdentityReference `json:"identityReference,omitempty"`
}

// HTTPHeader is HttpHeader.
type HTTPHeader struct {
	Name  *string `json:"name,omitempty"`
	Value *string `json:"value,omitempty"`
}

// OutputFileBlobContainerDestination is OutputFileBlobContainerDestination.
type OutputFileBlobContainerDestination struct {
	Path              *string            `json:"path,omitempty"`
	ContainerURL      *string            `json:"containerUrl,omitempty"`
	IdentityReference *IdentityReference `json:"identityReference,omitempty"`
	UploadHeaders     []HTTPHeader       `json:"uploadHeaders,omitempty"`
}

// OutputFileDestination is OutputFileDestination.
type OutputFileDestination struct {
	Container *OutputFileBlobContainerDestination `json:"container,omitempty"`
}

// OutputFileUploadOptions is OutputFileUploadOptions.
type OutputFileUploadOptions struct {
	UploadCondition *string `json:"uploadCondition,omitempty"`
}

// OutputFile is OutputFile.
type OutputFile struct {
	FilePattern   *string                  `json:"filePattern,omitempty"`
	Destination   *OutputFileDestination   `json:"destination,omitempty"`
	UploadOptions *OutputFileUploadOptions `json:"uploadOptions,omitempty"`
}

// EnvironmentSetting is EnvironmentSetting.
type EnvironmentSetting struct {
	Name  *string `json:"name,omitempty"`
	Value *string `json:"value,omitempty"`
}

// AffinityInfo is AffinityInformation.
type AffinityInfo struct {
	AffinityID *string `json:"affinityId,omitempty"`
}

// ContainerRegistry is ContainerRegistry. The service never returns
// Password.
type ContainerRegistry struct {
	Username          *string            `json:"username,omitempty"`
	Password          *string            `json:"password,omitempty"`
	RegistryServer    *string            `json:"registryServer,omitempty"`
	IdentityReference *IdentityReference `json:"identityReference,omitempty"`
}

// ContainerHostBatchBindMountEntry is ContainerHostBatchBindMountEntry.
type ContainerHostBatchBindMountEntry struct {
	Source     *string `json:"source,omitempty"`
	IsReadOnly *bool   `json:"isReadOnly,omitempty"`
}

// TaskContainerSettings is TaskContainerSettings. A nil
// ContainerHostBatchBindMounts (mount everything) differs from an empty one
// (mount nothing), hence the pointer.
type TaskContainerSettings struct {
	ContainerRunOptions          *string                             `json:"containerRunOptions,omitempty"`
	ImageName                    *string                             `json:"imageName,omitempty"`
	Registry                     *ContainerRegistry                  `json:"registry,omitempty"`
	WorkingDirectory             *string                             `json:"workingDirectory,omitempty"`
	ContainerHostBatchBindMounts *[]ContainerHostBatchBindMountEntry `json:"containerHostBatchBindMounts,omitempty"`
}

// ExitOptions is ExitOptions.
type ExitOptions struct {
	JobAction        *string `json:"jobAction,omitempty"`
	DependencyAction *string `json:"dependencyAction,omitempty"`
}

// ExitCodeMapping is ExitCodeMapping.
type ExitCodeMapping struct {
	Code        *int32       `json:"code,omitempty"`
	ExitOptions *ExitOptions `json:"exitOptions,omitempty"`
}

// ExitCodeRangeMapping is ExitCodeRangeMapping.
type ExitCodeRangeMapping struct {
	Start       *int32       `json:"start,omitempty"`
	End         *int32       `json:"end,omitempty"`
	ExitOptions *ExitOptions `json:"exitOptions,omitempty"`
}

// ExitConditions is ExitConditions.
type ExitConditions struct {
	ExitCodes          []ExitCodeMapping      `json:"exitCodes,omitempty"`
	ExitCodeRanges     []ExitCodeRangeMapping `json:"exitCodeRanges,omitempty"`
	PreProcessingError *ExitOptions           `json:"preProcessingError,omitempty"`
	FileUploadError    *ExitOptions           `json:"fileUploadError,omitempty"`
	Default            *ExitOptions           `json:"default,omitempty"`
}

// MultiInstanceSettings is MultiInstanceSettings.
type MultiInstanceSettings struct {
	NumberOfInstances       *int32         `json:"numberOfInstances,omitempty"`
	CoordinationCommandLine *string        `json:"coordinationCommandLine,omitempty"`
	CommonResourceFiles     []ResourceFile `json:"commonResourceFiles,omitempty"`
}

// TaskIDRange is TaskIdRange (inclusive).
type TaskIDRange struct {
	Start *int32 `json:"start,omitempty"`
	End   *int32 `json:"end,omitempty"`
}

// TaskDependencies is TaskDependencies.
type TaskDependencies struct {
	TaskIDs      []string      `json:"taskIds,omitempty"`
	TaskIDRanges []TaskIDRange `json:"taskIdRanges,omitempty"`
}

// ApplicationPackageReference is ApplicationPackageReference.
type ApplicationPackageReference struct {
	ApplicationID *string `json:"applicationId,omitempty"`
	Version       *string `json:"version,omitempty"`
}

// AuthenticationTokenSettings is AuthenticationTokenSettings.
type AuthenticationTokenSettings struct {
	Access []string `json:"access,omitempty"`
}

// TaskAddParameter is the body of Add Task (TaskAddParameter).
type TaskAddParameter struct {
	ID                           *string                       `json:"id,omitempty"`
	DisplayName                  *string                       `json:"displayName,omitempty"`
	CommandLine                  *string                       `json:"commandLine,omitempty"`
	ContainerSettings            *TaskContainerSettings        `json:"containerSettings,omitempty"`
	ExitConditions               *ExitConditions               `json:"exitConditions,omitempty"`
	ResourceFiles                []ResourceFile                `json:"resourceFiles,omitempty"`
	OutputFiles                  []OutputFile                  `json:"outputFiles,omitempty"`
	EnvironmentSettings          []EnvironmentSetting          `json:"environmentSettings,omitempty"`
	AffinityInfo                 *AffinityInfo                 `json:"affinityInfo,omitempty"`
	Constraints                  *TaskConstraints              `json:"constraints,omitempty"`
	RequiredSlots                *int32                        `json:"requiredSlots,omitempty"`
	UserIdentity                 *UserIdentity                 `json:"userIdentity,omitempty"`
	MultiInstanceSettings        *MultiInstanceSettings        `json:"multiInstanceSettings,omitempty"`
	DependsOn                    *TaskDependencies             `json:"dependsOn,omitempty"`
	ApplicationPackageReferences []ApplicationPackageReference `json:"applicationPackageReferences,omitempty"`
	AuthenticationTokenSettings  *AuthenticationTokenSettings  `json:"authenticationTokenSettings,omitempty"`
}

// TaskUpdateParameter is the body of Update Task.
type TaskUpdateParameter struct {
	Constraints *TaskConstraints `json:"constraints,omitempty"`
}

// NameValuePair is NameValuePair.
type NameValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TaskFailureInfo is TaskFailureInformation.
type TaskFailureInfo struct {
	Category string          `json:"category"`
	Code     string          `json:"code,omitempty"`
	Message  string          `json:"message,omitempty"`
	Details  []NameValuePair `json:"details,omitempty"`
}

// TaskExecutionInfo is TaskExecutionInformation. Times are RFC 3339 strings
// with 7 fractional digits.
type TaskExecutionInfo struct {
	StartTime       *string          `json:"startTime,omitempty"`
	EndTime         *string          `json:"endTime,omitempty"`
	ExitCode        *int32           `json:"exitCode,omitempty"`
	FailureInfo     *TaskFailureInfo `json:"failureInfo,omitempty"`
	RetryCount      int32            `json:"retryCount"`
	LastRetryTime   *string          `json:"lastRetryTime,omitempty"`
	RequeueCount    int32            `json:"requeueCount"`
	LastRequeueTime *string          `json:"lastRequeueTime,omitempty"`
	Result          *string          `json:"result,omitempty"`
}

// NodeInfo is BatchNodeInformation.
type NodeInfo struct {
	AffinityID           string `json:"affinityId,omitempty"`
	NodeURL              string `json:"nodeUrl,omitempty"`
	PoolID               string `json:"poolId,omitempty"`
	NodeID               string `json:"nodeId,omitempty"`
	TaskRootDirectory    string `json:"taskRootDirectory,omitempty"`
	TaskRootDirectoryURL string `json:"taskRootDirectoryUrl,omitempty"`
}

// Task is CloudTask as the service returns it. Times are RFC 3339 strings
// with 7 fractional digits in UTC.
type Task struct {
	ODataMetadata                string                        `json:"odata.metadata,omitempty"`
	ID                           string                        `json:"id"`
	DisplayName                  *string                       `json:"displayName,omitempty"`
	URL                          string                        `json:"url"`
	ETag                         string                        `json:"eTag"`
	CreationTime                 string                        `json:"creationTime"`
	LastModified                 string                        `json:"lastModified"`
	ExitConditions               *ExitConditions               `json:"exitConditions,omitempty"`
	State                        string                        `json:"state"`
	StateTransitionTime          string                        `json:"stateTransitionTime"`
	PreviousState                *string                       `json:"previousState,omitempty"`
	PreviousStateTransitionTime  *string                       `json:"previousStateTransitionTime,omitempty"`
	CommandLine                  string                        `json:"commandLine"`
	ContainerSettings            *TaskContainerSettings        `json:"containerSettings,omitempty"`
	ResourceFiles                []ResourceFile                `json:"resourceFiles,omitempty"`
	OutputFiles                  []OutputFile                  `json:"outputFiles,omitempty"`
	EnvironmentSettings          []EnvironmentSetting          `json:"environmentSettings,omitempty"`
	AffinityInfo                 *AffinityInfo                 `json:"affinityInfo,omitempty"`
	Constraints                  TaskConstraints               `json:"constraints"`
	RequiredSlots                int32                         `json:"requiredSlots"`
	UserIdentity                 UserIdentity                  `json:"userIdentity"`
	ExecutionInfo                TaskExecutionInfo             `json:"executionInfo"`
	NodeInfo                     *NodeInfo                     `json:"nodeInfo,omitempty"`
	MultiInstanceSettings        *MultiInstanceSettings        `json:"multiInstanceSettings,omitempty"`
	DependsOn                    *TaskDependencies             `json:"dependsOn,omitempty"`
	ApplicationPackageReferences []ApplicationPackageReference `json:"applicationPackageReferences,omitempty"`
	AuthenticationTokenSettings  *AuthenticationTokenSettings  `json:"authenticationTokenSettings,omitempty"`
}

// TaskAddResult is one entry of the Add Task Collection response. Status is
// capitalised as on the wire: "Success", "ClientError" or "ServerError".
type TaskAddResult struct {
	Status       string      `json:"status"`
	TaskID       string      `json:"taskId"`
	ETag         string      `json:"eTag,omitempty"`
	LastModified string      `json:"lastModified,omitempty"`
	Location     string      `json:"location,omitempty"`
	Error        *BatchError `json:"error,omitempty"`
}

// BatchError is the error body of every failed request.
type BatchError struct {
	ODataMetadata string            `json:"odata.metadata,omitempty"`
	Code          string            `json:"code"`
	Message       *ErrorMessage     `json:"message,omitempty"`
	Values        []BatchErrorValue `json:"values,omitempty"`
}

// ErrorMessage is the message of a BatchError.
type ErrorMessage struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

// BatchErrorValue is one key/value detail of a BatchError.
type BatchErrorValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}
