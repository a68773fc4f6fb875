"""pyproject.toml is the one list of dependencies; these tests keep the others honest.

conda cannot be run here, so environment.yml (for conda users) is checked against
pyproject.toml mechanically, and every third-party import in the package must be declared,
so a fresh install never meets a ModuleNotFoundError that a developer's machine hid.
"""
import ast
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOT_PACKAGES = {"python", "pip"}  # in environment.yml, but not dependencies of the project
# Import names that differ from the distribution that provides them.
DISTRIBUTION_OF_IMPORT = {"yaml": "pyyaml", "sklearn": "scikit-learn", "PIL": "pillow",
                          "dateutil": "python-dateutil"}


def normalise(name):
    """PEP 503 form: case and runs of '-', '_', '.' do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(spec):
    """'pandas>=2.1' or 'pandas >=2.1' -> ('pandas', '>=2.1'); extras and markers dropped."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)", spec)
    return normalise(match.group(1)), match.group(3).replace(" ", "")


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project.get("optional-dependencies", {}).get("test", [])
    return dict(split_requirement(s) for s in specs)


def conda_requirements():
    """Conda packages plus any pip-only section, minus python and pip themselves."""
    specs = []
    for entry in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]:
        specs.extend(entry["pip"] if isinstance(entry, dict) else [entry])
    pairs = dict(split_requirement(s) for s in specs)
    return {name: spec for name, spec in pairs.items() if name not in NOT_PACKAGES}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    pip_names, conda_names = set(pyproject_requirements()), set(conda_requirements())
    assert pip_names == conda_names, (
        f"only in pyproject.toml: {sorted(pip_names - conda_names)}; "
        f"only in environment.yml: {sorted(conda_names - pip_names)}")


def test_environment_yml_has_the_same_version_bounds_as_pyproject():
    pip_specs, conda_specs = pyproject_requirements(), conda_requirements()
    differ = {n: (pip_specs[n], conda_specs[n]) for n in pip_specs.keys() & conda_specs.keys()
              if pip_specs[n] != conda_specs[n]}
    assert not differ, f"(pyproject, environment.yml) bounds differ: {differ}"


def test_environment_yml_python_matches_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    entries = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pythons = [e.replace(" ", "") for e in entries if isinstance(e, str) and e.startswith("python")]
    assert pythons == ["python" + project["requires-python"].replace(" ", "")]


def third_party_imports(package_dir):
    """{top-level module name: first file importing it} for absolute, non-stdlib imports."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "iopsim":
                    found.setdefault(top, path.relative_to(package_dir.parent).as_posix())
    return found


def test_every_third_party_import_in_the_package_is_declared():
    declared = set(pyproject_requirements())
    undeclared = {name: where for name, where in third_party_imports(ROOT / "iopsim").items()
                  if normalise(DISTRIBUTION_OF_IMPORT.get(name, name)) not in declared}
    assert not undeclared, f"imported but not in pyproject.toml (import: file): {undeclared}"


def test_the_import_scan_finds_third_party_imports_only(tmp_path):
    """Guard against the check above passing because the scan finds nothing."""
    (tmp_path / "iopsim" / "sub").mkdir(parents=True)
    (tmp_path / "iopsim" / "sub" / "m.py").write_text(
        "from __future__ import annotations\nimport os, numpy.random\n"
        "from yaml import safe_load\nfrom . import model\nfrom iopsim import kpis\n"
        "def f():\n    import tqdm\n")
    assert third_party_imports(tmp_path / "iopsim") == dict.fromkeys(
        ["numpy", "yaml", "tqdm"], "iopsim/sub/m.py")
