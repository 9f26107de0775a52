package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

const runAsPassword = "run-as-password"

// stateHolds reports whether any attribute of any resource in state holds s.
func stateHolds(s *terraform.State, needle string) bool {
	for _, rs := range s.RootModule().Resources {
		for _, v := range rs.Primary.Attributes {
			if strings.Contains(v, needle) {
				return true
			}
		}
	}
	return false
}

func TestAccHPCSOASession_writeOnlyPasswordNeverInState(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0")))},
		CheckDestroy:             checkSOADestroyed(e),
		Steps: []resource.TestStep{{
			Config: hpcProviderConfig(e, "") + fmt.Sprintf(`
resource "batchops_hpc_soa_session" "test" {
  service_name        = "EchoService"
  durable             = true
  environment         = { MODE = "fast" }
  username            = "CONTOSO\\svc-soa"
  password_wo         = %q
  password_wo_version = 1
}
`, runAsPassword),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("password_wo"), knownvalue.Null()),
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("password"), knownvalue.Null()),
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("is_durable"), knownvalue.Bool(true)),
			},
			Check: func(s *terraform.State) error {
				if stateHolds(s, runAsPassword) {
					return fmt.Errorf("the write-only password is in state")
				}
				session, ok := e.HPCPack().Session(sessionIDInState(s))
				if !ok || !strings.EqualFold(session.Username, `CONTOSO\svc-soa`) || !session.Durable {
					return fmt.Errorf("the session should run as CONTOSO\\svc-soa and be durable: %+v", session)
				}
				return nil
			},
		}},
	})
}

func TestAccHPCSOASession_passwordForOlderCLIsAndProviderDefault(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	runAccTest(t, checkSOADestroyed(e),
		resource.TestStep{
			// The run-as credentials default to the provider's.
			Config: sessionConfig(e, "EchoService", ""),
			Check: func(s *terraform.State) error {
				if session, _ := e.HPCPack().Session(sessionIDInState(s)); !strings.EqualFold(session.Username, hpcUser) {
					return fmt.Errorf("the session should run as the provider's user, got %q", session.Username)
				}
				return nil
			},
		},
		resource.TestStep{
			// A different run-as account replaces the session.
			Config: sessionConfig(e, "EchoService", fmt.Sprintf(`
  username     = "CONTOSO\\svc-soa"
  password     = %q
`, runAsPassword)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectSensitiveValue(sessionAddr, tfjsonpath.New("password")),
			},
		},
	)
	if n := len(e.HPCPack().Sessions()); n != 2 {
		t.Fatalf("want 2 sessions (one replaced), got %d", n)
	}
}

// Create Session refused: the error says why.
func TestAccHPCSOASession_createRefused(t *testing.T) {
	for _, tc := range []struct {
		name, service, args, want string
	}{
		{"wrong run-as password", "EchoService", `
  username     = "CONTOSO\\svc-soa"
  password     = "wrong"`, `or the session's run-as username and password`},
		{"unknown service", "NoSuchService", "", `Service_NotFound`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startHPCEmulator(t, hpcpack.Config{})
			runAccTest(t, nil, resource.TestStep{
				Config:      sessionConfig(e, tc.service, tc.args),
				ExpectError: errorText(tc.want),
			})
		})
	}
}

