package azurebatch

import (
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

var fileModeRe = regexp.MustCompile(`^[0-7]{3,4}$`)

func ptr[T any](v T) *T { return &v }

func oneOf(v string, allowed ...string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, true
		}
	}
	return v, false
}

// normalizeConstraints validates constraints and fills the defaults: an
// unlimited maxWallClockTime, a 7-day retentionTime and the job's
// maxTaskRetryCount. Durations come back in normal form.
func normalizeConstraints(c *TaskConstraints, jobRetries int32) (TaskConstraints, *apiError) {
	out := TaskConstraints{
		MaxWallClockTime:  ptr(UnlimitedDuration),
		RetentionTime:     ptr("P7D"),
		MaxTaskRetryCount: ptr(jobRetries),
	}
	if c == nil {
		return out, nil
	}
	var e *apiError
	if out.MaxWallClockTime, e = constraintDuration("maxWallClockTime", c.MaxWallClockTime, out.MaxWallClockTime, NormalizeDuration); e != nil {
		return out, e
	}
	if out.RetentionTime, e = constraintDuration("retentionTime", c.RetentionTime, out.RetentionTime, NormalizeDuration); e != nil {
		return out, e
	}
	out.MaxTaskRetryCount, e = constraintRetries(c.MaxTaskRetryCount, out.MaxTaskRetryCount)
	return out, e
}

// constraintDuration is the duration of constraints.<name> in normal form, or def when it is
// not given.
func constraintDuration(name string, v, def *string, normalize func(string) (string, error)) (*string, *apiError) {
	if v == nil {
		return def, nil
	}
	n, err := normalize(*v)
	if err != nil {
		return nil, invalidProperty("constraints."+name, err.Error())
	}
	return &n, nil
}

// constraintRetries is constraints.maxTaskRetryCount, or def when it is not given.
func constraintRetries(v, def *int32) (*int32, *apiError) {
	if v == nil {
		return def, nil
	}
	if *v < -1 {
		return nil, invalidProperty("constraints.maxTaskRetryCount", "The value must be -1 (unlimited) or greater.")
	}
	return ptr(*v), nil
}

