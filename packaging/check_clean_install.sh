#!/usr/bin/env bash
# Proves that `pip install <source>` (not editable) gives a working digitdesk on its own:
# a fresh virtual environment, the project installed from a copy of the source, then the app
# run from an empty folder where no repository file can be found.
#
#   packaging/check_clean_install.sh [SOURCE_DIR] [--committed] [--keep]
#
#   SOURCE_DIR    the project to install (default: this checkout)
#   --committed   install only what is committed at HEAD (git archive), as a fresh clone would
#   --keep        keep the temporary folder (venv, source copy, outputs) for inspection
#
# Environment: PYTHON (default python3) makes the venv; pip's cache (PIP_CACHE_DIR or
# ~/.cache/pip) is reused, so after the first run no large wheel is downloaded again.
# Exits non-zero, with a line starting "FAIL:", at the first check that does not hold.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/.." && pwd)"
committed=0
keep=0
for arg in "$@"; do
    case "$arg" in
        --committed) committed=1 ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        -*) echo "unknown option: $arg" >&2; exit 2 ;;
        *) src="$(cd "$arg" && pwd)" ;;
    esac
done
python="${PYTHON:-python3}"

fail() { echo "FAIL: $*" >&2; exit 1; }
t0=$SECONDS
step() { echo "== [$((SECONDS - t0))s] $*"; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/digitdesk-clean-install.XXXXXX")"
if [ "$keep" = 1 ]; then
    trap 'echo "kept: $tmp"' EXIT
else
    trap 'rm -rf "$tmp"' EXIT
fi

# 1. A copy of the source, so stale build/ or *.egg-info folders in the checkout cannot leak
#    files into the wheel, and the install cannot write into the checkout.
step "copy source: $src"
mkdir "$tmp/src"
if [ "$committed" = 1 ]; then
    git -C "$src" archive --format=tar HEAD | tar -xf - -C "$tmp/src"
elif git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # tracked files plus new files git does not ignore: what a commit of this tree would hold
    (cd "$src" && git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
        | tar --null -cf - -T -) | tar -xf - -C "$tmp/src"
else
    tar -C "$src" --exclude=./build --exclude=./dist --exclude='*.egg-info' --exclude=./.venv \
        --exclude=./.git --exclude=__pycache__ -cf - . | tar -xf - -C "$tmp/src"
fi
[ -f "$tmp/src/pyproject.toml" ] || fail "no pyproject.toml in $src"
[ -f "$tmp/src/resources/model/digits.onnx" ] || fail "the source has no resources/model/digits.onnx to ship"

# 2. A fresh venv; the project and its runtime dependencies only.
step "venv: $("$python" --version 2>&1)"
"$python" -m venv "$tmp/venv"
if [ -x "$tmp/venv/bin/python" ]; then bin="$tmp/venv/bin"; else bin="$tmp/venv/Scripts"; fi
vpy="$bin/python"
step "pip install (non-editable) $tmp/src"
"$vpy" -m pip install --quiet --disable-pip-version-check "$tmp/src" \
    || fail "pip install of the project failed"
"$vpy" -m pip check --disable-pip-version-check || fail "pip check: the installed dependencies conflict"
cp "$here/sample_digits.py" "$tmp/sample_digits.py"
rm -rf "$tmp/src"   # nothing of the source is left to lean on

# 3. Run from an empty folder, with nothing pointing back at the checkout.
run="$tmp/run"
mkdir "$run"
cd "$run"
unset PYTHONPATH PYTHONHOME DIGITDESK_MODEL VIRTUAL_ENV
export QT_QPA_PLATFORM=offscreen
export PATH="$bin:$PATH"
export XDG_CONFIG_HOME="$tmp/config"   # QSettings of the self-check go here, not to the user's

step "installed package and its resources"
"$vpy" - "$tmp/venv" <<'EOF' || fail "the installed package is not self-contained"
import sys
from pathlib import Path

venv = Path(sys.argv[1]).resolve()
import digitdesk
from digitdesk.resources_path import resource_path

pkg = Path(digitdesk.__file__).resolve()
model = resource_path("model", "digits.onnx").resolve()
assert venv in pkg.parents, f"digitdesk imported from {pkg}, not from the venv"
assert model.is_file() and venv in model.parents, f"model not installed in the venv: {model}"
print(f"   digitdesk {digitdesk.__version__} from {pkg.parent}")
print(f"   model {model.name}: {model.stat().st_size:,} bytes, inside the venv")
from importlib.metadata import distributions

names = {(d.metadata["Name"] or "").lower() for d in distributions()}
banned = sorted(n for n in names if n.split("-")[0] in {"tensorflow", "keras", "tf2onnx", "tensorflow_cpu"})
assert not banned, f"training packages were installed as runtime dependencies: {banned}"
print(f"   {len(names)} distributions installed, none of tensorflow/keras/tf2onnx")
EOF

for exe in digitdesk digitdesk-cli; do
    command -v "$exe" >/dev/null || fail "no '$exe' command installed"
done

step "digitdesk --version"
version="$(digitdesk --version 2>&1)" || fail "digitdesk --version exited non-zero: $version"
echo "   $version"

step "digitdesk --self-check (offscreen)"
digitdesk --self-check || fail "digitdesk --self-check exited $?"

# 4. Read generated digits (and a number) through both command-line doors; check the CSV.
step "generated test images"
"$vpy" "$tmp/sample_digits.py" write "$run/images" || fail "could not draw the test images with Pillow"

step "digitdesk-cli images -o cli.csv"
digitdesk-cli images -o cli.csv --quiet || fail "digitdesk-cli exited $?"
"$vpy" "$tmp/sample_digits.py" check cli.csv digitdesk-cli || fail "digitdesk-cli wrote a wrong CSV"

step "digitdesk classify --workers 2 images > classify.csv"
digitdesk classify --workers 2 --quiet images > classify.csv || fail "digitdesk classify exited $?"
"$vpy" "$tmp/sample_digits.py" check classify.csv "digitdesk classify" \
    || fail "digitdesk classify wrote a wrong CSV"

[ -z "$(ls -A "$run" | grep -v -x -e images -e cli.csv -e classify.csv)" ] \
    || echo "   note: the run left files in the working folder: $(ls -A "$run" | tr '\n' ' ')"

step "clean install OK: pip install, --version, --self-check, digitdesk-cli and digitdesk classify from an empty folder ($((SECONDS - t0)) s)"
