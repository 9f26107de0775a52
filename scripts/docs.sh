#!/usr/bin/env bash
# Generates docs/ with tfplugindocs (`docs.sh generate`), or checks that the
# committed docs/ is what generation gives (`docs.sh check`).
#
# tfplugindocs normally builds the provider and asks a `terraform` on PATH for
# its schema, downloading Terraform if none is found. We pass it the schema
# instead (--providers-schema), read from the provider in process by
# scripts/providers-schema, so no Terraform CLI is involved and the docs do not
# depend on which CLI version a machine has (see that program's comment).
set -euo pipefail

mode=${1:-generate}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# tfplugindocs is pinned in tools/go.mod; build it once per run.
(cd tools && go build -o "$work/tfplugindocs" github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs)
go run ./scripts/providers-schema -o "$work/schema.json"

tfplugindocs() {
  "$work/tfplugindocs" "$@" --provider-name batchops --providers-schema "$work/schema.json"
}

# validate logs every file it looks at; show that only when it fails.
validate() {
  if ! tfplugindocs validate --provider-dir "$root" >"$work/validate.log" 2>&1; then
    cat "$work/validate.log" >&2
    echo "docs: tfplugindocs validate failed (output above)" >&2
    exit 1
  fi
}

case $mode in
generate)
  tfplugindocs generate --provider-dir "$root"
  validate
  echo "docs: generated docs/"
  ;;
check)
  # Generate into a copy of the inputs, so the work tree is left untouched
  # and uncommitted changes to docs/ are judged too.
  mkdir -p "$work/tree"
  for d in examples templates docs; do
    if [ -d "$d" ]; then cp -R "$d" "$work/tree/"; fi
  done
  tfplugindocs generate --provider-dir "$work/tree" >/dev/null
  committed=docs
  if [ ! -d docs ]; then committed=$work/no-docs && mkdir "$committed"; fi
  if ! diff -ruN "$committed" "$work/tree/docs"; then
    echo >&2
    echo "docs-check: docs/ is stale: it differs from what tfplugindocs generates (diff above)." >&2
    echo "docs-check: run 'make docs' and commit the result." >&2
    exit 1
  fi
  validate
  echo "docs-check: docs/ is up to date."
  ;;
*)
  echo "usage: $0 generate|check" >&2
  exit 2
  ;;
esac
