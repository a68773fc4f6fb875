"""pyproject.toml is the one list of dependencies; these tests keep the others honest.

conda cannot be run here, so environment.yml (for conda users) is checked against
pyproject.toml mechanically, section by section: its dependencies, then each optional extra.
Every third-party import in the package must be declared, so a fresh install never meets a
ModuleNotFoundError that a developer's machine hid, and the model's layers (core, analysis,
present) import at module level only what `pip install iopsim` brings: a model-only user gets
no JupyterLab.
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
                          "dateutil": "python-dateutil", "IPython": "ipython"}
MODEL_LAYERS = ("core", "analysis", "present")  # what a `pip install iopsim` user imports


def normalise(name):
    """PEP 503 form: case and runs of '-', '_', '.' do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(spec):
    """'pandas>=2.1' or 'pandas >=2.1' -> ('pandas', '>=2.1'); extras and markers dropped."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)", spec)
    return normalise(match.group(1)), match.group(3).replace(" ", "")


def pyproject_sections():
    """{'dependencies': {name: bound}, extra: {name: bound}, ...}, the project's own extras left out."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    sections = {"dependencies": project["dependencies"], **project.get("optional-dependencies", {})}
    return {section: {n: b for n, b in map(split_requirement, specs) if n != "iopsim"}
            for section, specs in sections.items()}


def pyproject_requirements():
    return {n: b for specs in pyproject_sections().values() for n, b in specs.items()}


def environment_sections():
    """environment.yml's packages under each `# [section]` comment, python and pip left out."""
    sections, current = {}, None
    for line in (ROOT / "environment.yml").read_text().splitlines():
        heading = re.match(r"\s*#\s*\[(?:project\.)?([\w-]+)\]", line)
        entry = re.match(r"\s*-\s*([^#\s][^#]*)", line)
        if heading:
            current = sections.setdefault(heading.group(1), {})
        elif entry and current is not None:
            name, bound = split_requirement(entry.group(1))
            if name not in NOT_PACKAGES:
                current[name] = bound
    return sections


def test_environment_yml_lists_the_same_packages_as_pyproject():
    declared = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = {split_requirement(s)[0] for s in declared if isinstance(s, str)} - NOT_PACKAGES
    pip_names = set(pyproject_requirements())
    assert pip_names == conda, (f"only in pyproject.toml: {sorted(pip_names - conda)}; "
                                f"only in environment.yml: {sorted(conda - pip_names)}")


def test_environment_yml_follows_the_extras():
    """Each extra's packages sit under its heading, or under an earlier one that already has them."""
    pip, conda = pyproject_sections(), environment_sections()
    seen = {}
    for section, packages in conda.items():
        assert section in pip, f"environment.yml heading [{section}] is not a pyproject.toml section"
        stray = set(packages) - set(pip[section])
        assert not stray, f"environment.yml [{section}] lists {sorted(stray)}, which pyproject's {section} does not"
        seen.update(packages)
    for section, packages in pip.items():
        missing = set(packages) - set(seen)
        assert not missing, f"pyproject's {section} has {sorted(missing)}, not in environment.yml"


def test_environment_yml_has_the_same_version_bounds_as_pyproject():
    pip_specs = pyproject_requirements()
    conda_specs = {n: b for packages in environment_sections().values() for n, b in packages.items()}
    differ = {n: (pip_specs[n], conda_specs[n]) for n in pip_specs.keys() & conda_specs.keys()
              if pip_specs[n] != conda_specs[n]}
    assert not differ, f"(pyproject, environment.yml) bounds differ: {differ}"


def test_an_extra_repeats_no_bound_differently():
    """ipywidgets is in two extras: one bound everywhere, or pip resolves something nobody meant."""
    bounds = {}
    for packages in pyproject_sections().values():
        for name, bound in packages.items():
            bounds.setdefault(name, set()).add(bound)
    assert not {n: b for n, b in bounds.items() if len(b) > 1}


def test_environment_yml_python_matches_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    entries = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pythons = [e.replace(" ", "") for e in entries if isinstance(e, str) and e.startswith("python")]
    assert pythons == ["python" + project["requires-python"].replace(" ", "")]


def third_party_imports(package_dir, top_level_only=False):
    """{top-level module name: first file importing it} for absolute, non-stdlib imports;
    with top_level_only, the imports a module makes when it is itself imported."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in (tree.body if top_level_only else ast.walk(tree)):
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


def distribution(import_name):
    return normalise(DISTRIBUTION_OF_IMPORT.get(import_name, import_name))


def test_every_third_party_import_in_the_package_is_declared():
    declared = set(pyproject_requirements())
    undeclared = {name: where for name, where in third_party_imports(ROOT / "iopsim").items()
                  if distribution(name) not in declared}
    assert not undeclared, f"imported but not in pyproject.toml (import: file): {undeclared}"


def test_the_model_layers_need_only_the_core_dependencies():
    """An optional package (openpyxl, dask) may be loaded inside the function that needs it, never
    when a model module is imported."""
    core = set(pyproject_sections()["dependencies"])
    extra = {}
    for layer in MODEL_LAYERS:
        extra.update({name: where for name, where in third_party_imports(ROOT / "iopsim" / layer, True).items()
                      if distribution(name) not in core})
    assert not extra, f"model modules import optional packages at load time (import: file): {extra}"


def test_the_import_scan_finds_third_party_imports_only(tmp_path):
    """Guard against the checks above passing because the scan finds nothing."""
    (tmp_path / "iopsim" / "sub").mkdir(parents=True)
    (tmp_path / "iopsim" / "sub" / "m.py").write_text(
        "from __future__ import annotations\nimport os, numpy.random\n"
        "from yaml import safe_load\nfrom . import model\nfrom iopsim import kpis\n"
        "def f():\n    import tqdm\n")
    assert third_party_imports(tmp_path / "iopsim") == dict.fromkeys(
        ["numpy", "yaml", "tqdm"], "iopsim/sub/m.py")
    assert third_party_imports(tmp_path / "iopsim", top_level_only=True) == dict.fromkeys(
        ["numpy", "yaml"], "iopsim/sub/m.py")
