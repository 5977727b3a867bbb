# Sourced by the integration scripts (after setting `root` and CARGO_TARGET_DIR).

# Sets `tools`: a virtual environment (kept in the cargo target directory between runs) with
# maturin and pre-commit from PyPI.
tools_venv() {
  tools="$CARGO_TARGET_DIR/integrations/tools"
  if [ ! -x "$tools/bin/maturin" ] || [ ! -x "$tools/bin/pre-commit" ]; then
    python3 -m venv "$tools"
    "$tools/bin/python" -m pip install --quiet 'maturin>=1.5,<2' pre-commit
  fi
}

# `expect_findings OUT COMMAND...`: run COMMAND, its output to OUT and shown; it must report the
# bad example's findings: exit 1, STV202 among them.
expect_findings() {
  local out="$1" code=0
  shift
  "$@" > "$out" 2>&1 || code=$?
  cat "$out"
  [ "$code" = 1 ] || { echo "expected exit 1 (findings) from: $*; got $code" >&2; exit 1; }
  grep -q "STV202" "$out" || { echo "expected STV202 in the output of: $*" >&2; exit 1; }
}

# `in_dir DIR COMMAND...`: COMMAND run in DIR.
in_dir() {
  local dir="$1"
  shift
  (cd "$dir" && "$@")
}
