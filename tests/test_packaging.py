"""Packaging: the wheel ships the model and the whole package, the desktop entry is sound, the
PyInstaller spec leaves out what the app never imports. Fast: no bundle is built here (that is
``python packaging/build.py``) and the wheel build takes a few seconds."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"
DESKTOP = RESOURCES / "digitdesk.desktop"
SPEC = PACKAGING / "digitdesk.spec"
MODEL = RESOURCES / "model" / "digits.onnx"
TRAINING_ONLY = re.compile(r"^(tensorflow|tensorflow-cpu|tensorflow_cpu|keras|tf-keras|tf2onnx)\b", re.I)


def _toml(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads(path.read_text(encoding="utf-8"))


# --- the desktop entry -------------------------------------------------------------------------

def _desktop_entry() -> dict:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return dict(parser["Desktop Entry"])


def test_desktop_entry_launches_digitdesk_for_images():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] and entry["Comment"]
    assert entry["Exec"].split()[0] == "digitdesk" and "%F" in entry["Exec"].split()
    assert entry["Terminal"] == "false"
    assert {"Graphics", "Office"} <= set(filter(None, entry["Categories"].split(";")))
    assert {"image/png", "image/jpeg", "image/tiff"} <= set(filter(None, entry["MimeType"].split(";")))
    for key in ("Categories", "MimeType", "Keywords"):
        assert entry.get(key, ";").endswith(";"), f"{key} must end with ';'"


def test_desktop_entry_names_an_icon_that_is_shipped():
    entry = _desktop_entry()
    name = entry["Icon"]
    assert "/" not in name and "." not in name, "Icon should be a theme name, installed from resources/icons"
    icons = sorted(p.name for p in (RESOURCES / "icons").glob(f"{name}.*"))
    assert set(icons) & {f"{name}.png", f"{name}.svg"}, f"no resources/icons/{name}.png or .svg"


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-validate not installed "
                    "(apt-get install desktop-file-utils)")
def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- pyproject: every package is listed -----------------------------------------------------------

def test_every_subpackage_is_listed_in_pyproject():
    """``packages`` is an explicit list (a find directive cannot also map resources/ to
    digitdesk.resources), so a new sub-package must be added there or it is not installed."""
    setuptools_cfg = _toml(ROOT / "pyproject.toml")["tool"]["setuptools"]
    listed = set(setuptools_cfg["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "digitdesk").rglob("__init__.py")
        if "__pycache__" not in init.parts
    } | {"digitdesk.resources"}
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - on_disk == set(), "these listed packages do not exist"
    assert setuptools_cfg["package-dir"]["digitdesk.resources"] == "resources"


# --- the PyInstaller spec -----------------------------------------------------------------------

def test_spec_compiles_as_python():
    compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec")
    for script in ("build.py", "launch_gui.py", "launch_cli.py", "sample_digits.py"):
        compile((PACKAGING / script).read_text(encoding="utf-8"), script, "exec")


class _Recorder:
    """Stands in for PyInstaller's Analysis/PYZ/EXE/COLLECT/BUNDLE: records what the spec asks."""

    calls: list = []

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.scripts, self.pure, self.binaries, self.datas = [], [], [], []
        if args and isinstance(args[0], list):  # Analysis(scripts, ...)
            self.datas = list(kwargs.get("datas", []))
            self.scripts = [("pyi_rth_multiprocessing", "x.py", "PYSOURCE")] + [
                (Path(s).stem, s, "PYSOURCE") for s in args[0]
            ]
            self.binaries = [
                (name, "/nonexistent/" + name, "BINARY") for name in (
                    "PySide6/Qt/lib/libQt6Core.so.6", "PySide6/Qt/lib/libQt6Network.so.6",
                    "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqeglfs.so",
                    "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/plugins/imageformats/libqsvg.so",
                    "PySide6/Qt/plugins/sqldrivers/libqsqlite.so", "PySide6/Qt/translations/qt_de.qm",
                    r"PySide6\Qt6Quick.dll", r"PySide6\plugins\platforms\qwindows.dll",
                    "onnxruntime/capi/libonnxruntime_providers_shared.so",
                    "libpango-1.0.so.0", "libglib-2.0.so.0",
                )
            ]
        _Recorder.calls.append((type(self).__name__, self))


