#!/usr/bin/env python3
"""Set up iopsim and run it: the commands of the README.

    python3 kit.py lab  [jupyter lab options]   open notebooks/ in JupyterLab
    python3 kit.py app  [voila options]         serve the scenario lab as a web page, no code shown
    python3 kit.py test [pytest options/paths]  run tests/ and execute every notebook
    python3 kit.py workshop CARD [--lan]        serve a workshop room: teams need only a browser

Only Python 3.11+ and pip are needed (no make, no conda): the trainees and administrators
who meet this first may have nothing else. Each command first makes sure `.venv` holds the
project and what that command needs (pyproject.toml's extras: `lab` the notebooks, `app` the
web page, `test` everything and the test tools), so a trainee never waits for the test tools.
It installs again only when pyproject.toml has changed or the command needs an extra not yet
installed. Delete `.venv` to start from scratch. Paths given to `test` are relative to the
project folder.
"""
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "kit-installed.json"  # what was last installed: pyproject.toml's hash and the extras
NOTEBOOKS = ROOT / "notebooks"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def call(cmd, env=None):
    """Run cmd and return its exit code. Ctrl-C reaches the child too: let it stop in its own
    way (pytest still prints its summary) rather than leave it running behind us."""
    proc = subprocess.Popen([str(c) for c in cmd], env=env)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            pass


