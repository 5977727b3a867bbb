#!/usr/bin/env bash
# The static Linux binary, with the repository's own commands (called by .ci/run; needs rustup):
#   1. add the musl target when it is missing,
#   2. build exactly as .github/workflows/release.yml builds its Linux assets
#      (`cargo build --release --locked --target <musl target>`, the shipped release profile),
#   3. check that the binary is statically linked, and run it on the bad example (findings,
#      exit 1).
# Measured 2026-11-30 on the 2 cores here, shared with other builds (load 10-17): a cold build
# (dependencies too) used 3.0 CPU-minutes (21 min wall, mostly waiting for the target directory's
# lock); rebuilding only the stv2lint crate with fat LTO and one codegen unit used 1.6 CPU-minutes
# (7.7 min wall at that load). On an idle 2-core CI runner that is a few minutes, so the test
# builds the shipped profile rather than a leaner stand-in.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
. "$root/tests/integrations/common.sh"
target="${STV2LINT_STATIC_TARGET:-x86_64-unknown-linux-musl}"
work="$(mktemp -d "${TMPDIR:-/tmp}/stv2lint-static.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The release workflow's build command, which this script must run unchanged: a feature set or
# flag added there for musl (or here) shows up as a difference and fails the test.
build='cargo build --release --locked --target "${{ matrix.target }}"'
grep -qF -- "run: $build" "$root/.github/workflows/release.yml" \
  || { echo "release.yml no longer builds with: $build; update tests/integrations/static.sh" >&2; exit 1; }

if ! rustup target list --installed | grep -qx "$target"; then
  echo "== rustup target add $target"
  rustup target add "$target"
fi

echo "== static binary: cargo build --release --locked --target $target"
start=$(date +%s)
(cd "$root" && cargo build --release --locked --target "$target")
echo "built in $(( $(date +%s) - start )) s"
bin="$CARGO_TARGET_DIR/$target/release/stv2lint"
ls -l "$bin"

echo "== statically linked"
file "$bin" | tee "$work/file.out"
grep -Eq "statically linked|static-pie linked" "$work/file.out" \
  || { echo "expected a statically linked executable" >&2; exit 1; }
# ldd says "not a dynamic executable" (glibc) or "statically linked" for a static binary, and
# lists libraries otherwise; either way no libc.so may appear.
if ldd "$bin" 2>&1 | tee "$work/ldd.out" | grep -q "libc\.so"; then
  echo "the binary links libc dynamically" >&2
  exit 1
fi

echo "== run it on examples/broken-apim"
"$bin" --version
expect_findings "$work/check.out" in_dir "$root" "$bin" check examples/broken-apim --format compact
echo "static binary: ok"
