#!/usr/bin/env bash
# The no-toolchain install paths, end to end (called by .ci/run; needs python3 and PyPI):
#   1. build the wheel with maturin (python/pyproject.toml, the release profile),
#   2. install it into a fresh virtual environment and lint the bad example (findings, exit 1),
#   3. run the `stv2lint` pre-commit hook (language: python) with pre-commit in a throw-away git
#      repository holding the bad example (findings, exit 1). pre-commit installs the root
#      pyproject.toml, which pins the wheel; PIP_FIND_LINKS points pip at the one just built,
#      as PyPI would serve it after a release.
# CARGO_TARGET_DIR defaults to the repository's target/, so the build reuses the cargo cache.
# Measured 2026-11-30 on 2 cores shared with six other builds (load 12-14): 13.5 min in all, of
# which 12.4 min rebuild the stv2lint crate itself with fat LTO and one codegen unit (the
# dependencies were cached) and well under a minute venv + check + pre-commit hook install and run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
work="$(mktemp -d "${TMPDIR:-/tmp}/stv2lint-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT

. "$root/tests/integrations/common.sh"
tools_venv

echo "== wheel: maturin build --release"
start=$(date +%s)
(cd "$root/python" && "$tools/bin/maturin" build --release --out "$work/dist")
echo "wheel built in $(( $(date +%s) - start )) s"
wheel=$(ls "$work"/dist/stv2lint-*.whl)

echo "== wheel: install into a fresh venv and lint examples/broken-apim"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --no-index "$wheel"
expect_findings "$work/check.out" in_dir "$root" "$work/venv/bin/stv2lint" check examples/broken-apim --format compact

echo "== pre-commit: the python hook in a throw-away repository"
repo="$work/repo"
mkdir -p "$repo"
cp -r "$root/examples/broken-apim" "$repo/infra"
git -C "$repo" init --quiet
git -C "$repo" add -A
# pre-commit takes the hooks from this repository as it is now (try-repo makes a shadow commit
# of uncommitted changes); its own caches stay in the work directory.
expect_findings "$work/hook.out" in_dir "$repo" env PRE_COMMIT_HOME="$work/pre-commit" \
  PIP_FIND_LINKS="$work/dist" "$tools/bin/pre-commit" try-repo "$root" stv2lint --all-files --color never
grep -q "language: python\|stv2lint" "$work/hook.out"
echo "wheel and pre-commit hook: ok"
