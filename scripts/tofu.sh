#!/usr/bin/env bash
# Prints the path of the OpenTofu CLI to use, installing one if needed.
#
# Order: $TOFU if set, `tofu` on PATH if it is 1.6.x, else a project-local
# .bin/tofu built from the Go module proxy. v1.6.3 is the newest OpenTofu that
# `go install pkg@version` accepts (v1.8+ replace hashicorp/hcl). Building
# takes about 5 minutes on 2 cores from a cold module cache.
set -euo pipefail
. "$(dirname "$0")/lib/cli.sh"

cli_from_variable TOFU

# Only a 1.6.x tofu on PATH: the tests are written against what v1.6.3 does.
if path_tofu=$(command -v tofu 2>/dev/null) &&
  CHECKPOINT_DISABLE=1 "$path_tofu" version 2>/dev/null | sed -n 1p | grep '^OpenTofu v1\.6\.' >/dev/null; then
  echo "$path_tofu"
  exit 0
fi

cli_from_local_build tofu github.com/opentofu/opentofu github.com/opentofu/opentofu/cmd/tofu v1.6.3 "about 5 minutes"
