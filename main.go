// Command terraform-provider-batchops serves the batchops Terraform provider.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/batchops/terraform-provider-batchops/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	for name, value := range sdkLogLevels(os.Environ()) {
		if err := os.Setenv(name, value); err != nil {
			log.Fatal(err.Error())
		}
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/batchops/batchops",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// sdkLogLevels returns the variables that switch logging off when the environment sets no TF_LOG*
// variable. Without them the SDK logs every step at trace level, and the provider every request
// at debug level, to the plugin's stderr, where Terraform parses each line and discards it unless
// TF_LOG* asks for logs; the framework's trace logging alone is a large share of the provider's
// CPU for big resources, and a job set of 8000 jobs logs 8000 requests. With any TF_LOG* variable
// set, nothing changes.
func sdkLogLevels(environ []string) map[string]string {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "TF_LOG") {
			return nil
		}
	}
	return map[string]string{
		"TF_LOG_SDK":           "off",
		"TF_LOG_SDK_FRAMEWORK": "off",
		"TF_LOG_SDK_PROTO":     "off",
		"TF_LOG_PROVIDER":      "off",
	}
}
