package azurebatch

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"
)

func TestNormalizeEndpointAcceptsURLsAndHostNames(t *testing.T) {
	for in, want := range map[string]string{
		"https://myacct.westeurope.batch.azure.com":    "https://myacct.westeurope.batch.azure.com",
		"https://myacct.westeurope.batch.azure.com/":   "https://myacct.westeurope.batch.azure.com",
		"HTTPS://MyAcct.westeurope.batch.azure.com":    "https://MyAcct.westeurope.batch.azure.com",
		"myacct.westeurope.batch.azure.com":            "https://myacct.westeurope.batch.azure.com",
		"myacct.westeurope.batch.azure.com/":           "https://myacct.westeurope.batch.azure.com",
		" myacct.westeurope.batch.azure.com\n":         "https://myacct.westeurope.batch.azure.com",
		"myacct.westeurope.batch.azure.com:443":        "https://myacct.westeurope.batch.azure.com:443",
		"127.0.0.1:8443":                               "https://127.0.0.1:8443",
		"[::1]:8443":                                   "https://[::1]:8443",
		"localhost":                                    "https://localhost",
		"http://127.0.0.1:8080":                        "http://127.0.0.1:8080",
		"https://proxy.example.com/batch/":             "https://proxy.example.com/batch",
		"https://myacct.westeurope.batch.azure.com.:1": "https://myacct.westeurope.batch.azure.com.:1",
	} {
		got, err := NormalizeEndpoint(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalizeEndpointRejectsGarbage(t *testing.T) {
	for in, reason := range map[string]string{
		"":    "(it is empty)",
		"   ": "(it is empty)",
		"ftp://myacct.westeurope.batch.azure.com":    `(scheme "ftp": use https)`,
		"myacct westeurope":                          `invalid character " " in host name`,
		"https://":                                   "(no host name)",
		"https:///jobs":                              "(no host name)",
		"myacct.westeurope.batch.azure.com:99999":    `(port "99999" is not between 1 and 65535)`,
		"myacct.westeurope.batch.azure.com:":         "(empty port)",
		"myacct.westeurope.batch.azure.com:abc":      `invalid port ":abc"`,
		"https:myacct":                               `invalid port ":myacct"`,
		"https://myacct.batch.azure.com?x=1":         "(it has a query or fragment)",
		"https://myacct.batch.azure.com#top":         "(it has a query or fragment)",
		"myacct.westeurope.batch.azure.com/jobs":     "(a host name has no path)",
		"http//myacct.westeurope.batch.azure.com":    "(a host name has no path)",
		"-acct-.westeurope.batch.azure.com":          `("-acct-.westeurope.batch.azure.com" is not a host name or IP address)`,
		"myacct..batch.azure.com":                    "is not a host name or IP address",
		"https://my_acct.westeurope.batch.azure.com": "is not a host name or IP address",
	} {
		got, err := NormalizeEndpoint(in)
		if err == nil {
			t.Errorf("NormalizeEndpoint(%q) = %q; want an error", in, got)
			continue
		}
		msg := err.Error()
		for _, want := range []string{reason, "is not an Azure Batch account endpoint", "https://myacct.westeurope.batch.azure.com", "or its host name"} {
			if !strings.Contains(msg, want) {
				t.Errorf("NormalizeEndpoint(%q): error %q lacks %q", in, msg, want)
			}
		}
	}
}

func TestNormalizeEndpointNeverEchoesAPassword(t *testing.T) {
	_, err := NormalizeEndpoint("https://user:s3cret@myacct.westeurope.batch.azure.com")
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "user information") {
		t.Fatalf("want a refusal naming user information without the password, got %v", err)
	}
}

// The emulator serves https on 127.0.0.1:PORT; its host and port alone reach it.
func TestClientWithEndpointWithoutScheme(t *testing.T) {
	e := startEmulator(t)
	host := strings.TrimPrefix(e.AzureBatchURL(), "https://")
	if host == e.AzureBatchURL() {
		t.Fatalf("the emulator's endpoint should be https, got %s", host)
	}
	c := mustNew(t, Config{Endpoint: host, AccountName: testAccount, AccountKey: testKey, CACertificateFile: e.CAFile(), Retry: fastRetry})
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("bare-host"), CommandLine: to.Ptr("echo hi")})
	if !e.AzureBatch().TaskExists("job", "bare-host") {
		t.Fatal("the task was not added through the endpoint given without a scheme")
	}
	if _, err := New(Config{Endpoint: "ftp://" + host, AccountName: testAccount, AccountKey: testKey}); err == nil ||
		!strings.Contains(err.Error(), `scheme "ftp"`) {
		t.Fatalf("New must refuse an ftp endpoint, got %v", err)
	}
}