// The service job name: generated when unset (a new one for each new session), sent as set
// otherwise; changing it replaces the session, unsetting it keeps the session and its name.
func TestAccHPCSOASession_serviceJobName(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	session := func(args string) string { return sessionConfig(e, "EchoService", args) }
	var names []string
	// sent records the state's job name and checks it is the one the session was created with.
	sent := func(s *terraform.State) error {
		rs := s.RootModule().Resources[sessionAddr]
		id, _ := strconv.Atoi(rs.Primary.ID)
		v, ok := e.HPCPack().Session(id)
		if got := rs.Primary.Attributes["service_job_name"]; !ok || got == "" || got != v.StartInfo.ServiceJobName {
			return fmt.Errorf("service_job_name %q in state; session %d was created with %q", got, id, v.StartInfo.ServiceJobName)
		}
		names = append(names, rs.Primary.Attributes["service_job_name"])
		return nil
	}
	generated := knownvalue.StringRegexp(regexp.MustCompile(`^batchops-[0-9a-f]{16}$`))
	runAccTest(t, checkSOADestroyed(e),
		resource.TestStep{
			Config:            session(""),
			Check:             sent,
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("service_job_name"), generated)},
		},
		resource.TestStep{
			// Replaced for another reason: the new session gets a name of its own.
			Config: session(`  max_message_size = 1024`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(sessionAddr, plancheck.ResourceActionDestroyBeforeCreate),
				plancheck.ExpectUnknownValue(sessionAddr, tfjsonpath.New("service_job_name")),
			}},
			Check:             sent,
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("service_job_name"), generated)},
		},
		resource.TestStep{
			Config: session(`  max_message_size = 1024
  service_job_name = "nightly echo"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(sessionAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			Check:             sent,
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("service_job_name"), knownvalue.StringExact("nightly echo"))},
		},
		resource.TestStep{
			Config: session(`  max_message_size = 1024`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
		},
	)
	if len(names) != 3 || names[0] == names[1] {
		t.Errorf("job names of the three sessions: %q, want a new generated name for the replacement", names)
	}
	if n := len(e.HPCPack().Sessions()); n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
}

// The answer to Create Session is lost and the session found by its job name cannot be
// attached: it is recorded all the same (tainted), so the next apply replaces it and nothing is
// left open.
func TestAccHPCSOASession_foundButUnreadableIsRecorded(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	config := sessionConfig(e, "EchoService", "")
	runAccTest(t, checkNoSessionOpen(e),
		resource.TestStep{
			PreConfig: func() {
				e.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `(?i)/sessions/Create$`, Lost: true})
				e.AddFaultRule(emulator.ServiceHPCPack, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `(?i)/Attach$`, Status: http.StatusInternalServerError, Times: -1})
			},
			Config:      config,
			ExpectError: errorText(`session 1 (service job "batchops-`),
		},
		resource.TestStep{
			PreConfig:          func() { e.ClearFaultRules(emulator.ServiceHPCPack) },
			RefreshState:       true,
			ExpectNonEmptyPlan: true,
			Check: func(s *terraform.State) error {
				rs, ok := s.RootModule().Resources[sessionAddr]
				if !ok || rs.Primary.ID != "1" || !rs.Primary.Tainted {
					return fmt.Errorf("want session 1 in state, tainted: %+v", rs)
				}
				if v, _ := e.HPCPack().Session(1); rs.Primary.Attributes["service_job_name"] != v.StartInfo.ServiceJobName {
					return fmt.Errorf("service_job_name %q, the session's job is %q", rs.Primary.Attributes["service_job_name"], v.StartInfo.ServiceJobName)
				}
				return nil
			},
		},
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(sessionAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("id"), knownvalue.StringExact("2")),
			},
		},
	)
	if v, ok := e.HPCPack().Session(1); !ok || !v.Closed {
		t.Errorf("the session found but unreadable was not closed: %+v", v)
	}
}

func TestAccHPCSOA_driftAfterOutOfBandClose(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	config := sessionAndBatchConfig(e, "", "", 1)
	runAccTest(t, checkSOADestroyed(e), driftSteps(t, config, "the session",
		func(s *terraform.State) bool { return e.HPCPack().CloseSession(sessionIDInState(s)) },
		plancheck.ExpectResourceAction(sessionAddr, plancheck.ResourceActionCreate),
		plancheck.ExpectResourceAction(batchAddr, plancheck.ResourceActionCreate),
	)...)
}

func TestAccHPCSOA_wrongPassword(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	runAccTest(t, nil, resource.TestStep{
		Config:      strings.Replace(sessionAndBatchConfig(e, "", "", 1), hpcPassword, "not-the-password", 1),
		ExpectError: errorText(`The HPC Pack web service rejected the credentials. Check hpc_pack.username and hpc_pack.password`),
	})
	if e.HPCPack().SessionCount() != 0 {
		t.Fatal("no session may be created with a wrong password")
	}
}

// The service's rules and limits fail the plan, naming the attribute, before any request.
func TestAccHPCSOASession_planTimeValidation(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	var steps []resource.TestStep
	for _, tc := range []struct{ args, want string }{
		{`service_version = "1.2.3.4.5"`, `service_version must be a version such as 1.0`},
		{`service_version = "99999999999.0"`, `service_version must be a version such as 1.0`},
		{fmt.Sprintf("service_job_name = %q", strings.Repeat("j", hpcsoa.MaxServiceJobNameLength+1)), `service_job_name string length must be between 1 and 80`},
		{fmt.Sprintf("password = %q", strings.Repeat("p", hpcsoa.MaxPasswordLength+1)), `password string length must be between 1 and 127`},
	} {
		steps = append(steps, resource.TestStep{Config: sessionConfig(e, "EchoService", tc.args), PlanOnly: true, ExpectError: errorText(tc.want)})
	}
	runAccTest(t, nil, steps...)
	if n := len(e.Requests()); n != 0 {
		t.Fatalf("invalid configurations must fail before any request; got %d", n)
	}
}

// Terraform and OpenTofu 1.12+ name the session by its identity, the session id, and import it
// from an `import` block holding that identity. As after any import, the next apply adopts the
// arguments Attach does not return, in place.
func TestAccHPCSOASession_importByIdentity(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	runIdentityTest(t, checkSOADestroyed(e),
		resource.TestStep{
			Config: sessionConfig(e, "EchoService", ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity(sessionAddr, map[string]knownvalue.Check{"session_id": knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))}),
				statecheck.ExpectIdentityValueMatchesStateAtPath(sessionAddr, tfjsonpath.New("session_id"), tfjsonpath.New("id")),
			},
		},
		resource.TestStep{
			ResourceName:       sessionAddr,
			ImportState:        true,
			ImportStateKind:    resource.ImportBlockWithResourceIdentity,
			ExpectNonEmptyPlan: true,
			ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(sessionAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(sessionAddr, tfjsonpath.New("service_name"), knownvalue.StringExact("EchoService")),
			}},
		},
	)
}
