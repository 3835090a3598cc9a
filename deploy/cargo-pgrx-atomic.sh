#!/usr/bin/env bash
# Stands in for cargo-pgrx where `cargo pgrx test` installs its test build. The test framework
# (pgrx-tests) runs `$CARGO_PGRX pgrx install --test … [--sudo]`; cargo-pgrx 0.18.1 then either
# copies the library over the installed one with `sudo cp` (with `--sudo`, which `--runas`
# adds: the same inode, overwritten in place under every backend that has it mapped), or
# removes it and copies anew (without: a new session may find no file or half a file). This
# runs `cargo pgrx package` with the same options into a temporary directory instead and
# installs that with install-extension.sh (each file written beside, then renamed). Any other
# command goes to cargo-pgrx unchanged.
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
