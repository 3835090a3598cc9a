#!/usr/bin/env bash
# Checks a release package (`make package`, run by `make package-test`): unpacked into a
# temporary directory it holds exactly the library, the control file, the current version's
# install script, every upgrade script in sql/, the worker, its systemd unit and example
# configuration, and the installer; the installer puts each file under a root by rename (a
# new inode, the old file intact for whoever has it open, never a part of a file under the
# name) and leaves identical files alone. Needs no database and no Rust toolchain.
#
# Usage: tests/package.sh TARBALL
set -euo pipefail

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 TARBALL" >&2
  exit 2
fi
tarball=$(cd "$(dirname -- "$1")" && pwd)/$(basename -- "$1")
repo=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml")
pg_config=${PG_CONFIG:-pg_config}
libdir=$("$pg_config" --pkglibdir)
libdir=${libdir#/}
extdir=$("$pg_config" --sharedir)/extension
extdir=${extdir#/}

work=$(mktemp -d "${TMPDIR:-/tmp}/storesync-package-test.XXXXXX")
reader=
cleanup() {
  [ -z "$reader" ] || kill "$reader" 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  "$@" || fail "$what"
}

## The contents ---------------------------------------------------------------------------

tar -C "$work" -xzf "$tarball"
tops=$(tar -tzf "$tarball" | cut -d/ -f1 | sort -u)
[ "$(wc -l <<< "$tops")" = 1 ] || fail "more than one top directory: $tops"
pkg=$work/$tops

expected=(
  install-extension.sh
  "$libdir/storesync.so"
  "$extdir/storesync.control"
  "$extdir/storesync--$version.sql"
  usr/bin/storesync-worker
  usr/lib/systemd/system/storesync-worker.service
  usr/share/doc/storesync/worker.env.example
)
upgrades=0
for script in "$repo"/sql/storesync--*--*.sql; do
  expected+=("$extdir/$(basename -- "$script")")
  upgrades=$((upgrades + 1))
done
[ "$upgrades" -gt 0 ] || fail "no upgrade script in $repo/sql"

have=$(cd "$pkg" && find . -type f -printf '%P\n' | sort)
want=$(printf '%s\n' "${expected[@]}" | sort)
if [ "$have" != "$want" ]; then
  fail "the package's files differ from the expected ones:"
  diff <(echo "$want") <(echo "$have") >&2 || true
fi

check "the library is not an ELF shared object" \
  test "$(head -c 4 "$pkg/$libdir/storesync.so" | od -An -c | tr -d ' ')" = '177ELF'
check "the control file does not name $version as the default version" \
  grep -qx "default_version = '$version'" "$pkg/$extdir/storesync.control"
check "the install script does not create storesync.ingest" \
  grep -q 'FUNCTION "ingest"(' "$pkg/$extdir/storesync--$version.sql"
for script in "$repo"/sql/storesync--*--*.sql; do
  check "$(basename -- "$script") is empty in the package" test -s "$pkg/$extdir/$(basename -- "$script")"
done
check "the worker does not run or name version $version" \
  grep -qx "storesync-worker $version" <<< "$("$pkg/usr/bin/storesync-worker" --version)"
check "the unit does not start the packaged worker" \
  grep -qx 'ExecStart=/usr/bin/storesync-worker serve' "$pkg/usr/lib/systemd/system/storesync-worker.service"
check "the installer is not executable" test -x "$pkg/install-extension.sh"
# Every setting of `serve` is in the example environment file.
settings=$("$pkg/usr/bin/storesync-worker" serve --help | grep -o '\[env: [A-Z_]*' | cut -d' ' -f2 | sort -u)
[ -n "$settings" ] || fail "the worker's serve --help names no environment variable"
for var in $settings; do
  grep -q "^#\?$var=" "$pkg/usr/share/doc/storesync/worker.env.example" ||
    fail "worker.env.example does not mention $var"
done

# The unit as systemd reads it, where systemd-analyze is installed (it wants the program to
# exist: the unpacked one stands in for /usr/bin's).
if command -v systemd-analyze > /dev/null; then
  sed "s|^ExecStart=/usr/bin/storesync-worker|ExecStart=$pkg/usr/bin/storesync-worker|" \
    "$pkg/usr/lib/systemd/system/storesync-worker.service" > "$work/storesync-worker.service"
  # It warns about unknown keys and bad values but exits 0 for them: any output is a fault.
  verified=$(systemd-analyze verify "$work/storesync-worker.service" 2>&1) || true
  check "systemd-analyze verify: $verified" test -z "$verified"
fi

## The installer ----------------------------------------------------------------------------

root=$work/root
"$pkg/install-extension.sh" "$pkg" "$root" > "$work/first.log"
while IFS= read -r rel; do
  [ "$rel" != install-extension.sh ] || continue
  check "$rel not installed as packaged" cmp -s "$pkg/$rel" "$root/$rel"
  check "$rel installed with another mode" \
    test "$(stat -c %a "$pkg/$rel")" = "$(stat -c %a "$root/$rel")"
done <<< "$want"
check "the installer's copy at the package's top was installed" test ! -e "$root/install-extension.sh"

lib=$root/$libdir/storesync.so
inode() { stat -c %i -- "$1"; }
before=$(inode "$lib")
"$pkg/install-extension.sh" "$pkg" "$root" > "$work/again.log"
check "a second run changed something: $(cat "$work/again.log")" test ! -s "$work/again.log"
check "a second run replaced an identical library" test "$(inode "$lib")" = "$before"

# Another build of the library (a trailing byte: still a loadable ELF file) and the packaged one,
# installed in turn while a reader keeps reading the installed file, as a new backend would. A
# running backend holds the old file open (mapped): it must keep reading all of the old bytes.
cp -a "$pkg" "$work/other"
printf '\0' >> "$work/other/$libdir/storesync.so"
cp "$pkg/$libdir/storesync.so" "$work/lib.a"
cp "$work/other/$libdir/storesync.so" "$work/lib.b"
exec 3< "$lib"
(
  while :; do
    cat -- "$lib" > "$work/seen"
    cmp -s "$work/seen" "$work/lib.a" || cmp -s "$work/seen" "$work/lib.b" || {
      echo "a reader saw $(stat -c %s "$work/seen") bytes that are neither build" >> "$work/torn"
    }
  done
) &
reader=$!
for _ in 1 2 3 4 5; do
  "$pkg/install-extension.sh" "$work/other" "$root" > /dev/null
  check "the other build was installed without a new inode" test "$(inode "$lib")" != "$before"
  check "the other build is not what was installed" cmp -s "$lib" "$work/lib.b"
  "$pkg/install-extension.sh" "$pkg" "$root" > /dev/null
  check "the packaged build is not what was put back" cmp -s "$lib" "$work/lib.a"
done
kill "$reader"
wait "$reader" 2>/dev/null || true
reader=
check "$(cat "$work/torn" 2>/dev/null)" test ! -e "$work/torn"
check "the file a running backend has open was changed" cmp -s /dev/fd/3 "$work/lib.a"
exec 3<&-
leftovers=$(find "$root" -name '.*.new.*')
check "temporary files left behind: $leftovers" test -z "$leftovers"

# The same check catches an overwrite in place, as `cp` does: the open file changes under it.
cp "$work/lib.a" "$work/inplace"
exec 3< "$work/inplace"
cp "$work/lib.b" "$work/inplace"
if cmp -s /dev/fd/3 "$work/lib.a"; then
  fail "the open-file check does not see an overwrite in place"
fi
exec 3<&-

if [ "$failures" -gt 0 ]; then
  echo "$failures package check(s) failed ($tarball)" >&2
  exit 1
fi
echo "package ok: $(basename -- "$tarball"), $(wc -l <<< "$want") files, $upgrades upgrade script(s), installed by rename"
