package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
)

// The project look-up through IAM when mrs.project_id is not set: the emulator's MRS listener
// serves IAM's project list with the MRS routes' signature check.

const mrsToken = "test-security-token-0123456789"

// configureTagger is a provider whose every Configure gets its own version, "configure-N",
// which the clients built by that Configure send in their User-Agent: the emulator's request
// log then tells which provider configuration made each request. Terraform configures a
// provider server one command at a time, so the counter needs no lock.
type configureTagger struct {
	*batchopsProvider
	configures int
}

func (p *configureTagger) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	p.configures++
	p.version = fmt.Sprintf("configure-%d", p.configures)
	p.batchopsProvider.Configure(ctx, req, resp)
}

// taggedProviderFactories serve a configureTagger of the test's own.
func taggedProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"batchops": providerserver.NewProtocol6WithError(&configureTagger{batchopsProvider: newProvider("test", testWaits)}),
	}
}

var configureTag = regexp.MustCompile(`terraform-provider-batchops/(configure-\d+)`)

// checkOneLookupPerConfigure checks the emulator's MRS request log: each provider
// configuration that used MRS made exactly one IAM look-up, of region, answered status, with
// a signature the emulator checked (status 200 means it passed) and no X-Project-Id, before any
// job call of its own. It returns how many configurations looked the project up.
func checkOneLookupPerConfigure(t *testing.T, e *emulator.Emulator, region string, status int) int {
	t.Helper()
	lookups := map[string]int{}
	for _, r := range e.RequestsFor(emulator.ServiceMRS) {
		m := configureTag.FindStringSubmatch(r.Header.Get("User-Agent"))
		if m == nil {
			t.Errorf("request without a configuration tag in its User-Agent: %s", r)
			continue
		}
		tag := m[1]
		if r.Path != emumrs.IAMProjectsPath {
			if lookups[tag] == 0 {
				t.Errorf("%s: made by %s before (or without) its project look-up", r, tag)
			}
			continue
		}
		lookups[tag]++
		if r.Method != "GET" || r.Query != "name="+region || r.Status != status || r.Header.Get("X-Project-Id") != "" ||
			!strings.HasPrefix(r.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access="+mrsAK+", ") {
			t.Errorf("look-up by %s: %s, headers %v", tag, r, r.Header)
		}
	}
	for tag, n := range lookups {
		if n != 1 {
			t.Errorf("%s looked the project up %d times, want once", tag, n)
		}
	}
	return len(lookups)
}

// mrsLookupProviderConfig is an mrs block without project_id, whose IAM is the emulator's.
func mrsLookupProviderConfig(e *emulator.Emulator, region, sk, token string) string {
	settings := map[string]string{
		"region": region, "endpoint": e.MRSURL(), "iam_endpoint": e.MRSURL(),
		"access_key": mrsAK, "secret_key": sk, "ca_certificate_file": e.CAFile(),
	}
	if token != "" {
		settings["security_token"] = token
	}
	return providerConfig("mrs", settings)
}

// lookupJobSetConfig is jobSetConfig with the project looked up instead of configured.
func lookupJobSetConfig(e *emulator.Emulator, region, sk, token, extra string, jobs map[string]string) string {
	return strings.Replace(jobSetConfig(e, extra, jobs), mrsProviderConfig(e), mrsLookupProviderConfig(e, region, sk, token), 1)
}

