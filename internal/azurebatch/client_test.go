package azurebatch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emuazure "github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

const (
	testAccount = "clientacct"
	testKey     = "Y2xpZW50LXRlc3QtYWNjb3VudC1rZXktMzItYnl0ZXM="
	testToken   = "entra-access-token"
)

func startEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(emulator.Config{AzureBatch: emuazure.Config{
		Account: testAccount, Key: testKey, BearerToken: testToken,
		Jobs: []emuazure.Job{{ID: "job"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

var fastRetry = transport.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}

func TestClientTaskLifecycleWithSharedKey(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("t1"), CommandLine: to.Ptr("echo hi")})
	task, err := c.GetTask(ctx, "job", "t1")
	if err != nil {
		t.Fatal(err)
	}
	if deref(task.Constraints.MaxWallClockTime) != UnlimitedDuration || deref(task.Constraints.RetentionTime) != "P7D" {
		t.Errorf("server defaults not read: %+v", task.Constraints)
	}
	constraints := azbatch.TaskConstraints{MaxWallClockTime: to.Ptr("PT1H"), RetentionTime: to.Ptr("P1D"), MaxTaskRetryCount: to.Ptr[int32](2)}
	// Last seen other than they are, the constraints are somebody else's: the 412 stands.
	if err := c.UpdateConstraints(ctx, "job", "t1", constraints, &constraints, "0xSTALE"); !HasCode(err, "ConditionNotMet") {
		t.Fatalf("a stale ETag must give 412 ConditionNotMet, got %v", err)
	}
	if err := c.UpdateConstraints(ctx, "job", "t1", constraints, task.Constraints, string(*task.ETag)); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTask(ctx, "job", "t1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTask(ctx, "job", "t1"); err != nil {
		t.Fatalf("deleting a task that is gone counts as deleted, got %v", err)
	}
	_, err = c.GetTask(ctx, "job", "t1")
	if !IsNotFound(err) || !HasCode(err, "TaskNotFound") {
		t.Fatalf("want 404 TaskNotFound, got %v", err)
	}
	apiErr, ok := err.(*Error)
	if !ok || apiErr.RequestID == "" || apiErr.Message == "" {
		t.Fatalf("the error should carry the service's message and request id: %#v", err)
	}
}

func TestClientWrongKeyIsAnAuthFailure(t *testing.T) {
	e := startEmulator(t)
	c := mustNew(t, Config{Endpoint: e.AzureBatchURL(), AccountName: testAccount, AccountKey: "d3Jvbmcta2V5", CACertificateFile: e.CAFile(), Retry: fastRetry})
	_, err := c.GetTask(context.Background(), "job", "t1")
	if !IsAuthFailure(err) || !HasCode(err, "AuthenticationFailed") {
		t.Fatalf("want 403 AuthenticationFailed, got %v", err)
	}
}

type staticToken struct{ token string }

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: s.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestClientWithMicrosoftEntraID(t *testing.T) {
	e := startEmulator(t)
	c := mustNew(t, Config{Endpoint: e.AzureBatchURL(), credential: staticToken{testToken}, CACertificateFile: e.CAFile(), Retry: fastRetry})
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("entra"), CommandLine: to.Ptr("echo hi")})
	reqs := e.RequestsFor(emulator.ServiceAzureBatch)
	if got := reqs[len(reqs)-1].Header.Get("Authorization"); got == "" || got[:6] != "Bearer" {
		t.Fatalf("want a Bearer Authorization, got %q", got)
	}
	bad, _ := New(Config{Endpoint: e.AzureBatchURL(), credential: staticToken{"wrong"}, CACertificateFile: e.CAFile(), Retry: fastRetry})
	if _, err := bad.GetTask(context.Background(), "job", "entra"); !IsAuthFailure(err) {
		t.Fatalf("a wrong token must be refused, got %v", err)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for name, cfg := range map[string]Config{
		"ftp endpoint":    {Endpoint: "ftp://myacct.batch.azure.com", AccountName: "a", AccountKey: testKey},
		"no account name": {Endpoint: "https://a.b", AccountKey: testKey},
		"missing ca file": {Endpoint: "https://a.b", AccountName: "a", AccountKey: testKey, CACertificateFile: "/nonexistent.pem"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// Without a key the client builds the Azure SDK's default Microsoft Entra ID credential chain
// itself. Here no link of the chain has anything to offer (empty AZURE_* variables, which also
// keep managed identity from probing the network; no Azure CLI on PATH), so the first call
// fails on the token, before any request is sent.
func TestNoKeySelectsTheDefaultEntraIDCredential(t *testing.T) {
	for _, name := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
		"AZURE_USERNAME", "AZURE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "MSI_ENDPOINT", "AZURE_CONFIG_DIR"} {
		t.Setenv(name, "")
	}
	t.Setenv("PATH", t.TempDir())
	e := startEmulator(t)
	c, err := New(Config{Endpoint: e.AzureBatchURL(), CACertificateFile: e.CAFile(), Retry: fastRetry})
	if err != nil {
		t.Fatalf("no key selects Microsoft Entra ID: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.GetTask(ctx, "job", "x"); err == nil || !strings.Contains(err.Error(), "DefaultAzureCredential") {
		t.Fatalf("want the default credential chain's error, got %v", err)
	}
	if n := len(e.RequestsFor(emulator.ServiceAzureBatch)); n != 0 {
		t.Fatalf("no request may leave without a token, %d did", n)
	}
}

func TestUntrustedCertificateIsRefused(t *testing.T) {
	e := startEmulator(t)
	c := mustNew(t, Config{Endpoint: e.AzureBatchURL(), AccountName: testAccount, AccountKey: testKey, Retry: fastRetry})
	if _, err := c.GetTask(context.Background(), "job", "x"); err == nil {
		t.Fatal("the emulator's certificate is not trusted without its CA: want a TLS error")
	}
	insecure, _ := New(Config{Endpoint: e.AzureBatchURL(), AccountName: testAccount, AccountKey: testKey, InsecureSkipVerify: true, Retry: fastRetry})
	if _, err := insecure.GetTask(context.Background(), "job", "x"); !IsNotFound(err) {
		t.Fatalf("insecure_skip_verify reaches the service: want 404, got %v", err)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
