#!/usr/bin/env bash
# make demo: build the provider and the emulator, start the emulator on
# loopback, apply and destroy examples/demo against it, then show the requests
# the emulator received (so the destroy-time DELETE, Purge, Close, kill and batch-delete
# calls are visible). The emulator is always stopped on exit.
#
# Environment: VERSION (provider version stamp), DEMO_KEEP=1 keeps the temp
# dir (terraform state, emulator files) for inspection.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=$root/.bin
export CHECKPOINT_DISABLE=1 # no calls home to checkpoint-api.hashicorp.com

step() { printf '\n==> %s\n' "$*"; }

tf=$(scripts/terraform.sh)

step "building the provider and the emulator into .bin/"
mkdir -p "$bin"
go build -ldflags "-X main.version=${VERSION:-dev}" -o "$bin/terraform-provider-batchops" .
go build -o "$bin/batchops-emulator" ./internal/emulator/cmd/batchops-emulator

work=$(mktemp -d "${TMPDIR:-/tmp}/batchops-demo.XXXXXX")
emu_dir=$work/emulator
emu_pid=

cleanup() {
  local status=$?
  if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
    kill -TERM "$emu_pid" 2>/dev/null || true
    # Give it a few seconds to shut down cleanly, then make sure.
    for _ in $(seq 50); do kill -0 "$emu_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    echo "demo: FAILED (exit $status)" >&2
    if [ -s "$work/emulator.out" ]; then
      echo "--- emulator output (last 30 lines) ---" >&2
      tail -n 30 "$work/emulator.out" >&2
    fi
  fi
  if [ "${DEMO_KEEP:-}" = 1 ]; then
    echo "demo: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap stops the emulator.
trap 'exit 130' INT
trap 'exit 143' TERM

step "starting the emulator"
mkdir "$emu_dir"
"$bin/batchops-emulator" -dir "$emu_dir" >"$work/emulator.out" 2>&1 &
emu_pid=$!

# The emulator writes emulator.env last, once it is listening.
timeout_s=30
deadline=$((SECONDS + timeout_s))
until [ -f "$emu_dir/emulator.env" ]; do
  if ! kill -0 "$emu_pid" 2>/dev/null; then
    echo "demo: the emulator exited before it was ready" >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "demo: the emulator did not write $emu_dir/emulator.env within ${timeout_s}s" >&2
    exit 1
  fi
  sleep 0.2
done
cat "$work/emulator.out"
# shellcheck source=/dev/null
. "$emu_dir/emulator.env"
export TF_VAR_emulator_ca_file=$BATCHOPS_EMULATOR_CA_FILE
# The emulator has no region domain: the demo gives the MRS endpoint explicitly.
export TF_VAR_mrs_endpoint=${MRS_ENDPOINT:-}

# Use the provider just built, without a registry: dev_overrides needs no
# `terraform init` as long as the demo uses only this provider.
cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "batchops/batchops" = "$bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$work/terraformrc

# Work on a copy so no state or lock file lands in the repository.
mkdir "$work/demo"
cp -R examples/demo/. "$work/demo/"
rm -rf "$work/demo/.terraform" "$work/demo"/terraform.tfstate* "$work/demo/.terraform.lock.hcl"
cd "$work/demo"

color=            # no ANSI colour codes when the output is not a terminal
[ -t 1 ] || color=-no-color

step "terraform apply"
"$tf" apply -auto-approve -input=false $color
step "terraform output"
"$tf" output $color
step "terraform destroy"
"$tf" destroy -auto-approve -input=false $color

step "requests received by the emulator (* = destroy-time calls: DELETE, Purge, Close, kill, batch-delete)"
touch "$emu_dir/requests.log"
awk '
  / DELETE |\/Purge[? ]|\/Close[? ]|\/kill[? ]|batch-delete/ { print "* " $0; n++; next }
  { print "  " $0 }
  END { printf "\n%d requests, %d destroy-time calls\n", NR, n }
' "$emu_dir/requests.log"