def setup(extra):
    """Create .venv and install the project editable with `extra` (and what it had), if needed.

    The stamp is written only after pip succeeds, so an interrupted install is retried."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        stamp = {}
    had = set(stamp.get("extras", [])) if stamp.get("pyproject") == wanted else set()
    if PY.exists() and extra in had:
        return
    # This Python's own pip installs into .venv (pip's --python), so .venv needs no pip of its own;
    # a Python without pip gets one inside .venv instead.
    own_pip = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0
    if not PY.exists():
        print("Setting up .venv (the first run takes a minute or two)...", flush=True)
        if call([sys.executable, "-m", "venv", *(["--without-pip"] if own_pip else []), VENV]):
            shutil.rmtree(VENV, ignore_errors=True)  # a half-made .venv would fail next time
            sys.exit("Could not create .venv (on Debian/Ubuntu: apt install python3-venv).")
    elif stamp.get("pyproject") not in (None, wanted):
        print("pyproject.toml changed since the last install: updating .venv...", flush=True)
    extras = sorted(had | {extra})
    print(f"Installing iopsim with {', '.join(extras)} using pip...", flush=True)
    # --no-compile leaves bytecode to be written for the modules actually used: 160 MB less in
    # .venv, and less time; leaving pip out of .venv saves 24 MB more.
    pip = [sys.executable, "-m", "pip", "--python", PY] if own_pip else [PY, "-m", "pip"]
    pip += ["install", "--disable-pip-version-check", "--quiet", "--no-compile"]
    if call(pip + ["--editable", f".[{','.join(extras)}]"]):
        sys.exit("pip install failed (see above): fix the cause, or delete .venv, and retry.")
    drop_bundled_tests()
    STAMP.write_text(json.dumps({"pyproject": wanted, "extras": extras}) + "\n")
    print(".venv is ready.", flush=True)


# NumPy, SciPy, pandas and Matplotlib ship their own test suites inside the package (47 MB, a
# tenth of a trainee's .venv); nothing here runs them, and pip cannot leave them out
BUNDLED_TESTS = ("numpy", "scipy", "pandas", "matplotlib")


def drop_bundled_tests():
    """Delete the `tests` folders of BUNDLED_TESTS from .venv (their code never imports them)."""
    site = subprocess.run([PY, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    for package in BUNDLED_TESTS:
        for folder in list((Path(site) / package).rglob("tests")):
            if folder.is_dir():  # not already gone with a folder above it
                shutil.rmtree(folder, ignore_errors=True)


LAB_SETTINGS = ROOT / ".lab-settings"  # JupyterLab's settings overrides for the kit (written at each start)
LAB_OVERRIDES = {  # no news or update pop-up on a trainee's first page
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
KERNEL_CONFIG = 'c.InteractiveShellApp.extensions = ["iopsim.course.session"]\n'
LAB_OPTIONS = (  # tests/test_browser.py serves JupyterLab with the same ones
    "--LabApp.default_url=/lab/tree/00_start_here.ipynb",  # open on the course's first notebook
    # a reopened notebook says "run this cell" where a widget was, not "model not found"
    "--ContentsManager.pre_save_hook=iopsim.course.session.strip_widget_views",
)


def lab(args):
    """Serve notebooks/ on 127.0.0.1 only, so nobody else on the network can reach it."""
    NOTEBOOKS.mkdir(exist_ok=True)
    LAB_SETTINGS.mkdir(exist_ok=True)
    (LAB_SETTINGS / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=1) + "\n")
    # every kernel loads the course's one-line errors before its first cell, so a cell run too early
    # says "run the cells above first" instead of a NameError traceback
    profile = LAB_SETTINGS / "ipython" / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = str(LAB_SETTINGS / "ipython")
    cmd = [PY, "-m", "jupyterlab", f"--ServerApp.root_dir={NOTEBOOKS}", "--ServerApp.ip=127.0.0.1",
           f"--LabApp.app_settings_dir={LAB_SETTINGS}", *LAB_OPTIONS]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # Jupyter refuses root without it (containers, CI machines)
    print("Starting JupyterLab: open the http://127.0.0.1 link below; Ctrl-C stops it.", flush=True)
    cmd = [str(c) for c in cmd + args]
    if os.name == "posix":
        os.execv(cmd[0], cmd)  # become the server, so a signal sent to this process reaches it
    return call(cmd)


def app(args):
    """Serve notebooks/scenario_lab.ipynb with Voila on 127.0.0.1: the lab's widgets, never its code.

    Only a browser holding the token gets in: it is made here, printed in the link, and handed to
    Voila in the environment (JUPYTER_TOKEN), not on the command line where other users of the
    computer could read it. A page closed or left alone gives its kernel back (APP_OPTIONS)."""
    port = option(args, "--port", "--Voila.port") or "8866"
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_urlsafe(24)
    ports = [] if option(args, "--port", "--Voila.port") else [f"--port={port}"]
    cmd = [PY, "-m", "voila", NOTEBOOKS / "scenario_lab.ipynb", *APP_OPTIONS, *ports, *args]
    print(f"Starting the scenario lab: open http://127.0.0.1:{port}/?token={token} in a browser "
          "(the token in the link keeps others out); Ctrl-C stops it.", flush=True)
    cmd = [str(c) for c in cmd]
    env = dict(os.environ, JUPYTER_TOKEN=token)
    if os.name == "posix":
        os.execve(cmd[0], cmd, env)  # become the server, so a signal sent to this process reaches it
    return call(cmd, env=env)


def workshop(args):
    """Serve a workshop room for CARD from this laptop (iopsim/workshop/serve.py; `workshop --help`).

    It prints the access code, the links and a QR code, and keeps to 127.0.0.1 unless given --lan."""
    cmd = [str(PY), "-m", "iopsim.workshop.serve", *args]
    if os.name == "posix":
        os.execv(cmd[0], cmd)  # become the server, so a signal sent to this process reaches it
    return call(cmd)


def option(args, *names):
    """The value of the first of `names` given in args as --name=value or --name value, else None."""
    for i, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if name in names:
            return value if equals else (args[i + 1] if i + 1 < len(args) else None)
    return None


APP_OPTIONS = (  # Voila's options for the lab; tests/test_browser.py serves it with the same ones
    "--no-browser", "--Voila.ip=127.0.0.1",
    "--token",  # a browser needs the token: JUPYTER_TOKEN's, else one Voila makes and prints
    "--Voila.port_retries=0",  # the port in the printed link, or a clear error, never another port
    # a kernel runs the lab for one open page (about 120 MB): once the page is closed, or the
    # lab is opened by something that never connects, it is shut down after 15 idle minutes
    "--MappingKernelManager.cull_idle_timeout=900", "--MappingKernelManager.cull_interval=60",
    # Voila bundles an older JupyterLab front end, in which the jupytext extension fails
    "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
)


def test(args):
    """Run pytest and nbval in one session, so there is one summary line and one exit code.

    Named paths replace the defaults (tests/ and notebooks/, the latter only if it holds any
    notebook). Exit code 5 means pytest collected nothing: since everything runs in this one
    session, nothing ran at all, and that counts as a failure."""
    named = [a for a in args if not a.startswith("-") and Path(a.split("::")[0]).exists()]
    targets = []
    if not named and Path("tests").is_dir():
        targets.append("tests")
    if not named and any(".ipynb_checkpoints" not in p.parts for p in NOTEBOOKS.rglob("*.ipynb")):
        targets.append("notebooks")
    cmd = [PY, "-m", "pytest", "--nbval-lax", "--nbval-current-env", *targets, *args]
    print("Running:", os.path.relpath(PY), *cmd[1:], flush=True)
    # Keep Jupyter, IPython and temp files of the run in a throwaway folder; plots go nowhere.
    with tempfile.TemporaryDirectory(prefix="iopsim-test-") as tmp:
        env = dict(os.environ, MPLBACKEND="Agg", TMPDIR=tmp, JUPYTER_PLATFORM_DIRS="1",
                   MPLCONFIGDIR=str(VENV / "matplotlib"),  # keeps the font cache between runs
                   PYDEVD_DISABLE_FILE_VALIDATION="1")  # quiets an ipykernel debugger warning
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
            env[name] = os.path.join(tmp, name.lower())
        code = call(cmd, env=env)
    if code == 5:
        print("kit.py: pytest found no tests, so nothing was checked: failing.", file=sys.stderr)
    return code


def main():
    if sys.version_info < (3, 11):
        sys.exit("iopsim needs Python 3.11 or newer; this is " + sys.version.split()[0])
    commands = {"lab": (lab, "notebooks"), "app": (app, "app"), "test": (test, "test"),
                "workshop": (workshop, "workshop")}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2
    command, extra = commands[sys.argv[1]]
    os.chdir(ROOT)
    setup(extra)
    return command(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
