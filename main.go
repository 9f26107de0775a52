// Command terraform-provider-batchops serves the batchops Terraform provider.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/batchops/terraform-provider-batchops/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	for name, value := range provider.SDKLogLevels(os.Environ()) {
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
