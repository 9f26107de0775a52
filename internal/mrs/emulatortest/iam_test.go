package emulatortest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/mrs"
)

// startIAM runs an emulator whose project is named region in IAM, and returns a client that
// has no project id and looks it up at the emulator's IAM route, signing with secret.
func startIAM(t *testing.T, region, secret string, mod func(*emumrs.Config)) (*emulator.Emulator, *mrs.Client, context.Context) {
	t.Helper()
	cfg := emumrs.Config{ProjectID: project, AccessKey: ak, SecretKey: sk, SecurityToken: token, Region: "cn-north-4",
		Clusters: []string{cluster}, RunTime: 5 * time.Second,
		OtherProjects: []emumrs.Project{{ID: "feedc0de00000000feedc0de00000000", Name: "cn-north-4_dev"}}}
	if mod != nil {
		mod(&cfg)
	}
	emu, err := emulator.Start(emulator.Config{MRS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	c, err := mrs.New(mrs.Config{Endpoint: emu.MRSURL(), Region: region, IAMEndpoint: emu.MRSURL(), AccessKey: ak, SecretKey: secret,
		SecurityToken: token, CACertificateFile: emu.CAFile(), UserAgent: "batchops-emulatortest", Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return emu, c, ctx
}

func iamRequests(emu *emulator.Emulator) []emulator.Request {
	var out []emulator.Request
	for _, r := range emu.RequestsFor(emulator.ServiceMRS) {
		if r.Path == emumrs.IAMProjectsPath {
			out = append(out, r)
		}
	}
	return out
}

// Without a project id, the client finds the project through the emulator's IAM (whose
// signature check is the MRS routes') with temporary credentials, once, and works with it.
func TestProjectLookedUpThroughTheEmulatorsIAM(t *testing.T) {
	emu, c, ctx := startIAM(t, "cn-north-4", sk, nil)
	id := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "wordcount", Type: "MapReduce", Arguments: []string{"obs://b/wc.jar"}})
	if j, err := c.GetJob(ctx, cluster, id); err != nil || j.Name != "wordcount" {
		t.Fatalf("%+v %v", j, err)
	}
	if err := c.ListJobs(ctx, cluster, mrs.ListFilter{}, func(mrs.Job) error { return nil }); err != nil {
		t.Fatal(err)
	}
	iam := iamRequests(emu)
	if len(iam) != 1 {
		t.Fatalf("%d IAM requests, want 1", len(iam))
	}
	r := iam[0]
	if r.Method != "GET" || r.Query != "name=cn-north-4" || r.Status != 200 || r.Header.Get("X-Project-Id") != "" ||
		!strings.Contains(r.Header.Get("Authorization"), "x-security-token") {
		t.Errorf("IAM request %s %v", r, r.Header)
	}
	if n := len(emu.RequestsFor(emulator.ServiceMRS)); n != 4 {
		t.Errorf("%d requests in all, want the look-up, submit, get and list", n)
	}
}

func TestProjectLookupFailuresAgainstTheEmulator(t *testing.T) {
	for _, tc := range []struct {
		name, region, secret string
		mod                  func(*emumrs.Config)
		status               int
		want                 string
	}{
		{"wrong secret key", "cn-north-4", "not-the-secret-key", nil, 401,
			"HTTP 401 error APIGW.0301: Incorrect IAM authentication information: verify aksk signature fail"},
		{"unknown region", "cn-north-9", sk, nil, 200, `IAM lists no project named "cn-north-9" for these credentials`},
		{"listing denied", "cn-north-4", sk, func(c *emumrs.Config) { c.DenyProjectList = true }, 403, "These credentials may not list IAM projects"},
		{"two projects of the region", "cn-north-4", sk, func(c *emumrs.Config) {
			c.OtherProjects = append(c.OtherProjects, emumrs.Project{ID: "abcabc0000000000abcabc0000000000", Name: "cn-north-4"})
		}, 200, `IAM lists 2 projects named "cn-north-4" (` + project + `, abcabc0000000000abcabc0000000000)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, c, ctx := startIAM(t, tc.region, tc.secret, tc.mod)
			_, err := c.Submit(ctx, cluster, mrs.JobSpec{Name: "j", Type: "MapReduce"})
			var lookup *mrs.ProjectLookupError
			if !errors.As(err, &lookup) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "mrs.project_id (HW_PROJECT_ID)") ||
				!strings.Contains(err.Error(), `region "`+tc.region+`"`) {
				t.Fatalf("got %v", err)
			}
			if strings.Contains(err.Error(), tc.secret) || strings.Contains(err.Error(), token) {
				t.Errorf("a secret leaked: %v", err)
			}
			all := emu.RequestsFor(emulator.ServiceMRS)
			if len(all) != 1 || all[0].Path != emumrs.IAMProjectsPath || all[0].Status != tc.status {
				t.Errorf("requests %v, want only the look-up answered %d", all, tc.status)
			}
		})
	}
}
