"""The lab's file bar: load a scenario file, save the form's scenario, or go back to the defaults.

A bad file lists its problems on the page under the file's own name; a save name must be a plain
file name in the working folder (no folders), and gets .yaml when it has no suffix.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import re
import tempfile
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as w

from iopsim.core.errors import ScenarioError
from iopsim.core.scenario import Scenario
from iopsim.lab.page import Page, download_link

SUFFIXES = (".yaml", ".yml", ".json")


class FilesBar:
    """Load, Save as, Back to defaults.

    folder: where "Save" writes scenario files.
    load_error: the problems of the file the lab started with, until another file is loaded.
    """

    def __init__(self, page: Page, folder: Path, load_error: ScenarioError | None = None) -> None:
        self.page = page
        self.folder = folder
        self.load_error = load_error
        self.upload = w.FileUpload(accept=",".join(SUFFIXES), multiple=False, description="Load a scenario file",
                                   tooltip="a scenario file (.yaml, .yml or .json) from your computer",
                                   layout=w.Layout(width="210px"))
        self.upload.add_class("iop-upload")
        self.upload.observe(page.guard(self.on_upload), "value")
        self.save_name = w.Text(value="my_program.yaml", description="Save as", layout=w.Layout(width="280px"),
                                tooltip="a file name in the working folder, ending in .yaml, .yml or .json")
        self.save_name.add_class("iop-save-name")
        save = page.button("Save", "iop-save", self.on_save, icon="save")
        reset = page.button("Back to defaults", "iop-reset", self.on_reset, icon="undo")
        self.widget = w.HBox([self.upload, self.save_name, save, reset], layout=w.Layout(flex_flow="row wrap"))
        page.buttons += [save, reset]

    def on_upload(self, change: Any) -> None:
        files = change["new"]
        if not files:
            return
        upload = files[0]
        name = Path(str(upload["name"])).name
        with tempfile.TemporaryDirectory(prefix="iopsim-lab-") as tmp:
            path = Path(tmp) / (name if Path(name).suffix else name + ".yaml")
            path.write_bytes(bytes(upload["content"]))
            try:
                scenario = Scenario.from_file(path)
            except ScenarioError as err:
                err.source = name  # the file's own name, not the temporary copy's path
                err.problems = [p._replace(value=name) if p.value == str(path) else p for p in err.problems]
                self.page.problems(err)
                return
            finally:
                self.upload.value = ()  # choosing the same file again loads it again
        self.page.show_scenario(scenario)
        self.load_error = None
        self.page.ok(f"Loaded {name}: {scenario.name}.")

    def on_save(self, _: Any) -> None:
        name = self.save_name.value.strip()
        if not re.fullmatch(r"[\w][\w .()-]*", name) or name.endswith((" ", ".")):
            self.page.problem_text(f"'{name}' cannot be a file name here: use letters, digits, spaces, '-', '_' "
                                   "and '.', ending in .yaml, .yml or .json (no folders).")
            return
        if not name.lower().endswith(SUFFIXES):
            name += ".yaml"
        scenario = self.page.scenario()
        if scenario is None:
            return
        path = self.folder / name
        existed = path.exists()
        scenario.to_file(path)
        self.save_name.value = name
        link = download_link(path.read_bytes(), name, f"download {name}")
        self.page.ok(f"Saved the scenario to {escape(str(path))}{' (replacing the file there)' if existed else ''}. "
                     f"<span class='iop-downloads'>{link}</span>", markup=True)

    def on_reset(self, _: Any) -> None:
        self.page.show_scenario(Scenario())
        self.page.ok("The form shows the built-in default program again.")
