"""A preset picker for the lab: choose a built-in program (iopsim.core.presets) to start from.

    picker = preset_picker(lambda scenario: form.set(scenario))
    picker                            # display it; picking a program calls back with its Scenario

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

from html import escape
from typing import Any, Callable

import ipywidgets as w

from iopsim.core import presets
from iopsim.core.scenario import Scenario


def preset_picker(on_pick: Callable[[Scenario], Any], value: str = presets.DEFAULT) -> w.VBox:
    """A drop-down of the built-in programs and a line describing the one chosen; choosing one
    calls `on_pick` with its validated Scenario."""
    menu = w.Dropdown(options=presets.choices(), value=value, description="Program")
    menu.add_class("iop-preset-picker")
    about = w.HTML(escape(presets.info(value).description))

    def picked(change: dict) -> None:
        about.value = escape(presets.info(change["new"]).description)
        on_pick(Scenario.preset(change["new"]))

    menu.observe(picked, names="value")
    return w.VBox([menu, about])
