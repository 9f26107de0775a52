package mrs

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type projectList struct {
	Links struct {
		Self     string  `json:"self"`
		Previous *string `json:"previous"`
		Next     *string `json:"next"`
	} `json:"links"`
	Projects []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		DomainID string `json:"domain_id"`
		ParentID string `json:"parent_id"`
		Enabled  bool   `json:"enabled"`
		Links    struct {
			Self string `json:"self"`
		} `json:"links"`
	} `json:"projects"`
}

// iamReq is a project list request signed with testAK and sk as the Huawei SDK signs its look-up: no
// X-Project-Id, signed user-agent and x-sdk-date.
func iamReq(query, sk string) *http.Request {
	target := "https://iam.emulator.test" + IAMProjectsPath
	if query != "" {
		target += "?" + query
	}
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	SignRequest(r, nil, testAK, sk, time.Now(), "user-agent", "x-sdk-date")
	return r
}

func decodeProjects(t *testing.T, r resp) projectList {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var l projectList
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return l
}

func TestIAMProjectListFiltersByExactName(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.OtherProjects = []Project{{ID: "aaaabbbbccccdddd0000111122223333", Name: "cn-north-4_dev"}, {ID: "ffff0000ffff0000ffff0000ffff0000", Name: "ap-southeast-1"}}
	})
	e.svc.SetBaseURL("https://127.0.0.1:8443")
	l := decodeProjects(t, e.raw(iamReq("name=cn-north-4", testSK)))
	if len(l.Projects) != 1 || l.Projects[0].ID != testProject || l.Projects[0].Name != "cn-north-4" || !l.Projects[0].Enabled ||
		l.Projects[0].DomainID != DefaultDomainID || l.Projects[0].ParentID != DefaultDomainID {
		t.Fatalf("projects %+v", l.Projects)
	}
	if l.Links.Self != "https://127.0.0.1:8443/v3/projects?name=cn-north-4" || l.Links.Next != nil ||
		l.Projects[0].Links.Self != "https://127.0.0.1:8443/v3/projects/"+testProject {
		t.Errorf("links %+v %+v", l.Links, l.Projects[0].Links)
	}
	// The sub-project's parent is its region's project; no filter lists them all.
	all := decodeProjects(t, e.raw(iamReq("", testSK)))
	if len(all.Projects) != 3 || all.Projects[1].Name != "cn-north-4_dev" || all.Projects[1].ParentID != testProject {
		t.Errorf("all projects %+v", all.Projects)
	}
	// A name no project has, or a prefix of one, lists nothing.
	for _, q := range []string{"name=cn-north-9", "name=cn-north"} {
		if l := decodeProjects(t, e.raw(iamReq(q, testSK))); len(l.Projects) != 0 {
			t.Errorf("%s: %+v", q, l.Projects)
		}
	}
	if e.svc.Region() != DefaultRegion {
		t.Errorf("region %q", e.svc.Region())
	}
}

func TestIAMProjectListChecksTheSignatureAsMRSDoes(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SecurityToken = "tok" })
	bad := e.raw(iamReq("name=cn-north-4", "wrong-secret"))
	if body := bad.wantError(t, http.StatusUnauthorized, CodeAPIGWAuth); !strings.Contains(body.ErrorMsg, "verify aksk signature fail") || body.RequestID == "" {
		t.Errorf("error %+v", body)
	}
	// Temporary credentials: the token is required here too.
	bad = e.raw(iamReq("name=cn-north-4", testSK))
	if body := bad.wantError(t, http.StatusUnauthorized, CodeAPIGWAuth); !strings.Contains(body.ErrorMsg, "X-Security-Token header is required") {
		t.Errorf("error %+v", body)
	}
	r := httptest.NewRequest(http.MethodGet, "https://iam.emulator.test/v3/projects?name=cn-north-4", nil)
	r.Header.Set("X-Security-Token", "tok")
	SignRequest(r, nil, testAK, testSK, time.Now(), "x-sdk-date", "x-security-token")
	if l := decodeProjects(t, e.raw(r)); len(l.Projects) != 1 {
		t.Errorf("projects %+v", l.Projects)
	}
	// Only GET is routed.
	post := httptest.NewRequest(http.MethodPost, "https://iam.emulator.test/v3/projects", nil)
	e.raw(post).wantError(t, http.StatusNotFound, CodeAPIGWNotFound)
}

func TestIAMProjectListDeniedIsKeystone403(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.DenyProjectList = true; c.Region = "emulator-1" })
	r := e.raw(iamReq("name=emulator-1", testSK))
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Title   string `json:"title"`
		} `json:"error"`
	}
	if r.status != http.StatusForbidden || json.Unmarshal(r.body, &body) != nil || body.Error.Code != 403 || body.Error.Title != "Forbidden" ||
		r.header.Get("X-IAM-Trace-Id") == "" {
		t.Fatalf("status %d body %s header %v", r.status, r.body, r.header)
	}
	// A wrong signature is still the gateway's 401, before any permission check.
	e.raw(iamReq("name=emulator-1", "wrong")).wantError(t, http.StatusUnauthorized, CodeAPIGWAuth)
}

func TestConfigRejectsBadIAMProjects(t *testing.T) {
	for _, c := range []Config{
		{Region: "cn north"},
		{OtherProjects: []Project{{ID: "a-b", Name: "cn-north-4"}}},
		{OtherProjects: []Project{{ID: "abc", Name: ""}}},
	} {
		if _, err := New(c, nil); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
