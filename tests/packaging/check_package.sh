#!/bin/sh
# Builds the Debian package from a configured and built tree and checks what
# it holds, without installing it:
#   check_package.sh BUILD_DIR VERSION WITH_DAEMONCTL(0|1) PACKAGING(0|1)
# Skips (77) when cmake/packaging.cmake is not included in the build
# (PACKAGING 0) or dpkg-deb is missing.
set -eu
build=$1
version=$2
with_daemonctl=${3:-0}
packaging=${4:-0}
[ "$packaging" = 1 ] && [ -f "$build/CPackConfig.cmake" ] || {
  echo "SKIP: cmake/packaging.cmake is not included in this build"; exit 77; }
command -v dpkg-deb >/dev/null || { echo "SKIP: no dpkg-deb"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

cpack -G DEB -B "$work" --config "$build/CPackConfig.cmake" >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log"; echo "cpack -G DEB failed"; exit 1; }
deb=$(ls "$work"/daemoncheck_*.deb)
echo "built $(basename "$deb")"

fail=0
expect() { grep -q -- "$1" "$work/contents" || { echo "missing from the package: $1"; fail=1; }; }
dpkg-deb --contents "$deb" >"$work/contents"
expect ' ./usr/bin/daemoncheck$'
expect ' ./usr/share/man/man1/daemoncheck.1.gz$'
expect ' ./usr/share/daemoncheck/scorecard.schema.json$'
if [ "$with_daemonctl" = 1 ]; then
  expect ' ./usr/bin/daemonctl$'
  expect ' ./usr/share/man/man1/daemonctl.1.gz$'
fi
dpkg-deb --field "$deb" Package Version Depends >"$work/fields"
cat "$work/fields"
grep -q "^Version: $version" "$work/fields" || { echo "the package's version is not $version"; fail=1; }

# What it installs works: run the packaged binary and format the packaged page.
dpkg-deb --extract "$deb" "$work/root"
"$work/root/usr/bin/daemoncheck" --version | grep -qx "daemoncheck $version" || {
  echo "the packaged daemoncheck --version is wrong"; fail=1; }
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$work/root/usr/share/man/man1/daemoncheck.1.gz" 2>/dev/null | grep -q 'daemoncheck - check' || {
    echo "man cannot show the packaged daemoncheck(1)"; fail=1; }
fi
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
