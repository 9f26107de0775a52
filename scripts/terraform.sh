#!/usr/bin/env bash
# Prints the path of the Terraform CLI to use, installing one if needed.
#
# Order: $TERRAFORM if set (an explicit choice), `terraform` on PATH, else a
# project-local .bin/terraform built from the Go module proxy. Downloads from
# releases.hashicorp.com are not possible here, and v1.5.7 is the newest
# Terraform that `go install pkg@version` accepts (later ones carry replace
# directives). Progress goes to stderr so callers can use $(scripts/terraform.sh).
set -euo pipefail
. "$(dirname "$0")/lib/cli.sh"

cli_from_variable TERRAFORM

if command -v terraform >/dev/null 2>&1; then
  command -v terraform
  exit 0
fi

cli_from_local_build terraform github.com/hashicorp/terraform github.com/hashicorp/terraform v1.5.7 "a few minutes"
