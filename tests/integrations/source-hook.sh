#!/usr/bin/env bash
# The from-source pre-commit hook (`stv2lint-source`, hooks/stv2lint-source.sh), end to end
# (called by .ci/run; needs python3, PyPI for pre-commit, and cargo):
#   1. run it with pre-commit in a throw-away git repository holding the bad example: it builds
#      stv2lint with Cargo.lock and reports the findings (exit 1);
#   2. run it from a copy of this repository whose Cargo.lock is stale: the hook must refuse to
#      build (`--locked`) rather than resolve other dependency versions.
# The build uses the `dev` profile (STV2LINT_HOOK_PROFILE) and the repository's target directory,
# so it reuses the dependencies `cargo test` compiled: what is tested is the hook and the lock
# file, not the release profile (tests/integrations/static.sh and wheel.sh build that).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
work="$(mktemp -d "${TMPDIR:-/tmp}/stv2lint-source-hook.XXXXXX")"
trap 'rm -rf "$work"' EXIT
. "$root/tests/integrations/common.sh"
tools_venv

repo="$work/repo"
mkdir -p "$repo"
cp -r "$root/examples/broken-apim" "$repo/infra"
git -C "$repo" init --quiet
git -C "$repo" add -A

# try-repo: the hooks of a repository as it is now (a shadow commit of uncommitted changes).
hook() {
  (cd "$repo" && PRE_COMMIT_HOME="$work/pre-commit" STV2LINT_HOOK_PROFILE=dev \
    "$tools/bin/pre-commit" try-repo "$1" stv2lint-source --all-files --color never)
}

echo "== pre-commit: the source hook (cargo build --locked) in a throw-away repository"
start=$(date +%s)
expect_findings "$work/hook.out" hook "$root"
echo "hook built and ran in $(( $(date +%s) - start )) s"

echo "== pre-commit: the source hook refuses a stale Cargo.lock"
stale="$work/stale"
git clone --quiet "$root" "$stale"
# The lock no longer matches Cargo.toml: without --locked cargo would rewrite it and build.
python3 - "$stale/Cargo.lock" <<'PY'
import re, sys
p = sys.argv[1]
s, n = re.subn(r'(name = "stv2lint"\nversion = )"[^"]*"', r'\1"0.0.0-stale"', open(p).read())
assert n == 1, "stv2lint not found in Cargo.lock"
open(p, "w").write(s)
PY
git -C "$stale" -c user.name=t -c user.email=t@t commit --quiet -am "stale lock"
set +e
hook "$stale" > "$work/stale.out" 2>&1
code=$?
set -e
cat "$work/stale.out"
[ "$code" != 0 ] || { echo "expected the hook to fail on a stale Cargo.lock" >&2; exit 1; }
grep -q -- "--locked" "$work/stale.out" || { echo "expected cargo's --locked refusal" >&2; exit 1; }
if grep -q "STV202" "$work/stale.out"; then echo "the hook ran although the lock is stale" >&2; exit 1; fi
echo "source hook: ok"
