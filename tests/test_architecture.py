"""The house rules of ARCHITECTURE.md, checked: layers, no cycles, no repeated blocks, lazy
imports only for optional packages, small modules, and SimPy used through its public API.

Each rule is checked on the package and shown to fail on a planted breach, so a green run
means the rule holds, not that the checker looked at nothing.
"""
import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "iopsim"
BIN = Path(sys.executable).parent
LONG = 500  # lines; a longer module says why in its docstring ("Over 500 lines because ...")
# The one lazy load of project code: the command line loads the report layer (pandas,
# matplotlib) per command, so that `iopsim --help` answers at once.
LAZY_PROJECT_IMPORTS = {"iopsim/cli.py": "iopsim.present"}
SIMPY_INTERNALS = re.compile(r"\.(_queue|_now|_eid|_ok|_value|_generator|_target|_resume|_active_proc|_defused)\b")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the copy of iopsim under `root`, with the contract in root's pyproject.toml."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([BIN / "lint-imports", "--no-cache"], cwd=root, env=env, capture_output=True, text=True)


def planted(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package and its contract, with `line` added to `module` (a path in iopsim/)."""
    shutil.copytree(PACKAGE, tmp_path / "iopsim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / "iopsim" / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return tmp_path


def test_the_import_contract_holds():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


@pytest.mark.parametrize("module, line, arrow", [
    ("core/calendar.py", "import iopsim.present.report", "iopsim.core.calendar -> iopsim.present.report"),
    ("analysis/stats.py", "import iopsim.lab.app", "iopsim.analysis.stats -> iopsim.lab.app"),
    ("workshop/handouts.py", "import iopsim.course.quiz", "iopsim.workshop.handouts -> iopsim.course.quiz"),
])
def test_the_contract_catches_a_wrong_arrow(tmp_path, module, line, arrow):
    done = lint_imports(planted(tmp_path, module, line))
    assert done.returncode != 0 and arrow in done.stdout, done.stdout[-2000:]


def test_the_contract_catches_a_cycle(tmp_path):
    done = lint_imports(planted(tmp_path, "core/calendar.py", "import iopsim.core.world"))
    assert done.returncode != 0 and "No cycles are allowed in iopsim.core" in done.stdout, done.stdout[-2000:]


def test_every_subpackage_has_a_layer():
    """A new subpackage must be placed in the contract, or the layers say nothing about it."""
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    named = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    children = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
                if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.stem != "__init__")}
    assert children == named and contract["exhaustive"] is True


def duplicate_blocks(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pylint", "--disable=all", "--enable=duplicate-code", "--min-similarity-lines=10",
         "--ignore-imports=yes", "--score=no", str(folder)], cwd=folder.parent, capture_output=True, text=True)


def test_no_block_of_ten_lines_is_repeated():
    done = duplicate_blocks(PACKAGE)
    assert done.returncode == 0, done.stdout[-4000:]


def test_the_duplicate_check_finds_a_repeated_block(tmp_path):
    body = "".join(f"    total = total * {k} + len(str(x)) - {k}\n" for k in range(12))
    (tmp_path / "pkg").mkdir()
    for name in ("a", "b"):
        (tmp_path / "pkg" / f"{name}.py").write_text(f"def {name}(x):\n    total = 0\n{body}    return total\n")
    (tmp_path / "pkg" / "__init__.py").write_text("")
    done = duplicate_blocks(tmp_path / "pkg")
    assert done.returncode != 0 and "duplicate-code" in done.stdout


def optional_packages() -> set[str]:
    """Import names of what only an extra installs (ipywidgets, openpyxl, dask ...)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {re.split(r"[<>=\[ ;]", spec)[0].lower() for spec in project["dependencies"]}
    extras = {re.split(r"[<>=\[ ;]", spec)[0].lower() for specs in project["optional-dependencies"].values()
              for spec in specs}
    return {name.replace("-", "_") for name in extras - core - {"iopsim"}} | {"IPython", "ipython"}


def function_level_imports(source: str) -> list[tuple[int, str, bool]]:
    """(line, module, has a comment) for every import inside a function or method."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    names = [a.name for a in inner.names] if isinstance(inner, ast.Import) else [inner.module or "."]
                    context = lines[inner.lineno - 2:inner.end_lineno]
                    found += [(inner.lineno, name, any("#" in line for line in context)) for name in names]
    return found


def lazy_import_problems(path: Path, source: str) -> list[str]:
    optional = optional_packages()
    allowed = LAZY_PROJECT_IMPORTS.get(path.as_posix(), "")
    problems = []
    for line, module, commented in function_level_imports(source):
        lazy_project = bool(allowed) and (module == allowed or module.startswith(allowed + "."))
        if module.split(".")[0] not in optional and not lazy_project:
            problems.append(f"{path}:{line} imports {module} inside a function (not an optional package)")
        elif not commented:
            problems.append(f"{path}:{line} lazy-loads {module} without a comment saying why")
    return problems


def test_imports_inside_functions_only_lazy_load_optional_packages():
    problems = [p for path in sorted(PACKAGE.rglob("*.py"))
                for p in lazy_import_problems(path.relative_to(ROOT), path.read_text())]
    assert not problems, "\n".join(problems)


def test_the_lazy_import_check_sees_a_breach():
    source = ("def f():\n    import pandas\n\n"
              "def g():\n    import openpyxl\n\n"
              "def h():\n    # optional: only the Excel export needs it\n    import openpyxl\n")
    assert [p.split(" ", 1)[1] for p in lazy_import_problems(Path("m.py"), source)] == [
        "imports pandas inside a function (not an optional package)",
        "lazy-loads openpyxl without a comment saying why"]
    project = "def run():\n    # the report layer, per command\n    from iopsim.present import report\n"
    assert lazy_import_problems(Path("iopsim/cli.py"), project) == []
    assert lazy_import_problems(Path("iopsim/lab/app.py"), project) != []


def test_no_long_module_without_a_reason():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text()
        if source.count("\n") > LONG and "Over 500 lines because" not in (ast.get_docstring(ast.parse(source)) or ""):
            long.append(f"{path.relative_to(ROOT)}: {source.count(chr(10))} lines")
    assert not long, "\n".join(long)


def test_simpy_is_used_through_its_public_api_only():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for path in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if SIMPY_INTERNALS.search(line)]
    assert not found, "\n".join(found)
