# Sourced by the integration scripts: `$tools`, a virtual environment (kept in the cargo target
# directory between runs) with maturin and pre-commit from PyPI.
tools="$CARGO_TARGET_DIR/integrations/tools"
if [ ! -x "$tools/bin/maturin" ] || [ ! -x "$tools/bin/pre-commit" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet 'maturin>=1.5,<2' pre-commit
fi