// Without project_id, with temporary credentials, the job set works with the project IAM
// names after the region, and every provider configuration asks IAM exactly once.
func TestAccMRSJobSet_projectLookedUpThroughIAM(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{SecurityToken: mrsToken,
		OtherProjects: []emumrs.Project{{ID: "feedc0de00000000feedc0de00000000", Name: "cn-north-4_dev"}}})
	config := lookupJobSetConfig(e, "cn-north-4", mrsSK, mrsToken, "wait_for_completion = true", map[string]string{
		"wordcount": `type = "MapReduce", arguments = ["obs://bucket/prog.jar", "wordcount"]`,
		"report":    `type = "HiveSql", arguments = ["SELECT 1"]`,
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: taggedProviderFactories(),
		CheckDestroy:             checkJobSetDestroyed(e),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("summary"), knownvalue.MapExact(map[string]knownvalue.Check{"FINISHED": knownvalue.Int64Exact(2)})),
					statecheck.ExpectKnownValue(jobSetAddr, tfjsonpath.New("jobs").AtMapKey("report").AtMapKey("result"), knownvalue.StringExact("SUCCEEDED")),
				},
			},
			{
				ResourceName:            jobSetAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"wait_for_completion", "timeouts"},
			},
		},
	})
	// The create, the refreshes, the import and the destroy are separate configurations.
	if n := checkOneLookupPerConfigure(t, e, "cn-north-4", 200); n < 3 {
		t.Errorf("%d configurations looked the project up; the create, import and destroy each need one", n)
	}
	// Every job call went to the looked-up project and was accepted.
	for _, r := range e.RequestsMatching(emulator.ServiceMRS, "", `^/v2/`) {
		if !regexp.MustCompile(jobsBasePath).MatchString(r.Path) || r.Status >= 300 {
			t.Errorf("job call %s", r)
		}
	}
	if n := len(e.RequestsMatching(emulator.ServiceMRS, "POST", jobsBasePath+`$`)); n != 2 {
		t.Errorf("%d submissions, want 2", n)
	}
}

// A wrong secret key fails the look-up with IAM's 401, in an error that names the region and
// the settings, and nothing reaches MRS.
func TestAccMRSJobSet_projectLookupWithWrongKey(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: taggedProviderFactories(),
		Steps: []resource.TestStep{{
			Config: lookupJobSetConfig(e, "cn-north-4", "wrong-secret-key", "", "", map[string]string{"a": `type = "MapReduce"`}),
			ExpectError: regexp.MustCompile(`(?s)` + errorText(`mrs.project_id is not set, and looking up the project of region "cn-north-4" through IAM`).String() +
				`.*` + errorText(`HTTP 401 error APIGW.0301: Incorrect IAM authentication information: verify aksk signature fail`).String() +
				`.*` + errorText(`The credentials were rejected: check mrs.access_key and mrs.secret_key (HW_ACCESS_KEY / HW_SECRET_KEY)`).String() +
				`.*` + errorText(`Setting mrs.project_id (HW_PROJECT_ID) skips the look-up`).String()),
		}},
	})
	if n := checkOneLookupPerConfigure(t, e, "cn-north-4", 401); n != 1 {
		t.Errorf("%d configurations looked the project up, want the apply's", n)
	}
	if n := len(e.RequestsMatching(emulator.ServiceMRS, "", `^/v2/`)); n != 0 {
		t.Errorf("%d job calls after a failed look-up", n)
	}
}

// A region IAM has no project for is an error naming the region and project_id.
func TestAccMRSJobSet_projectLookupUnknownRegion(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: taggedProviderFactories(),
		Steps: []resource.TestStep{{
			Config: lookupJobSetConfig(e, "cn-north-9", mrsSK, "", "", map[string]string{"a": `type = "MapReduce"`}),
			ExpectError: regexp.MustCompile(`(?s)` + errorText(`IAM lists no project named "cn-north-9" for these credentials.`).String() +
				`.*` + errorText(`Check mrs.region (HW_REGION_NAME), or set mrs.project_id (HW_PROJECT_ID)`).String()),
		}},
	})
	checkOneLookupPerConfigure(t, e, "cn-north-9", 200)
	if n := len(e.RequestsMatching(emulator.ServiceMRS, "", `^/v2/`)); n != 0 {
		t.Errorf("%d job calls after a failed look-up", n)
	}
}

// With neither project_id nor region, MRS cannot be used, and the plan says what to set.
func TestProviderMRSNeedsProjectOrRegion(t *testing.T) {
	e := startMRSEmulator(t, emumrs.Config{})
	t.Setenv("HW_PROJECT_ID", "")
	t.Setenv("HW_REGION_NAME", "")
	config := strings.Replace(jobSetConfig(e, "", map[string]string{"a": `type = "MapReduce"`}),
		fmt.Sprintf("project_id          = %q\n", mrsProject), "", 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:   config,
			PlanOnly: true,
			ExpectError: errorText("This resource needs the provider's mrs settings: mrs.project_id is not set, and mrs.region is not set either " +
				"to look it up from: set mrs.project_id or export HW_PROJECT_ID, or set mrs.region or export HW_REGION_NAME"),
		}},
	})
	if n := len(e.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}
