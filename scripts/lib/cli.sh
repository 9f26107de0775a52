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

# cli_from_module_build NAME MODULE PACKAGE_DIR VERSION LDFLAGS DURATION: .bin/NAME, built from
# the source of MODULE@VERSION as the Go module proxy serves it, for modules whose replace
# directives make `go install pkg@version` refuse them: `go mod download` fetches the module
# and `go build ./PACKAGE_DIR` runs inside it, where its own go.mod, replaces included, rules.
# The module cache is read-only; -mod=readonly builds there without writing to it. An earlier
# build is kept when `NAME version` already says VERSION (on any line: tofu prints warnings
# about its CLI configuration first).
cli_from_module_build() {
  local name=$1 module=$2 package_dir=$3 version=$4 ldflags=$5 duration=$6
  local bin=$cli_root/.bin/$name dir start
  if [ -x "$bin" ] && CHECKPOINT_DISABLE=1 "$bin" version 2>/dev/null | grep " $version\$" >/dev/null; then
    echo "$bin"
    exit 0
  fi
  echo "$cli_script: no suitable $name on PATH; building $module $version into .bin/ ($duration the first time)..." >&2
  start=$SECONDS
  # Outside any module, so that nothing of the project's go.mod or go.sum takes part.
  dir=$(cd / && GOWORK=off GOFLAGS= go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "$cli_script: go mod download $module@$version gave no source directory" >&2; exit 1; }
  mkdir -p "$cli_root/.bin"
  # Into a temporary name first: an interrupted build leaves no half-written CLI behind.
  (cd "$dir" && GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' go build -ldflags "$ldflags" -o "$bin.tmp" "./$package_dir") >&2
  mv -f "$bin.tmp" "$bin"
  echo "$cli_script: built $bin in $((SECONDS - start))s" >&2
  echo "$bin"
  exit 0
}
