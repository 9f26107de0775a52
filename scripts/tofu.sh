#!/usr/bin/env bash
# Prints the path of the OpenTofu CLI to use, installing one if needed.
#
# Order: $TOFU if set, `tofu` on PATH if it is 1.12.x, else a project-local
# .bin/tofu built from the Go module proxy. The tests are written against
# OpenTofu 1.12 (write-only attributes, ephemeral resources, import by resource
# identity). `go install` refuses v1.8+ (their go.mod replaces hashicorp/hcl), so
# the module's source is downloaded and built in place (design.md §8); the
# ldflag makes it a release build, whose `tofu version` says v1.12.6 rather than
# v1.12.6-dev. Building takes about 5 minutes on 2 cores from a cold module cache.
set -euo pipefail
. "$(dirname "$0")/lib/cli.sh"

version=v1.12.6

cli_from_variable TOFU

if path_tofu=$(command -v tofu 2>/dev/null) &&
  CHECKPOINT_DISABLE=1 "$path_tofu" version 2>/dev/null | grep '^OpenTofu v1\.12\.' >/dev/null; then
  echo "$path_tofu"
  exit 0
fi

cli_from_module_build tofu github.com/opentofu/opentofu cmd/tofu "$version" \
  "-X github.com/opentofu/opentofu/version.dev=no" "about 5 minutes"
