#!/usr/bin/env bash
# Prints the path of the OpenTofu CLI to use, installing one if needed.
#
# Order: $TOFU if set, `tofu` on PATH if it is 1.6.x, else a project-local
# .bin/tofu built from the Go module proxy. v1.6.3 is the newest OpenTofu that
# `go install pkg@version` accepts (v1.8+ replace hashicorp/hcl). Building
# takes about 5 minutes on 2 cores from a cold module cache.
set -euo pipefail

version=v1.6.3
root=$(cd "$(dirname "$0")/.." && pwd)
local_bin=$root/.bin/tofu

if [ -n "${TOFU:-}" ]; then
  p=$(command -v "$TOFU") || { echo "tofu.sh: TOFU=$TOFU is not executable" >&2; exit 1; }
  # Absolute, since tests run the CLI from their own package directories.
  case $p in /*) echo "$p" ;; *) echo "$PWD/$p" ;; esac
  exit 0
fi

# Only a 1.6.x tofu on PATH: the tests are written against what v1.6.3 does.
if path_tofu=$(command -v tofu 2>/dev/null) &&
  CHECKPOINT_DISABLE=1 "$path_tofu" version 2>/dev/null | sed -n 1p | grep '^OpenTofu v1\.6\.' >/dev/null; then
  echo "$path_tofu"
  exit 0
fi

if [ -x "$local_bin" ] && go version -m "$local_bin" 2>/dev/null | grep "mod[[:space:]]*github.com/opentofu/opentofu[[:space:]]*$version" >/dev/null; then
  echo "$local_bin"
  exit 0
fi

echo "tofu.sh: building OpenTofu $version into .bin/ with go install (about 5 minutes the first time)..." >&2
start=$SECONDS
GOBIN=$root/.bin GOFLAGS=-buildvcs=false go install "github.com/opentofu/opentofu/cmd/tofu@$version" >&2
echo "tofu.sh: built $local_bin in $((SECONDS - start))s" >&2
echo "$local_bin"
