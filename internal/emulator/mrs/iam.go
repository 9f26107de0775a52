package mrs

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// The IAM project list (Keystone "query projects", GET /v3/projects), served
// on the MRS listener so that clients without a project id can look it up
// from the region, as the Huawei SDK and the huaweicloud provider do. See
// README.md, "IAM project look-up".

// DefaultRegion is the region of the configured project when Config.Region is
// empty; DefaultDomainID is the account (domain) id the projects belong to.
const (
	DefaultRegion   = "cn-north-4"
	DefaultDomainID = "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f"
)

// IAMProjectsPath is the path of the IAM project list.
const IAMProjectsPath = "/v3/projects"

// Project is an IAM project: Name is a region ("cn-north-4") or a sub-project
// of one ("cn-north-4_dev").
type Project struct {
	ID   string
	Name string
}

var projectNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// Region returns the region of the configured project (its IAM name).
func (s *Service) Region() string { return s.cfg.Region }

// Projects returns the IAM projects of the account: the configured project,
// named Region, then Config.OtherProjects.
func (s *Service) Projects() []Project {
	return append([]Project{{ID: s.cfg.ProjectID, Name: s.cfg.Region}}, s.cfg.OtherProjects...)
}

type iamLink struct {
	Self string `json:"self"`
}

type iamProject struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	DomainID    string  `json:"domain_id"`
	ParentID    string  `json:"parent_id"`
	IsDomain    bool    `json:"is_domain"`
	Enabled     bool    `json:"enabled"`
	Description string  `json:"description"`
	Links       iamLink `json:"links"`
}

type iamLinks struct {
	Self     string  `json:"self"`
	Previous *string `json:"previous"`
	Next     *string `json:"next"`
}

// keystoneError is IAM's own error body for Keystone APIs [I].
func keystoneError(status int, title, message string) *apiError {
	type detail struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Title   string `json:"title"`
	}
	return &apiError{status: status, raw: struct {
		Error detail `json:"error"`
	}{detail{status, message, title}}}
}

// listProjects: GET /v3/projects[?name=...], after authentication. The name
// filter is exact; other parameters are ignored [I].
func (s *Service) listProjects(w http.ResponseWriter, r *http.Request, requestID string) *apiError {
	w.Header().Set("X-IAM-Trace-Id", requestID)
	if s.cfg.DenyProjectList {
		return keystoneError(http.StatusForbidden, "Forbidden", "You are not authorized to perform the requested action.")
	}
	_, rawQuery := requestTarget(r)
	query := servicekit.DecodeQuery(rawQuery)
	names, filtered := query["name"]
	base := strings.TrimSuffix(s.BaseURL(), "/")
	out := struct {
		Links    iamLinks     `json:"links"`
		Projects []iamProject `json:"projects"`
	}{Links: iamLinks{Self: base + IAMProjectsPath}, Projects: []iamProject{}}
	if rawQuery != "" {
		out.Links.Self += "?" + rawQuery
	}
	for _, p := range s.Projects() {
		if filtered && (len(names) == 0 || names[0] != p.Name) {
			continue
		}
		parent := DefaultDomainID
		if region, _, sub := strings.Cut(p.Name, "_"); sub {
			// A sub-project's parent is its region's project.
			for _, q := range s.Projects() {
				if q.Name == region {
					parent = q.ID
				}
			}
		}
		out.Projects = append(out.Projects, iamProject{ID: p.ID, Name: p.Name, DomainID: DefaultDomainID, ParentID: parent,
			Enabled: true, Links: iamLink{Self: base + IAMProjectsPath + "/" + p.ID}})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