// validateTask validates an Add Task body against the job and fills the
// server defaults in p.
func validateTask(p *TaskAddParameter, j *jobState) *apiError {
	if p.ID == nil {
		return missingProperty("id")
	}
	if !idRe.MatchString(*p.ID) {
		return invalidProperty("id", "The id can contain any combination of alphanumeric characters including hyphens and underscores, and cannot contain more than 64 characters.")
	}
	if p.CommandLine == nil || strings.TrimSpace(*p.CommandLine) == "" {
		return missingProperty("commandLine")
	}
	if p.DisplayName != nil && utf8.RuneCountInString(*p.DisplayName) > 1024 {
		return invalidProperty("displayName", "The displayName cannot contain more than 1024 characters.")
	}
	c, e := normalizeConstraints(p.Constraints, j.maxTaskRetryCount())
	if e != nil {
		return e
	}
	p.Constraints = &c

	if p.RequiredSlots == nil {
		p.RequiredSlots = ptr(int32(1))
	} else if *p.RequiredSlots < 1 {
		return invalidProperty("requiredSlots", "The requiredSlots must be 1 or greater.")
	}

	if e := normalizeUserIdentity(p); e != nil {
		return e
	}
	if e := validateResourceFiles("resourceFiles", p.ResourceFiles); e != nil {
		return e
	}
	for i, of := range p.OutputFiles {
		name := fmt.Sprintf("outputFiles[%d]", i)
		if of.FilePattern == nil || *of.FilePattern == "" {
			return missingProperty(name + ".filePattern")
		}
		if of.Destination == nil {
			return missingProperty(name + ".destination")
		}
		if of.Destination.Container == nil {
			return missingProperty(name + ".destination.container")
		}
		if of.Destination.Container.ContainerURL == nil || *of.Destination.Container.ContainerURL == "" {
			return missingProperty(name + ".destination.container.containerUrl")
		}
		for k, h := range of.Destination.Container.UploadHeaders {
			if h.Name == nil || *h.Name == "" {
				return missingProperty(fmt.Sprintf("%s.destination.container.uploadHeaders[%d].name", name, k))
			}
		}
		if of.UploadOptions == nil {
			return missingProperty(name + ".uploadOptions")
		}
		if of.UploadOptions.UploadCondition == nil {
			return missingProperty(name + ".uploadOptions.uploadCondition")
		}
		v, ok := oneOf(*of.UploadOptions.UploadCondition, "tasksuccess", "taskfailure", "taskcompletion")
		if !ok {
			return invalidProperty(name+".uploadOptions.uploadCondition", "The value must be tasksuccess, taskfailure or taskcompletion.")
		}
		p.OutputFiles[i].UploadOptions.UploadCondition = &v
	}
	for i, es := range p.EnvironmentSettings {
		if es.Name == nil || *es.Name == "" {
			return missingProperty(fmt.Sprintf("environmentSettings[%d].name", i))
		}
	}
	if p.AffinityInfo != nil && (p.AffinityInfo.AffinityID == nil || *p.AffinityInfo.AffinityID == "") {
		return missingProperty("affinityInfo.affinityId")
	}
	if cs := p.ContainerSettings; cs != nil {
		if cs.ImageName == nil || *cs.ImageName == "" {
			return missingProperty("containerSettings.imageName")
		}
		if cs.WorkingDirectory != nil {
			v, ok := oneOf(*cs.WorkingDirectory, "taskWorkingDirectory", "containerImageDefault")
			if !ok {
				return invalidProperty("containerSettings.workingDirectory", "The value must be taskWorkingDirectory or containerImageDefault.")
			}
			cs.WorkingDirectory = &v
		}
		if cs.ContainerHostBatchBindMounts != nil {
			for i, m := range *cs.ContainerHostBatchBindMounts {
				if m.Source == nil {
					continue
				}
				v, ok := oneOf(*m.Source, "Shared", "Startup", "VfsMounts", "Task", "JobPrep", "Applications")
				if !ok {
					return invalidProperty(fmt.Sprintf("containerSettings.containerHostBatchBindMounts[%d].source", i),
						"The value must be Shared, Startup, VfsMounts, Task, JobPrep or Applications.")
				}
				(*cs.ContainerHostBatchBindMounts)[i].Source = &v
			}
		}
	}
	if e := validateExitConditions(p.ExitConditions, j); e != nil {
		return e
	}
	if mi := p.MultiInstanceSettings; mi != nil {
		if mi.CoordinationCommandLine == nil || *mi.CoordinationCommandLine == "" {
			return missingProperty("multiInstanceSettings.coordinationCommandLine")
		}
		if mi.NumberOfInstances != nil && *mi.NumberOfInstances < 1 {
			return invalidProperty("multiInstanceSettings.numberOfInstances", "The numberOfInstances must be 1 or greater.")
		}
		if *p.RequiredSlots != 1 {
			return invalidProperty("requiredSlots", "The requiredSlots must be 1 for a multi-instance task.")
		}
		if e := validateResourceFiles("multiInstanceSettings.commonResourceFiles", mi.CommonResourceFiles); e != nil {
			return e
		}
	}
	if d := p.DependsOn; d != nil {
		if len(d.TaskIDs) == 0 && len(d.TaskIDRanges) == 0 {
			p.DependsOn = nil // [I] an empty dependsOn counts as not set
		} else {
			if !j.usesTaskDependencies() {
				return newError(http.StatusBadRequest, codeTaskDependenciesNotOnJob)
			}
			total := 0
			for _, id := range d.TaskIDs {
				total += len(id)
				if !idRe.MatchString(id) {
					return invalidProperty("dependsOn.taskIds", "The task id '"+id+"' is not a valid task id.")
				}
			}
			if total > 64000 {
				return newError(http.StatusBadRequest, codeTaskDependencyListTooLong)
			}
			for i, r := range d.TaskIDRanges {
				name := fmt.Sprintf("dependsOn.taskIdRanges[%d]", i)
				if e := requireRangeEnds(name, r.Start, r.End); e != nil {
					return e
				}
				if *r.Start < 0 || *r.End < *r.Start {
					return invalidProperty(name, "The range must satisfy 0 <= start <= end.")
				}
			}
		}
	}
	for i, a := range p.ApplicationPackageReferences {
		if a.ApplicationID == nil || *a.ApplicationID == "" {
			return missingProperty(fmt.Sprintf("applicationPackageReferences[%d].applicationId", i))
		}
	}
	if a := p.AuthenticationTokenSettings; a != nil {
		for i, v := range a.Access {
			if !strings.EqualFold(v, "job") {
				return invalidProperty(fmt.Sprintf("authenticationTokenSettings.access[%d]", i), "The only access scope is job.")
			}
			a.Access[i] = "job"
		}
	}
	return nil
}

// normalizeUserIdentity fills the default auto user
// {"scope":"pool","elevationLevel":"nonadmin"} and rejects a user identity
// naming both a user and an auto user.
func normalizeUserIdentity(p *TaskAddParameter) *apiError {
	ui := p.UserIdentity
	if ui == nil || (ui.Username == nil && ui.AutoUser == nil) {
		p.UserIdentity = &UserIdentity{AutoUser: &AutoUserSpecification{Scope: ptr("pool"), ElevationLevel: ptr("nonadmin")}}
		return nil
	}
	if ui.Username != nil && ui.AutoUser != nil {
		return invalidProperty("userIdentity", "Only one of username and autoUser may be specified.")
	}
	if ui.Username != nil {
		if *ui.Username == "" {
			return invalidProperty("userIdentity.username", "The username must not be empty.")
		}
		return nil
	}
	au := ui.AutoUser
	if au.Scope == nil {
		au.Scope = ptr("pool")
	} else if v, ok := oneOf(*au.Scope, "task", "pool"); ok {
		au.Scope = &v
	} else {
		return invalidProperty("userIdentity.autoUser.scope", "The value must be task or pool.")
	}
	if au.ElevationLevel == nil {
		au.ElevationLevel = ptr("nonadmin")
	} else if v, ok := oneOf(*au.ElevationLevel, "nonadmin", "admin"); ok {
		au.ElevationLevel = &v
	} else {
		return invalidProperty("userIdentity.autoUser.elevationLevel", "The value must be nonadmin or admin.")
	}
	return nil
}

