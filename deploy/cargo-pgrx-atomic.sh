#!/usr/bin/env bash
# Stands in for cargo-pgrx where `cargo pgrx test` installs its test build: the test framework
# runs `$CARGO_PGRX pgrx install --test …`, and `cargo pgrx install` overwrites the installed
# library in place, which breaks every running backend that has it mapped (see
# install-extension.sh). This runs `cargo pgrx package` with the same options into a temporary
# directory instead and installs that with install-extension.sh (write beside, then rename).
# Any other command goes to cargo-pgrx unchanged.
#
# Used by `make pgtest`: CARGO_PGRX=$PWD/deploy/cargo-pgrx-atomic.sh cargo pgrx test …
set -euo pipefail
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

if [ "${1:-}" != pgrx ] || [ "${2:-}" != install ]; then
  exec cargo "$@"
fi
shift 2

args=() sudo= profile=
while [ $# -gt 0 ]; do
  case "$1" in
    --sudo) sudo=1 ;;
    --release) profile=release ;;
    --profile) profile=$2; args+=("$1" "$2"); shift ;;
    --no-schema)
      echo "$0: cargo pgrx package has no --no-schema; unset PGRX_NO_SCHEMA" >&2
      exit 2 ;;
    *) args+=("$1") ;;
  esac
  shift
done
# `install` builds debug by default, `package` release.
[ -n "$profile" ] || args+=(--debug)

out=$(mktemp -d "${TMPDIR:-/tmp}/storesync-pgrx-package.XXXXXX")
trap 'rm -rf -- "$out"' EXIT
cargo pgrx package "${args[@]}" --out-dir "$out"
if [ -n "$sudo" ] && [ "$(id -u)" != 0 ]; then
  sudo "$here/install-extension.sh" "$out"
else
  "$here/install-extension.sh" "$out"
fi
