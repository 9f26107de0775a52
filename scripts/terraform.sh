#!/usr/bin/env bash
# Prints the path of the Terraform CLI to use, installing one if needed.
#
# Order: $TERRAFORM if set (an explicit choice), `terraform` on PATH, else a
# project-local .bin/terraform built from the Go module proxy. Downloads from
# releases.hashicorp.com are not possible here, and v1.5.7 is the newest
# Terraform that `go install pkg@version` accepts (later ones carry replace
# directives). Progress goes to stderr so callers can use $(scripts/terraform.sh).
set -euo pipefail

version=v1.5.7
root=$(cd "$(dirname "$0")/.." && pwd)
local_bin=$root/.bin/terraform

if [ -n "${TERRAFORM:-}" ]; then
  p=$(command -v "$TERRAFORM") || { echo "terraform.sh: TERRAFORM=$TERRAFORM is not executable" >&2; exit 1; }
  # Absolute, since tests run the CLI from their own package directories.
  case $p in /*) echo "$p" ;; *) echo "$PWD/$p" ;; esac
  exit 0
fi

if command -v terraform >/dev/null 2>&1; then
  command -v terraform
  exit 0
fi

# Reuse an earlier build if it is the pinned version (read from the binary's
# build info, which needs no network and does not run the binary).
if [ -x "$local_bin" ] && go version -m "$local_bin" 2>/dev/null | grep "mod[[:space:]]*github.com/hashicorp/terraform[[:space:]]*$version" >/dev/null; then
  echo "$local_bin"
  exit 0
fi

echo "terraform.sh: no terraform on PATH; building $version into .bin/ with go install (a few minutes the first time)..." >&2
start=$SECONDS
GOBIN=$root/.bin GOFLAGS=-buildvcs=false go install "github.com/hashicorp/terraform@$version" >&2
echo "terraform.sh: built $local_bin in $((SECONDS - start))s" >&2
echo "$local_bin"
