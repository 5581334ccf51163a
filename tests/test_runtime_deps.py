"""The installed app must run without TensorFlow: nothing under digitdesk/ imports it, and the
package's runtime dependencies do not name it."""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"tensorflow", "keras", "tf2onnx", "tf_keras", "training"}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
              and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value


def test_digitdesk_never_imports_training_stack():
    files = sorted((ROOT / "digitdesk").rglob("*.py"))
    assert files, "digitdesk/ holds no Python files"
    offenders = [f"{p.relative_to(ROOT)}:{line}: {name}"
                 for p in files for line, name in _imports(p)
                 if name.split(".")[0] in FORBIDDEN]
    assert not offenders, "the app must not import the training stack:\n" + "\n".join(offenders)


def _runtime_dependencies() -> list[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(text)["project"]["dependencies"]
    block = re.search(r"^\[project\].*?^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M)
    assert block, "no [project].dependencies in pyproject.toml"
    return re.findall(r"[\"']([^\"']+)[\"']", block.group(1))


def test_runtime_dependencies_do_not_name_training_stack():
    deps = _runtime_dependencies()
    assert deps, "pyproject.toml lists no runtime dependencies"
    names = {re.split(r"[\s<>=!~\[;(]", d.strip(), maxsplit=1)[0].lower().replace("_", "-") for d in deps}
    bad = names & {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel", "keras",
                   "tf2onnx", "tf-keras", "tf-nightly"}
    assert not bad, f"runtime dependencies name the training stack: {sorted(bad)}"