func validateResourceFiles(field string, rfs []ResourceFile) *apiError {
	for i, rf := range rfs {
		name := fmt.Sprintf("%s[%d]", field, i)
		sources := 0
		for _, s := range []*string{rf.AutoStorageContainerName, rf.StorageContainerURL, rf.HTTPURL} {
			if s != nil && *s != "" {
				sources++
			}
		}
		if sources != 1 {
			return invalidProperty(name, "Exactly one of autoStorageContainerName, storageContainerUrl and httpUrl must be specified.")
		}
		if rf.HTTPURL != nil && *rf.HTTPURL != "" {
			if rf.FilePath == nil || *rf.FilePath == "" {
				return missingProperty(name + ".filePath")
			}
			if rf.BlobPrefix != nil {
				return invalidProperty(name+".blobPrefix", "The blobPrefix is valid only with autoStorageContainerName or storageContainerUrl.")
			}
		}
		if rf.FilePath != nil && *rf.FilePath != "" {
			fp := strings.ReplaceAll(*rf.FilePath, `\`, "/")
			if strings.HasPrefix(fp, "/") || (len(fp) > 1 && fp[1] == ':') {
				return invalidProperty(name+".filePath", "The filePath must be relative to the task working directory.")
			}
			if c := path.Clean(fp); c == ".." || strings.HasPrefix(c, "../") {
				return invalidProperty(name+".filePath", "The filePath cannot break out of the task working directory (for example by using '..').")
			}
		}
		if rf.FileMode != nil && !fileModeRe.MatchString(*rf.FileMode) {
			return invalidProperty(name+".fileMode", "The fileMode must be an octal file mode such as 0770.")
		}
	}
	return nil
}

func validateExitOptions(name string, o *ExitOptions, j *jobState) *apiError {
	if o == nil {
		return nil
	}
	if o.JobAction != nil {
		v, ok := oneOf(*o.JobAction, "none", "disable", "terminate")
		if !ok {
			return invalidProperty(name+".jobAction", "The value must be none, disable or terminate.")
		}
		o.JobAction = &v
		if v != "none" && j.onTaskFailure() == onFailNoAction {
			return invalidProperty(name+".jobAction", "A jobAction other than none requires the job's onTaskFailure to be performexitoptionsjobaction.")
		}
	}
	if o.DependencyAction != nil {
		v, ok := oneOf(*o.DependencyAction, "satisfy", "block")
		if !ok {
			return invalidProperty(name+".dependencyAction", "The value must be satisfy or block.")
		}
		o.DependencyAction = &v
	}
	return nil
}

// requireRangeEnds checks that a range has both its start and its end.
func requireRangeEnds(name string, start, end *int32) *apiError {
	if start == nil {
		return missingProperty(name + ".start")
	}
	if end == nil {
		return missingProperty(name + ".end")
	}
	return nil
}

// validateRequiredExitOptions checks the exitOptions an exit code mapping
// must have.
func validateRequiredExitOptions(name string, o *ExitOptions, j *jobState) *apiError {
	if o == nil {
		return missingProperty(name)
	}
	return validateExitOptions(name, o, j)
}

func validateExitConditions(ec *ExitConditions, j *jobState) *apiError {
	if ec == nil {
		return nil
	}
	for i, m := range ec.ExitCodes {
		name := fmt.Sprintf("exitConditions.exitCodes[%d]", i)
		if m.Code == nil {
			return missingProperty(name + ".code")
		}
		if e := validateRequiredExitOptions(name+".exitOptions", m.ExitOptions, j); e != nil {
			return e
		}
	}
	for i, m := range ec.ExitCodeRanges {
		name := fmt.Sprintf("exitConditions.exitCodeRanges[%d]", i)
		if e := requireRangeEnds(name, m.Start, m.End); e != nil {
			return e
		}
		if *m.End < *m.Start {
			return invalidProperty(name, "The end of the range must not be less than its start.")
		}
		if e := validateRequiredExitOptions(name+".exitOptions", m.ExitOptions, j); e != nil {
			return e
		}
	}
	for _, o := range []struct {
		name string
		opts *ExitOptions
	}{
		{"exitConditions.preProcessingError", ec.PreProcessingError},
		{"exitConditions.fileUploadError", ec.FileUploadError},
		{"exitConditions.default", ec.Default},
	} {
		if e := validateExitOptions(o.name, o.opts, j); e != nil {
			return e
		}
	}
	return nil
}
