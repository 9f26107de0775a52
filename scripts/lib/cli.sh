# Sourced by scripts/terraform.sh and scripts/tofu.sh, which find a CLI the same way: an
# explicit variable, then a suitable CLI on PATH (each script's own test), then a project-local
# .bin/ build from the Go module proxy. Each function prints the CLI's path and exits once it
# has one; progress goes to stderr so callers can use $(scripts/terraform.sh).

cli_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cli_script=$(basename "$0")

# cli_from_variable VAR: the CLI that $VAR names, when it is set (an explicit choice).
cli_from_variable() {
  local var=$1 value=${!1:-} p
  [ -n "$value" ] || return 0
  p=$(command -v "$value") || { echo "$cli_script: $var=$value is not executable" >&2; exit 1; }
  # Absolute, since tests run the CLI from their own package directories.
  case $p in /*) echo "$p" ;; *) echo "$PWD/$p" ;; esac
  exit 0
}

# cli_from_local_build NAME MODULE PACKAGE VERSION DURATION: .bin/NAME, built by
# `go install PACKAGE@VERSION` unless an earlier build is already VERSION of MODULE (read from
# the binary's build info, which needs no network and does not run the binary). DURATION says
# how long the first build takes.
cli_from_local_build() {
  local name=$1 module=$2 package=$3 version=$4 duration=$5
  local bin=$cli_root/.bin/$name start
  if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep "mod[[:space:]]*$module[[:space:]]*$version" >/dev/null; then
    echo "$bin"
    exit 0
  fi
  echo "$cli_script: no suitable $name on PATH; building $version into .bin/ with go install ($duration the first time)..." >&2
  start=$SECONDS
  GOBIN=$cli_root/.bin GOFLAGS=-buildvcs=false go install "$package@$version" >&2
  echo "$cli_script: built $bin in $((SECONDS - start))s" >&2
  echo "$bin"
  exit 0
}
