"""Build the one-folder desktop bundle with PyInstaller, then prove it runs.

    python packaging/build.py                 # build dist/digitdesk/, then check it
    python packaging/build.py --check-only    # check an existing bundle again
    python packaging/build.py --clean         # drop PyInstaller's cache first (slower)

Works the same on Linux, Windows and macOS (run it on each; see packaging/README.md). The
check runs, from an empty temporary folder with Qt offscreen: the bundle's
``digitdesk --version`` and ``digitdesk --self-check``, then ``digitdesk-cli`` with two worker
processes on generated digit images (frozen multiprocessing is the part most likely to break).
It prints the build time and the bundle's size, and exits non-zero if anything fails.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "digitdesk.spec"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""

sys.path.insert(0, str(ROOT / "packaging"))
import sample_digits  # noqa: E402


def fail(message: str) -> "NoReturn":  # noqa: F821
    print(f"FAIL: {message}", file=sys.stderr)
    raise SystemExit(1)


def build(dist: Path, work: Path, clean: bool) -> float:
    if not (ROOT / "resources" / "model" / "digits.onnx").is_file():
        fail("resources/model/digits.onnx is missing: the bundle would ship without a model")
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        fail('PyInstaller is not installed: python -m pip install ".[package]"')
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    if clean:
        cmd.insert(3, "--clean")
    print("==", " ".join(cmd), flush=True)
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT)
    seconds = time.perf_counter() - start
    if result.returncode:
        fail(f"PyInstaller exited {result.returncode}")
    return seconds


def strip_libpython(folder: Path) -> None:
    """Drop debug sections from libpython on Linux (a pyenv-built one carries ~16 MiB of them).

    Only libpython: a global ``strip`` (the spec's strip=True) can damage the patchelf-edited
    libraries of manylinux wheels. The check that follows proves the bundle still runs.
    """
    if not sys.platform.startswith("linux") or not shutil.which("strip"):
        return
    for lib in folder.rglob("libpython*.so*"):
        if lib.is_symlink() or not lib.is_file():
            continue
        before = lib.stat().st_size
        if subprocess.run(["strip", "--strip-debug", str(lib)]).returncode == 0 and lib.stat().st_size < before:
            print(f"== strip --strip-debug {lib.name}: {before / 2**20:.1f} -> {lib.stat().st_size / 2**20:.1f} MiB")


def bundle_dir(dist: Path) -> Path:
    return dist / "digitdesk"


def executables(dist: Path) -> tuple[Path, Path]:
    if sys.platform == "darwin" and (dist / "digitdesk.app").is_dir():
        folder = dist / "digitdesk.app" / "Contents" / "MacOS"
    else:
        folder = bundle_dir(dist)
    return folder / f"digitdesk{EXE_SUFFIX}", folder / f"digitdesk-cli{EXE_SUFFIX}"


def size_report(folder: Path) -> tuple[int, int, list[tuple[int, str]]]:
    """Total bytes, file count, and the largest top-level parts of the bundle."""
    total, count, parts = 0, 0, {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            size = path.stat().st_size
            total += size
            count += 1
            rel = path.relative_to(folder).parts
            # group by the first two levels under _internal/ (e.g. PySide6/Qt, onnxruntime/capi)
            key = "/".join(rel[:3] if rel[0] == "_internal" and len(rel) > 3 else rel[:2])
            parts[key] = parts.get(key, 0) + size
    return total, count, sorted(((s, k) for k, s in parts.items()), reverse=True)[:12]


def run(cmd: list[str], cwd: Path, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    print("==", " ".join(str(c) for c in cmd), flush=True)
    start = time.perf_counter()
    try:
        result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail(f"{Path(cmd[0]).name} did not finish within {timeout:.0f} s")
    for line in (result.stdout + result.stderr).strip().splitlines():
        print(f"   {line}")
    print(f"   (exit {result.returncode}, {time.perf_counter() - start:.1f} s)")
    return result


def check(dist: Path) -> None:
    gui, cli = executables(dist)
    for exe in (gui, cli):
        if not exe.is_file():
            fail(f"no executable at {exe}")
    with tempfile.TemporaryDirectory(prefix="digitdesk-bundle-check-") as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "DIGITDESK_MODEL", "VIRTUAL_ENV")}
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["XDG_CONFIG_HOME"] = str(tmp / "config")  # keep the self-check's QSettings out of ~
        run_dir = tmp / "run"
        run_dir.mkdir()

        result = run([gui, "--version"], run_dir, env)
        if result.returncode != 0:
            fail("the bundle's digitdesk --version failed")
        result = run([gui, "--self-check"], run_dir, env)
        if result.returncode != 0:
            fail("the bundle's digitdesk --self-check failed")
        if sys.platform in ("win32", "darwin"):  # the windowed app printed nothing: show the report
            result = run([cli, "--self-check"], run_dir, env)
            if result.returncode != 0:
                fail("the bundle's digitdesk-cli --self-check failed")

        sample_digits.write(run_dir / "images")
        result = run([cli, "--workers", "2", "--quiet", "images"], run_dir, env)
        if result.returncode != 0:
            fail("the bundle's digitdesk-cli failed on the sample images")
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        problems = sample_digits.check(rows, "bundle digitdesk-cli")
        if problems:
            fail("; ".join(problems))
    print("== bundle check OK: --version, --self-check (offscreen), digitdesk-cli with 2 worker processes on a digit 0, a digit 1 and the number 10")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (default: build/pyinstaller/)")
    parser.add_argument("--clean", action="store_true", help="drop PyInstaller's cache before building")
    parser.add_argument("--check-only", action="store_true", help="do not build; check the existing bundle")
    args = parser.parse_args()

    seconds = None
    if not args.check_only:
        if bundle_dir(args.dist).exists():
            shutil.rmtree(bundle_dir(args.dist))
        seconds = build(args.dist, args.work, args.clean)
        strip_libpython(bundle_dir(args.dist))
    check(args.dist)

    folder = args.dist / "digitdesk.app" if sys.platform == "darwin" and (args.dist / "digitdesk.app").is_dir() \
        else bundle_dir(args.dist)
    total, count, parts = size_report(folder)
    print(f"== bundle: {folder}")
    print(f"   size {total / 2**20:.1f} MiB in {count} files")
    for size, name in parts:
        print(f"   {size / 2**20:8.1f} MiB  {name}")
    if seconds is not None:
        print(f"   build time {seconds:.0f} s (PyInstaller only{', clean' if args.clean else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
