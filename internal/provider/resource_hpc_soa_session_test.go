package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
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
				id, _ := strconv.Atoi(s.RootModule().Resources[sessionAddr].Primary.ID)
				session, ok := e.HPCPack().Session(id)
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             checkSOADestroyed(e),
		Steps: []resource.TestStep{
			{
				// The run-as credentials default to the provider's.
				Config: hpcProviderConfig(e, "") + `
resource "batchops_hpc_soa_session" "test" {
  service_name = "EchoService"
}
`,
				Check: func(s *terraform.State) error {
					id, _ := strconv.Atoi(s.RootModule().Resources[sessionAddr].Primary.ID)
					if session, _ := e.HPCPack().Session(id); !strings.EqualFold(session.Username, hpcUser) {
						return fmt.Errorf("the session should run as the provider's user, got %q", session.Username)
					}
					return nil
				},
			},
			{
				// A different run-as account replaces the session.
				Config: hpcProviderConfig(e, "") + fmt.Sprintf(`
resource "batchops_hpc_soa_session" "test" {
  service_name = "EchoService"
  username     = "CONTOSO\\svc-soa"
  password     = %q
}
`, runAsPassword),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(sessionAddr, tfjsonpath.New("password")),
				},
			},
		},
	})
	if n := len(e.HPCPack().Sessions()); n != 2 {
		t.Fatalf("want 2 sessions (one replaced), got %d", n)
	}
}

func TestAccHPCSOASession_wrongRunAsPassword(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: hpcProviderConfig(e, "") + `
resource "batchops_hpc_soa_session" "test" {
  service_name = "EchoService"
  username     = "CONTOSO\\svc-soa"
  password     = "wrong"
}
`,
			ExpectError: errorText(`or the session's run-as username and password`),
		}},
	})
}

func TestAccHPCSOASession_unknownService(t *testing.T) {
	e := startHPCEmulator(t, hpcpack.Config{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: hpcProviderConfig(e, "") + `
resource "batchops_hpc_soa_session" "test" {
  service_name = "NoSuchService"
}
`,
			ExpectError: errorText(`Service_NotFound`),
		}},
	})
}