# Link-time dependencies for the stand-in binaries: the GTK theme plugin drags in pango, which
# nothing kept needs, and glib, which QtCore needs too.
_LINKS = {
    "libqgtk3.so": {"libpango-1.0.so.0", "libglib-2.0.so.0"},
    "libQt6Core.so.6": {"libglib-2.0.so.0"},
}


def _get_imports(filename, search_paths=None):
    return {(name, "/nonexistent/" + name) for name in _LINKS.get(Path(filename).name, ())}


def _run_spec(monkeypatch) -> dict:
    """Execute the spec with PyInstaller's building blocks replaced by recorders (PyInstaller
    itself need not be installed)."""
    if not MODEL.is_file():
        pytest.skip(f"the shipped model is not there yet ({MODEL}); the spec refuses to build without it")
    import types

    fake = types.ModuleType("PyInstaller.depend.bindepend")
    fake.get_imports = _get_imports
    for name in ("PyInstaller", "PyInstaller.depend"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.depend.bindepend", fake)
    _Recorder.calls = []
    names = {n: type(n, (_Recorder,), {}) for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    namespace = {"SPECPATH": str(PACKAGING), "__file__": str(SPEC), **names}
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return namespace


def test_spec_bundles_resources_and_leaves_out_training_and_unused_qt(monkeypatch):
    ns = _run_spec(monkeypatch)
    analysis = next(obj for kind, obj in _Recorder.calls if kind == "Analysis")
    excludes = set(analysis.kwargs["excludes"])
    assert {"tensorflow", "keras", "tf2onnx", "matplotlib", "pytest", "training", "tests"} <= excludes
    assert {"PySide6.QtWebEngineCore", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.Qt3DCore",
            "PySide6.QtMultimedia", "PySide6.QtCharts", "PySide6.QtPdf", "PySide6.QtSql",
            "PySide6.QtNetwork"} <= excludes
    assert not {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "scipy.ndimage", "scipy.special"} & excludes

    shipped = {Path(dest) / Path(src).name for src, dest in analysis.kwargs["datas"]}
    assert Path("resources/model/digits.onnx") in shipped
    assert not any(p.suffix == ".py" for p in shipped)

    kept = {e[0] for e in analysis.binaries}
    assert "PySide6/Qt/plugins/platforms/libqxcb.so" in kept
    assert r"PySide6\plugins\platforms\qwindows.dll" in kept
    assert "onnxruntime/capi/libonnxruntime_providers_shared.so" in kept
    assert "PySide6/Qt/plugins/imageformats/libqsvg.so" in kept
    for dropped in ("libQt6Network", "libqeglfs", "libqgtk3", "sqldrivers", "translations", "Qt6Quick"):
        assert not any(dropped in name for name in kept), dropped
    assert "libglib-2.0.so.0" in kept and "libpango-1.0.so.0" not in kept  # only libqgtk3 linked pango

    exes = {obj.kwargs["name"]: obj for kind, obj in _Recorder.calls if kind == "EXE"}
    assert set(exes) == {"digitdesk", "digitdesk-cli"}
    assert exes["digitdesk-cli"].kwargs["console"] is True
    for name, launcher in (("digitdesk", "launch_gui"), ("digitdesk-cli", "launch_cli")):
        scripts = [s[0] for s in exes[name].args[1]]
        assert launcher in scripts and len([s for s in scripts if s.startswith("launch_")]) == 1
        assert "pyi_rth_multiprocessing" in scripts  # runtime hooks go to both
    assert ns["coll"].kwargs["name"] == "digitdesk"


def test_app_imports_only_qt_modules_the_bundle_keeps():
    spec = SPEC.read_text(encoding="utf-8")
    block = spec[spec.index("EXCLUDED_QT_MODULES = ["): spec.index("]", spec.index("EXCLUDED_QT_MODULES = ["))]
    excluded = set(re.findall(r'"(Qt\w+)"', block))
    used = set()
    for path in (ROOT / "digitdesk").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    assert used, "found no PySide6 imports at all"
    assert used & excluded == set(), "the spec excludes Qt modules the app imports: update EXCLUDED_QT_MODULES"


def test_launchers_call_freeze_support_before_importing_the_app():
    for name in ("launch_gui.py", "launch_cli.py"):
        text = (PACKAGING / name).read_text(encoding="utf-8")
        assert text.index("multiprocessing.freeze_support()") < text.index("from digitdesk")


def test_sample_digits_check_reports_misreadings():
    sys.path.insert(0, str(PACKAGING))
    try:
        import sample_digits
    finally:
        sys.path.remove(str(PACKAGING))
    good = [{"file": f"/x/{name}", "page": "1", "field": "", "prediction": reading, "confidence": "0.99",
             "status": "ok", "error": ""} for name, reading in sample_digits.EXPECTED.items()]
    assert sample_digits.check(good, "t") == []
    bad = [dict(r, prediction="7") if r["file"].endswith("digit1.png") else r for r in good]
    assert len(sample_digits.check(bad, "t")) == 1
    assert sample_digits.check([], "t")


@pytest.mark.skipif(not shutil.which("bash"), reason="no bash")
def test_clean_install_script_is_valid_bash():
    script = PACKAGING / "check_clean_install.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0


# --- the wheel ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel . --no-deps`` from a copy of what a build reads (no stale build/ folders)."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "setup.cfg", "setup.py"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, src / name)
    for name in ("digitdesk", "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
           "-w", str(out), str(src)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:  # no package index reachable: build with what is installed
        result = subprocess.run(cmd + ["--no-build-isolation"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    (whl,) = out.glob("digitdesk-*.whl")
    return whl


def test_wheel_holds_every_module_and_every_resource(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "digitdesk").rglob("*.py") if "__pycache__" not in p.parts
    }
    assert modules - names == set(), "modules missing from the wheel (sub-package not listed?)"
    resources = {
        "digitdesk/resources/" + p.relative_to(RESOURCES).as_posix()
        for p in RESOURCES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert resources - names == set(), "resources missing from the wheel: widen [tool.setuptools.package-data]"
    assert "digitdesk/resources/digitdesk.desktop" in names
    assert not any(n.startswith(("training/", "tests/", "benchmarks/", "packaging/", "resources/")) for n in names)


def test_wheel_ships_the_model(wheel):
    if not MODEL.is_file():
        pytest.skip(f"the shipped model is not there yet ({MODEL})")
    names = zipfile.ZipFile(wheel).namelist()
    assert "digitdesk/resources/model/digits.onnx" in names
    if (MODEL.parent / "model_card.json").is_file():
        assert "digitdesk/resources/model/model_card.json" in names


def test_wheel_metadata_has_no_training_runtime_deps_and_both_commands(wheel):
    with zipfile.ZipFile(wheel) as zf:
        info = next(n.split("/")[0] for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(f"{info}/METADATA").decode("utf-8")
        entry_points = zf.read(f"{info}/entry_points.txt").decode("utf-8")
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requires, "no Requires-Dist in METADATA"
    for req in requires:
        if TRAINING_ONLY.match(req):
            assert re.search(r"""extra\s*==\s*["']train["']""", req), f"training package at run time: {req}"
    runtime = {re.split(r"[ ;<>=!~\[]", r, maxsplit=1)[0].lower() for r in requires if "extra ==" not in r}
    assert {"pyside6-essentials", "onnxruntime", "numpy", "pillow"} <= runtime
    assert re.search(r"\[gui_scripts\][^\[]*^digitdesk = digitdesk\.__main__:main", entry_points, re.M | re.S)
    assert re.search(r"\[console_scripts\][^\[]*^digitdesk-cli = digitdesk\.cli:main", entry_points, re.M | re.S)
