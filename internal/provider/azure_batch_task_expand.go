package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/batchops/terraform-provider-batchops/internal/azurebatch"
)

// expandTask builds the Add Task body from the planned model.
func expandTask(m *azureBatchTaskModel) (azurebatch.TaskSpec, diag.Diagnostics) {
	t, diags := expandTaskSpec(m.TaskID.ValueString(), &m.taskSpecModel)
	t.MultiInstanceSettings = expandMultiInstance(objectAs[multiInstanceSettingsModel](m.MultiInstanceSettings, &diags), &diags)
	return t, diags
}

// expandTaskSpec builds the Add Task body of the task taskID. The spec must be known, as it is
// at apply.
func expandTaskSpec(taskID string, s *taskSpecModel) (azurebatch.TaskSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	t := azurebatch.TaskSpec{
		ID:                azurebatch.Ptr(taskID),
		CommandLine:       stringPtr(s.CommandLine),
		DisplayName:       stringPtr(s.DisplayName),
		RequiredSlots:     int32Ptr(s.RequiredSlots),
		ResourceFiles:     expandResourceFiles(s.ResourceFiles, &diags),
		UserIdentity:      expandUserIdentity(objectAs[userIdentityModel](s.UserIdentity, &diags)),
		DependsOn:         expandTaskDependencies(objectAs[taskDependenciesModel](s.TaskDependencies, &diags), &diags),
		ContainerSettings: expandContainerSettings(objectAs[containerSettingsModel](s.ContainerSettings, &diags), &diags),
		ExitConditions:    expandExitConditions(objectAs[exitConditionsModel](s.ExitConditions, &diags), &diags),
	}
	if !s.AffinityID.IsNull() {
		t.AffinityInfo = &azurebatch.AffinityInfo{AffinityID: stringPtr(s.AffinityID)}
	}
	t.EnvironmentSettings = expandEnvironment(s.Environment)
	for _, o := range listAs[outputFileModel](s.OutputFiles, &diags) {
		dest := &azurebatch.OutputFileBlobContainerDestination{
			ContainerURL: stringPtr(o.ContainerURL),
			Path:         stringPtr(o.Path),
		}
		if !o.IdentityReference.IsNull() {
			dest.IdentityReference = &azurebatch.NodeIdentityReference{ResourceID: stringPtr(o.IdentityReference)}
		}
		headers := o.UploadHeaders.Elements()
		for _, name := range sortedMapKeys(headers) {
			dest.UploadHeaders = append(dest.UploadHeaders, azurebatch.HTTPHeader{Name: azurebatch.Ptr(name), Value: stringOf(headers[name])})
		}
		t.OutputFiles = append(t.OutputFiles, azurebatch.OutputFile{
			FilePattern:   stringPtr(o.FilePattern),
			Destination:   &azurebatch.OutputFileDestination{Container: dest},
			UploadOptions: &azurebatch.OutputFileUploadConfig{UploadCondition: enumPtr[azurebatch.OutputFileUploadCondition](o.UploadCondition)},
		})
	}
	for _, a := range listAs[applicationPackageModel](s.ApplicationPackageReferences, &diags) {
		t.ApplicationPackageReferences = append(t.ApplicationPackageReferences, azurebatch.ApplicationPackageReference{
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
func expandConstraints(obj types.Object) (*azurebatch.TaskConstraints, diag.Diagnostics) {
	var diags diag.Diagnostics
	c := objectAs[constraintsModel](obj, &diags)
	if c == nil || diags.HasError() {
		return nil, diags
	}
	return &azurebatch.TaskConstraints{
		MaxWallClockTime:  stringPtr(c.MaxWallClockTime.StringValue),
		RetentionTime:     stringPtr(c.RetentionTime.StringValue),
		MaxTaskRetryCount: int32Ptr(c.MaxTaskRetryCount),
	}, diags
}

func expandResourceFiles(l types.List, diags *diag.Diagnostics) []azurebatch.ResourceFile {
	var out []azurebatch.ResourceFile
	for _, f := range listAs[resourceFileModel](l, diags) {
		rf := azurebatch.ResourceFile{
			AutoStorageContainerName: stringPtr(f.AutoStorageContainerName),
			StorageContainerURL:      stringPtr(f.StorageContainerURL),
			HTTPURL:                  stringPtr(f.HTTPURL),
			BlobPrefix:               stringPtr(f.BlobPrefix),
			FilePath:                 stringPtr(f.FilePath),
			FileMode:                 stringPtr(f.FileMode),
		}
		if !f.IdentityReference.IsNull() {
			rf.IdentityReference = &azurebatch.NodeIdentityReference{ResourceID: stringPtr(f.IdentityReference)}
		}
		out = append(out, rf)
	}
	return out
}

func expandUserIdentity(u *userIdentityModel) *azurebatch.UserIdentity {
	if u == nil {
		return nil
	}
	id := &azurebatch.UserIdentity{Username: stringPtr(u.Username)}
	if !u.AutoUserScope.IsNull() || !u.AutoUserElevationLevel.IsNull() {
		id.AutoUser = &azurebatch.AutoUserSpecification{
			Scope:          enumPtr[azurebatch.AutoUserScope](u.AutoUserScope),
			ElevationLevel: enumPtr[azurebatch.ElevationLevel](u.AutoUserElevationLevel),
		}
	}
	return id
}

func expandTaskDependencies(d *taskDependenciesModel, diags *diag.Diagnostics) *azurebatch.TaskDependencies {
	if d == nil {
		return nil
	}
	out := &azurebatch.TaskDependencies{}
	if ids := listAs[types.String](d.TaskIDs, diags); ids != nil {
		out.TaskIDs = make([]string, 0, len(ids))
		for _, id := range ids {
			out.TaskIDs = append(out.TaskIDs, id.ValueString())
		}
	}
	for _, r := range listAs[taskIDRangeModel](d.TaskIDRanges, diags) {
		out.TaskIDRanges = append(out.TaskIDRanges, azurebatch.TaskIDRange{Start: int32Ptr(r.Start), End: int32Ptr(r.End)})
	}
	return out
}

func expandContainerSettings(c *containerSettingsModel, diags *diag.Diagnostics) *azurebatch.TaskContainerSettings {
	if c == nil {
		return nil
	}
	out := &azurebatch.TaskContainerSettings{
		ImageName:           stringPtr(c.ImageName),
		ContainerRunOptions: stringPtr(c.ContainerRunOptions),
		WorkingDirectory:    enumPtr[azurebatch.ContainerWorkingDirectory](c.WorkingDirectory),
	}
	if r := objectAs[containerRegistryModel](c.Registry, diags); r != nil {
		out.Registry = &azurebatch.ContainerRegistryReference{
			RegistryServer: stringPtr(r.RegistryServer),
			Username:       stringPtr(r.Username),
			Password:       stringPtr(r.Password),
		}
		if !r.IdentityReference.IsNull() {
			out.Registry.IdentityReference = &azurebatch.NodeIdentityReference{ResourceID: stringPtr(r.IdentityReference)}
		}
	}
	if mounts := listAs[bindMountModel](c.HostBatchBindMounts, diags); mounts != nil {
		out.ContainerHostBatchBindMounts = make([]azurebatch.ContainerHostBindMountEntry, 0, len(mounts))
		for _, b := range mounts {
			out.ContainerHostBatchBindMounts = append(out.ContainerHostBatchBindMounts, azurebatch.ContainerHostBindMountEntry{
				Source: enumPtr[azurebatch.ContainerHostDataPath](b.Source), IsReadOnly: b.IsReadOnly.ValueBoolPointer(),
			})
		}
	}
	return out
}

func expandMultiInstance(m *multiInstanceSettingsModel, diags *diag.Diagnostics) *azurebatch.MultiInstanceSettings {
	if m == nil {
		return nil
	}
	return &azurebatch.MultiInstanceSettings{
		NumberOfInstances:       int32Ptr(m.NumberOfInstances),
		CoordinationCommandLine: stringPtr(m.CoordinationCommandLine),
		CommonResourceFiles:     expandResourceFiles(m.CommonResourceFiles, diags),
	}
}

func expandExitOptions(o *exitOptionsModel) *azurebatch.ExitOptions {
	if o == nil {
		return nil
	}
	return &azurebatch.ExitOptions{
		JobAction:        enumPtr[azurebatch.JobAction](o.JobAction),
		DependencyAction: enumPtr[azurebatch.DependencyAction](o.DependencyAction),
	}
}

func expandExitConditions(e *exitConditionsModel, diags *diag.Diagnostics) *azurebatch.ExitConditions {
	if e == nil {
		return nil
	}
	out := &azurebatch.ExitConditions{
		PreProcessingError: expandExitOptions(objectAs[exitOptionsModel](e.PreProcessingError, diags)),
		FileUploadError:    expandExitOptions(objectAs[exitOptionsModel](e.FileUploadError, diags)),
		Default:            expandExitOptions(objectAs[exitOptionsModel](e.Default, diags)),
	}
	for _, c := range listAs[exitCodeModel](e.ExitCodes, diags) {
		out.ExitCodes = append(out.ExitCodes, azurebatch.ExitCodeMapping{
			Code:        int32Ptr(c.Code),
			ExitOptions: expandExitOptions(&exitOptionsModel{JobAction: c.JobAction, DependencyAction: c.DependencyAction}),
		})
	}
	for _, r := range listAs[exitCodeRangeModel](e.ExitCodeRanges, diags) {
		out.ExitCodeRanges = append(out.ExitCodeRanges, azurebatch.ExitCodeRangeMapping{
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
func flattenTask(t *azurebatch.Task, jobID string, prior *azureBatchTaskModel) (azureBatchTaskModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	showDefaults := prior == nil
	if prior == nil {
		prior = &azureBatchTaskModel{}
	}
	m := azureBatchTaskModel{
		JobID:  sameOrRead(prior.JobID, jobID),
		TaskID: sameOrRead(prior.TaskID, deref(t.ID)),
	}
	m.ID = types.StringValue(m.JobID.ValueString() + "/" + m.TaskID.ValueString())
	m.taskSpecModel = flattenTaskSpec(t, &prior.taskSpecModel, showDefaults, &diags)
	m.MultiInstanceSettings = types.ObjectNull(multiInstanceSettingsAttrTypes)
	if mi := t.MultiInstanceSettings; mi != nil {
		m.MultiInstanceSettings = objectValue(types.ObjectType{AttrTypes: multiInstanceSettingsAttrTypes}, map[string]attr.Value{
			"number_of_instances":       int64Value(mi.NumberOfInstances),
			"coordination_command_line": types.StringPointerValue(mi.CoordinationCommandLine),
			"common_resource_files":     flattenResourceFiles(mi.CommonResourceFiles, &diags),
		}, &diags)
	}
	m.taskStatusModel = flattenTaskStatus(t, &diags)
	return m, diags
}

// flattenTaskSpec reads a task's definition back; prior and showDefaults as for flattenTask.
func flattenTaskSpec(t *azurebatch.Task, prior *taskSpecModel, showDefaults bool, diags *diag.Diagnostics) taskSpecModel {
	s := taskSpecModel{
		CommandLine:   types.StringPointerValue(t.CommandLine),
		DisplayName:   types.StringPointerValue(t.DisplayName),
		AffinityID:    types.StringNull(),
		ResourceFiles: flattenResourceFiles(t.ResourceFiles, diags),
		RequiredSlots: int64Value(t.RequiredSlots),
	}
	s.Environment = flattenEnvironment(t.EnvironmentSettings)
	if t.AffinityInfo != nil {
		s.AffinityID = types.StringPointerValue(t.AffinityInfo.AffinityID)
	}
	s.OutputFiles = listOf(outputFileType, nonEmpty(t.OutputFiles), func(o azurebatch.OutputFile) attr.Value {
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
		return objectValue(outputFileType, values, diags)
	}, diags)
	s.ApplicationPackageReferences = listOf(applicationPackageType, nonEmpty(t.ApplicationPackageReferences), func(a azurebatch.ApplicationPackageReference) attr.Value {
		return objectValue(applicationPackageType, map[string]attr.Value{
			"application_id": types.StringPointerValue(a.ApplicationID), "version": types.StringPointerValue(a.Version),
		}, diags)
	}, diags)

	s.Constraints = flattenConstraints(t.Constraints, diags)

	if !showDefaults && prior.RequiredSlots.IsNull() && deref(t.RequiredSlots) == 1 {
		s.RequiredSlots = types.Int64Null()
	}
	s.UserIdentity = flattenUserIdentity(t.UserIdentity, prior.UserIdentity, showDefaults, diags)
	s.TaskDependencies = flattenTaskDependencies(t.DependsOn, diags)
	s.ContainerSettings = flattenContainerSettings(t.ContainerSettings, prior.ContainerSettings, diags)
	s.ExitConditions = flattenExitConditions(t.ExitConditions, diags)
	return s
}

// expandEnvironment and flattenEnvironment convert a map of environment variables, a task's or
// a job's, to the service's list and back; no variables is null.
func expandEnvironment(m types.Map) []azurebatch.EnvironmentSetting {
	var out []azurebatch.EnvironmentSetting
	values := mapStrings(m)
	for _, name := range sortedMapKeys(values) {
		out = append(out, azurebatch.EnvironmentSetting{Name: azurebatch.Ptr(name), Value: azurebatch.Ptr(values[name])})
	}
	return out
}

func flattenEnvironment(settings []azurebatch.EnvironmentSetting) types.Map {
	if len(settings) == 0 {
		return types.MapNull(types.StringType)
	}
	env := make(map[string]string, len(settings))
	for _, e := range settings {
		env[deref(e.Name)] = deref(e.Value)
	}
	return stringMap(env)
}

// sameOrRead is the value read, or the prior one when it names the same thing in another case:
// the service compares ids without regard to case, so the configured spelling is kept.
func sameOrRead(prior types.String, read string) types.String {
	if !prior.IsNull() && !prior.IsUnknown() && strings.EqualFold(prior.ValueString(), read) {
		return prior
	}
	return types.StringValue(read)
}

// flattenConstraints reads a task's constraints back.
func flattenConstraints(c *azurebatch.TaskConstraints, diags *diag.Diagnostics) types.Object {
	constraints := map[string]attr.Value{"max_wall_clock_time": durationNull(), "retention_time": durationNull(), "max_task_retry_count": types.Int64Null()}
	if c != nil {
		constraints = map[string]attr.Value{
			"max_wall_clock_time":  durationFrom(c.MaxWallClockTime),
			"retention_time":       durationFrom(c.RetentionTime),
			"max_task_retry_count": int64Value(c.MaxTaskRetryCount),
		}
	}
	return objectValue(types.ObjectType{AttrTypes: constraintsAttrTypes}, constraints, diags)
}

// flattenTaskStatus reads what the service reports about a task as it runs.
func flattenTaskStatus(t *azurebatch.Task, diags *diag.Diagnostics) taskStatusModel {
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

func flattenResourceFiles(files []azurebatch.ResourceFile, diags *diag.Diagnostics) types.List {
	return listOf(resourceFileType, nonEmpty(files), func(f azurebatch.ResourceFile) attr.Value {
		return objectValue(resourceFileType, map[string]attr.Value{
			"auto_storage_container_name": types.StringPointerValue(f.AutoStorageContainerName),
			"storage_container_url":       types.StringPointerValue(f.StorageContainerURL),
			"http_url":                    types.StringPointerValue(f.HTTPURL),
			"blob_prefix":                 types.StringPointerValue(f.BlobPrefix),
			"file_path":                   types.StringPointerValue(f.FilePath),
			"file_mode":                   types.StringPointerValue(f.FileMode),
			"identity_reference":          identityValue(f.IdentityReference),
		}, diags)
	}, diags)
}

// flattenUserIdentity hides the service's default identity (the pool's non-admin auto user)
// where the configuration did not set it.
func flattenUserIdentity(u *azurebatch.UserIdentity, priorObj types.Object, showDefaults bool, diags *diag.Diagnostics) types.Object {
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
		if isNullAttr(priorObj, "auto_user_scope") && strings.EqualFold(out.AutoUserScope.ValueString(), string(azurebatch.AutoUserScopePool)) {
			out.AutoUserScope = types.StringNull()
		}
		if isNullAttr(priorObj, "auto_user_elevation_level") && strings.EqualFold(out.AutoUserElevationLevel.ValueString(), string(azurebatch.ElevationLevelNonAdmin)) {
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

func flattenTaskDependencies(d *azurebatch.TaskDependencies, diags *diag.Diagnostics) types.Object {
	if d == nil {
		return types.ObjectNull(taskDependenciesAttrTypes)
	}
	ids := listOf(types.StringType, d.TaskIDs, func(id string) attr.Value { return types.StringValue(id) }, diags)
	ranges := listOf(taskIDRangeType, nonEmpty(d.TaskIDRanges), func(r azurebatch.TaskIDRange) attr.Value {
		return objectValue(taskIDRangeType, map[string]attr.Value{"start": int64Value(r.Start), "end": int64Value(r.End)}, diags)
	}, diags)
	return objectValue(types.ObjectType{AttrTypes: taskDependenciesAttrTypes}, map[string]attr.Value{"task_ids": ids, "task_id_ranges": ranges}, diags)
}

func flattenContainerSettings(c *azurebatch.TaskContainerSettings, priorObj types.Object, diags *diag.Diagnostics) types.Object {
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
	mounts := listOf(bindMountType, c.ContainerHostBatchBindMounts, func(b azurebatch.ContainerHostBindMountEntry) attr.Value {
		return objectValue(bindMountType, map[string]attr.Value{
			"source": enumValue(b.Source), "is_read_only": types.BoolPointerValue(b.IsReadOnly),
		}, diags)
	}, diags)
	return objectValue(types.ObjectType{AttrTypes: containerSettingsAttrTypes}, map[string]attr.Value{
		"image_name":             types.StringPointerValue(c.ImageName),
		"container_run_options":  types.StringPointerValue(c.ContainerRunOptions),
		"working_directory":      enumValue(c.WorkingDirectory),
		"registry":               registry,
		"host_batch_bind_mounts": mounts,
	}, diags)
}

func flattenExitOptions(o *azurebatch.ExitOptions, diags *diag.Diagnostics) types.Object {
	if o == nil {
		return types.ObjectNull(exitOptionsType.AttrTypes)
	}
	return objectValue(exitOptionsType, map[string]attr.Value{"job_action": enumValue(o.JobAction), "dependency_action": enumValue(o.DependencyAction)}, diags)
}

func flattenExitConditions(e *azurebatch.ExitConditions, diags *diag.Diagnostics) types.Object {
	if e == nil {
		return types.ObjectNull(exitConditionsAttrTypes)
	}
	// An exit code without options has null actions.
	actions := func(o *azurebatch.ExitOptions) (types.String, types.String) {
		if o == nil {
			return types.StringNull(), types.StringNull()
		}
		return enumValue(o.JobAction), enumValue(o.DependencyAction)
	}
	codes := listOf(exitCodeType, nonEmpty(e.ExitCodes), func(c azurebatch.ExitCodeMapping) attr.Value {
		job, dep := actions(c.ExitOptions)
		return objectValue(exitCodeType, map[string]attr.Value{
			"code": int64Value(c.Code), "job_action": job, "dependency_action": dep,
		}, diags)
	}, diags)
	ranges := listOf(exitCodeRangeType, nonEmpty(e.ExitCodeRanges), func(r azurebatch.ExitCodeRangeMapping) attr.Value {
		job, dep := actions(r.ExitOptions)
		return objectValue(exitCodeRangeType, map[string]attr.Value{
			"start": int64Value(r.Start), "end": int64Value(r.End), "job_action": job, "dependency_action": dep,
		}, diags)
	}, diags)
	return objectValue(types.ObjectType{AttrTypes: exitConditionsAttrTypes}, map[string]attr.Value{
		"exit_codes":           codes,
		"exit_code_ranges":     ranges,
		"pre_processing_error": flattenExitOptions(e.PreProcessingError, diags),
		"file_upload_error":    flattenExitOptions(e.FileUploadError, diags),
		"default":              flattenExitOptions(e.Default, diags),
	}, diags)
}

func identityValue(r *azurebatch.NodeIdentityReference) types.String {
	if r == nil {
		return types.StringNull()
	}
	return types.StringPointerValue(r.ResourceID)
}
