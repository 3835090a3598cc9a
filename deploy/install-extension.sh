#!/usr/bin/env bash
# Installs a package tree into the system the way dpkg does: each file is written beside its
# destination under a temporary name, flushed to disk, then renamed over it. PKGDIR is laid out
# as the server's paths: the tree `cargo pgrx package` writes (PKGDIR/usr/lib/postgresql/15/lib/
# storesync.so, PKGDIR/usr/share/postgresql/15/extension/storesync*), or an unpacked release
# package (`make package`), which adds usr/bin/storesync-worker, the systemd unit and the
# example configuration. Files at the top of PKGDIR (this script's copy in a release package)
# are not installed.
#
# Why: PostgreSQL backends map the library file. Overwriting it in place (same inode, as `cp`
# does) makes every running backend execute the new build's bytes at the old build's
# addresses, and each call fails ("unrecognized function API version") or crashes; removing it
# and copying anew leaves a moment in which a new session finds no file or half of one. A
# rename leaves the old file alive for the backends that have it mapped (and the old worker
# binary for the worker that runs it), and new sessions load the whole new one.
#
# Usage: install-extension.sh PKGDIR [DESTDIR]
#   DESTDIR (default /) is prepended to every path, e.g. for a staging root.
# Files already identical at the destination are left alone (same inode, nothing to do), so
# running it again is quick and changes nothing. The library goes first, the SQL scripts and
# other files next, the control file (which names the default version) last.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -d "$1" ]; then
  echo "usage: $0 PKGDIR [DESTDIR]   (PKGDIR: from \`cargo pgrx package\` or an unpacked package)" >&2
  exit 2
fi
pkgdir=$(cd "$1" && pwd)
destdir=${2:-/}

tmp=
cleanup() { [ -z "$tmp" ] || rm -f -- "$tmp"; }
trap cleanup EXIT

install_one() {
  local rel=$1 src="$pkgdir/$1" dest dir
  dest="${destdir%/}/$rel"
  dir=$(dirname -- "$dest")
  if cmp -s -- "$src" "$dest"; then
    return
  fi
  mkdir -p -- "$dir"
  # Same directory as the destination, so the rename stays within one file system.
  tmp=$(mktemp -- "$dir/.$(basename -- "$dest").new.XXXXXX")
  cp -- "$src" "$tmp"
  chmod --reference="$src" -- "$tmp"
  # On disk before the name points at it: a crash cannot leave an empty file under the name.
  sync -- "$tmp"
  mv -f -- "$tmp" "$dest"
  tmp=
  echo "installed $dest"
}

files=$(cd "$pkgdir" && find . -mindepth 2 -type f -printf '%P\n' | sort)
if [ -z "$files" ]; then
  echo "$0: no files in $pkgdir" >&2
  exit 1
fi
# Libraries, then everything but control files, then control files.
for pass in lib other control; do
  while IFS= read -r rel; do
    case "$rel" in
      *.so) [ "$pass" = lib ] || continue ;;
      *.control) [ "$pass" = control ] || continue ;;
      *) [ "$pass" = other ] || continue ;;
    esac
    install_one "$rel"
  done <<< "$files"
done
