//go:build generate

// Package tools pins generate-time tools in their own module, so their
// dependencies stay out of the provider's go.mod. The make targets run them
// with `go run` from this directory (see GNUmakefile: docs).
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
