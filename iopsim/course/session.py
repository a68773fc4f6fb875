"""What a course notebook sets up first: errors told in one plain line, and controls with names.

    from iopsim.course import session
    session.start()          # in the first code cell after the settings

A trainee who types a setting the model refuses sees the model's own sentence ("referrals.per_week
is -1; allowed: more than 0"), and one who runs a cell before the cells it needs sees what to do,
instead of forty lines of traceback hiding that sentence.  Other errors (a fault in the project)
keep their full traceback: someone will need it.

In a notebook page it also runs a small script that gives every slider handle and Play button
an accessible name (the slider's label; "Play", "Pause"...), which ipywidgets leaves out.

``kit.py lab`` loads this module as an IPython extension in every kernel, so even a cell run
before the notebook's first one gets the plain line.

A saved notebook's widgets cannot come back to life when it is reopened; ``strip_widget_views``
is a JupyterLab save hook (``kit.py lab`` installs it) that saves, in place of each widget, the
line "Run this cell to show its controls" instead of "Error displaying widget: model not found".
A kernel restart, though, leaves the widgets on the page looking live while nothing answers
them; every course widget that calls back into Python (quizzes, run panels, the client viewer,
the time-lapse, the parameter search, the hours calculator) therefore carries ``stale_note``:
what to do when it no longer answers.
"""

from __future__ import annotations

from html import escape
from typing import Any

from iopsim.core.errors import ProblemsError

ACCESSIBLE_NAMES = """
(function () {
  // Give every slider handle its slider's label, and every Play button its action, as an ARIA name
  // (ipywidgets draws them without one); again whenever widgets appear, and whenever an icon changes:
  // Play and Pause are one button whose icon swaps, so its name follows the icon.
  const icons = {play: "Play", pause: "Pause", stop: "Stop", retweet: "Repeat", repeat: "Repeat"};
  const name = () => {
    document.querySelectorAll(".widget-slider").forEach(slider => {
      const label = (slider.querySelector(".widget-label") || {}).innerText;
      slider.querySelectorAll(".noUi-handle").forEach(handle => {
        if (label && !handle.getAttribute("aria-label")) handle.setAttribute("aria-label", label.trim());
      });
    });
    document.querySelectorAll(".widget-play button").forEach(button => {
      const icon = button.querySelector("i");
      const kind = icon && Object.keys(icons).find(k => icon.classList.contains("fa-" + k));
      if (kind && button.getAttribute("aria-label") !== icons[kind]) button.setAttribute("aria-label", icons[kind]);
    });
  };
  name();
  if (!window.iopsimAccessibleNames) {
    window.iopsimAccessibleNames = new MutationObserver(name);
    window.iopsimAccessibleNames.observe(document.body, {childList: true, subtree: true, attributes: true,
                                                         attributeFilter: ["class"]});
  }
})();
"""
"""Run in the page (JupyterLab or Voila) by ``start``: ARIA names for slider handles and Play buttons."""

RUN_FIRST = ("This cell needs the cells above it. Choose Run > Run All Cells (or press Shift + Enter on each "
             "cell from the top).")
RUN_THIS_CELL = "Run this cell (Shift + Enter) to show its controls: they are not saved with the notebook."
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def stale_note(control: str) -> str:
    """The line under a widget whose callbacks die with the kernel: a restarted kernel leaves it on the
    page, looking live, so it says how to bring it back (HTML; `control` names the button or list)."""
    return (f"<p style='font-size: 11pt; margin: 0.2em 0'><i>If nothing happens when you use <b>{escape(control)}</b> "
            "(the notebook was reopened or its kernel restarted), run this cell again with Shift + Enter.</i></p>")


def one_line(error: BaseException) -> str:
    """What a trainee should read for an error they caused: a setting refused, or a cell run too early."""
    if isinstance(error, NameError):
        return f"{RUN_FIRST} ({error})"
    text = " ".join(str(error).split())
    return f"Cannot use this setting: {text}"


def _handler(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython custom exception handler: the traceback shown is one line.

    IPython calls it from ``run_code`` without showing anything itself, so it shows the line (as
    the notebook's error output, through the kernel's own ``_showtraceback``) and returns it.
    """
    stb = [one_line(value)]
    shell._showtraceback(etype, value, stb)
    return stb


def start(shell: Any = None) -> None:
    """Install the one-line messages in the running IPython (nothing happens outside IPython)."""
    if shell is None:
        try:
            from IPython import get_ipython  # IPython is the notebook's own dependency; lazy for plain Python
        except ImportError:
            return
        shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((ProblemsError, NameError), _handler)
        if hasattr(shell, "kernel"):  # a notebook page: name the controls for screen readers
            from IPython.display import Javascript, display  # IPython: lazy, as above

            display(Javascript(ACCESSIBLE_NAMES))


def load_ipython_extension(shell) -> None:
    """``%load_ext iopsim.course.session``, or the kernels ``kit.py lab`` starts: ``start`` before any cell runs."""
    start(shell)


def strip_widget_views(model: dict, **_kwargs) -> None:
    """JupyterLab ``pre_save_hook``: save a "run this cell" line in place of every widget view."""
    if model.get("type") != "notebook":
        return
    notebook = model["content"]
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                output["data"] = {"text/plain": RUN_THIS_CELL}
