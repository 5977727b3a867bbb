#!/usr/bin/env bash
# The `stv2lint-source` pre-commit hook (.pre-commit-hooks.yaml, `language: script`): build
# stv2lint from the hook's checkout of this repository with the dependencies Cargo.lock pins
# (`--locked`), then run it with the hook's arguments. pre-commit's `language: rust` runs
# `cargo install --path .` without `--locked` and gives a hook no way to add it, hence a script.
#
# The first run compiles (a few minutes); later runs find the build fresh and cost cargo's
# up-to-date check. pre-commit keeps one checkout per hook revision, so a new `rev` builds anew.
# Needs cargo on PATH (https://rustup.rs). STV2LINT_HOOK_PROFILE picks another cargo profile
# (tests/integrations/source-hook.sh uses `dev`, to reuse the test build's dependencies).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
profile="${STV2LINT_HOOK_PROFILE:-release}"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$profile" in
  dev) out=debug ;;
  *) out="$profile" ;;
esac
# Cargo's progress goes to stderr; stdout is the report's.
cargo build --locked --quiet --profile "$profile" --bin stv2lint \
  --manifest-path "$root/Cargo.toml" --target-dir "$target" >&2
exec "$target/$out/stv2lint" "$@"
