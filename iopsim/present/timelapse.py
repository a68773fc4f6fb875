"""The time-lapse: where every client is, day by day, as dots moving between the places of care.

    lapse = timelapse.TimeLapse(run)      # precomputes every day's positions from run.events
    lapse.widget                          # a Play button and a day slider over the picture
    timelapse.positions(run.events, 120)  # who is where at the end of day 120 (a DataFrame)

Everything is computed from the event log (pure functions, tested against it):

* ``segments(events)``: for each client, the stretches of time spent in one place.  The place
  after an event is the stage that event leaves the client in (``iopsim.core.vocabulary.STAGE_AFTER``); a client is in
  exactly one place between two of their events, or out of care (left, relapsed at home,
  waiting to come back).  Events at the same time are read in the order they happened, so a
  discharge followed at once by step-down leaves no trace of a stay in between.
* ``positions(events, day)``: the clients in care at the end of ``day`` (events before
  ``day + 1``), each in one place.  Counts match the model's monitors: the waitlist and IOP
  census levels, and the clients still in care at the end (``kpis.in_system_at_end``).

Places: ``assessment`` (referred, not yet placed), ``waitlist`` (waiting for an IOP seat),
``iop:<track>`` (in IOP, by track), ``op`` (stepped down to standard outpatient, including
waiting for a caseload place), ``aftercare``.  Clients referred elsewhere, lost, discharged or
relapsed at home are out of care and not drawn.

The picture is drawn with matplotlib once; each day only moves the dots (``set_offsets``) and
is saved as a PNG for an ``ipywidgets.Image``, cached, so playing and stepping back are smooth.
"""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from iopsim.core.calendar import WEEKDAYS
from iopsim.core.eventlog import EPISODES
from iopsim.core.vocabulary import IOP, OUT, stage_after
from iopsim.present.plots import STYLE, Chart

SEVERITY_COLOURS = {"low": "#56B4E9", "moderate": "#E69F00", "high": "#D55E00"}  # Okabe-Ito sky blue, orange, vermillion


def place_label(place: str) -> str:
    """'iop:day' -> 'IOP: day track'; 'op' -> 'Step-down (standard OP)'."""
    if place.startswith(IOP + ":"):
        return f"IOP: {place.split(':', 1)[1]} track"
    return {"assessment": "Assessment", "waitlist": "Waitlist", "op": "Step-down (standard OP)",
            "aftercare": "Aftercare", OUT: "Out of care"}.get(place, place)


def short_label(place: str) -> str:
    """The label on the picture's boxes: 'IOP day', 'Step-down OP'."""
    if place.startswith(IOP + ":"):
        return f"IOP {place.split(':', 1)[1]}"
    return {"op": "Step-down OP"}.get(place, place_label(place))


def places(events: pd.DataFrame, scenario=None) -> list[str]:
    """The places in the order of the journey; IOP tracks from the scenario (or those in the log)."""
    if scenario is not None:
        tracks = [t.name for t in scenario.tracks.tracks]
    else:
        admitted = events.loc[events.event == "admitted", "resource"].astype(str)
        tracks = list(dict.fromkeys(_track(r) for r in admitted))
    return ["assessment", "waitlist", *(f"{IOP}:{t}" for t in tracks), "op", "aftercare"]


def _track(resource: str) -> str:
    return resource.rsplit(" group ", 1)[0]


# ------------------------------------------------------------------------------------ segments
def segments(events: pd.DataFrame) -> pd.DataFrame:
    """Each client's stays, one row per stretch in one place: client, episode, place, start, end, severity.

    ``end`` is the time of the client's next move (``inf`` while still there when the log ends);
    out-of-care stretches and moments that pass within an instant are left out.
    """
    n = len(events)
    client = events.client.to_numpy(np.int64)
    episode = events.episode.to_numpy(np.int64)
    time = events.time.to_numpy(float)
    event = events.event.astype(str).to_numpy()
    stage = events.stage.astype(str).to_numpy()
    resource = events.resource.astype(str).to_numpy()
    key = client * EPISODES + episode
    # each episode's IOP track (from its admission) and severity (from its referral)
    admitted = event == "admitted"
    track_of = dict(zip(key[admitted].tolist(), (f"{IOP}:{_track(r)}" for r in resource[admitted])))
    referred = event == "referral"
    severity_of = dict(zip(key[referred].tolist(), events.detail.astype(str).to_numpy()[referred].tolist()))
    place = np.empty(n, dtype=object)
    for i, (e, s, k) in enumerate(zip(event.tolist(), stage.tolist(), key.tolist())):
        p = stage_after(e, s)  # a relapse leaves the client where it happened (the exit follows) or at home
        place[i] = track_of.get(k, IOP) if p == IOP else p
    # by client, each client's events in the order they happened (the log is in time order)
    order = np.lexsort((np.arange(n), client))
    c, t, p, k = client[order], time[order], place[order], key[order]
    first = np.ones(n, dtype=bool)
    first[1:] = c[1:] != c[:-1]
    moved = first.copy()
    moved[1:] |= p[1:] != p[:-1]
    at = np.flatnonzero(moved)
    start = t[at]
    end = np.full(at.size, math.inf)
    same_client = c[at[1:]] == c[at[:-1]]
    end[:-1][same_client] = start[1:][same_client]
    frame = pd.DataFrame({"client": c[at], "episode": k[at] % EPISODES, "place": p[at], "start": start, "end": end})
    frame["severity"] = [severity_of.get(x, "") for x in k[at].tolist()]
    keep = (frame.place != OUT) & (frame.end > frame.start)
    return frame[keep].reset_index(drop=True)


def positions(events: pd.DataFrame | None, day: float, *, stays: pd.DataFrame | None = None) -> pd.DataFrame:
    """The clients in care at the end of `day` (after every event before ``day + 1``), one row each.

    Columns: client, episode, place, since (when they came to that place), severity; sorted by
    place then since.  Give ``stays=segments(events)`` to reuse segments already computed.
    """
    stays = segments(events) if stays is None else stays
    edge = day + 1
    here = stays[(stays.start < edge) & (stays.end >= edge)]
    out = here.rename(columns={"start": "since"}).drop(columns="end")
    return out.sort_values(["place", "since", "client"], ignore_index=True)


def counts(events: pd.DataFrame, days, *, stays: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clients in each place at the end of each day: one row per day, one column per place."""
    stays = segments(events) if stays is None else stays
    days = np.asarray(list(days), dtype=float)
    edges = days + 1
    table = {}
    for place, rows in stays.groupby("place", sort=False):
        start, end = rows.start.to_numpy(), rows.end.to_numpy()
        table[place] = ((start[None, :] < edges[:, None]) & (end[None, :] >= edges[:, None])).sum(axis=1)
    return pd.DataFrame(table, index=pd.Index(days.astype(int), name="day"))


# ------------------------------------------------------------------------------------ frames
class Frames:
    """Every day's dots, precomputed: for day d, the (x, y) of each client in care and their colour."""

    def __init__(self, events: pd.DataFrame, scenario=None, *, first_day: int = 0, last_day: int | None = None) -> None:
        self.stays = segments(events)
        self.places = places(events, scenario)
        stays_end = float(events.time.max()) if len(events) else 0.0
        self.first_day = int(first_day)
        self.last_day = int(math.floor(stays_end)) if last_day is None else int(last_day)
        self.seats = {}
        if scenario is not None:
            self.seats = {f"{IOP}:{t.name}": t.groups * t.group_cap for t in scenario.tracks.tracks}
        self.days = np.arange(self.first_day, self.last_day + 1)
        self.counts = counts(events, self.days, stays=self.stays).reindex(columns=self.places, fill_value=0)
        self._layout()

    def _layout(self) -> None:
        """Boxes side by side (IOP tracks stacked in one column); a grid of slots in each box."""
        tracks = [p for p in self.places if p.startswith(IOP + ":")]
        columns = ["assessment", "waitlist", "iop", "op", "aftercare"]
        width, gap, height, title = 1.25, 0.1, 1.8, 0.16
        self.boxes: dict[str, tuple[float, float, float, float]] = {}  # x, y, w, h
        for j, col in enumerate(columns):
            x = j * (width + gap)
            if col == "iop":
                h = height / max(len(tracks), 1)
                for i, place in enumerate(tracks):
                    self.boxes[place] = (x, height - (i + 1) * h, width, h)
            else:
                self.boxes[col] = (x, 0.0, width, height)
        self.extent = (len(columns) * (width + gap) - gap, height)
        self.slots: dict[str, np.ndarray] = {}
        grids = {}
        for place, (x, y, w, h) in self.boxes.items():
            need = max(int(self.counts[place].max()) if place in self.counts else 0, self.seats.get(place, 0), 1)
            room = h - title
            ncol = max(range(1, need + 1), key=lambda nc: min(w / nc, room / math.ceil(need / nc)))
            grids[place] = (ncol, need, min(w / ncol, room / math.ceil(need / ncol)))
        self.spacing = min(step for _, _, step in grids.values())
        for place, (ncol, need, step) in grids.items():
            x, y, w, h = self.boxes[place]
            i = np.arange(need)
            left = x + (w - min(ncol, need) * step) / 2 + step / 2
            self.slots[place] = np.column_stack([left + (i % ncol) * step, y + h - title - step / 2 - (i // ncol) * step])

    def dots(self, day: int) -> tuple[np.ndarray, list[str], pd.DataFrame]:
        """(x, y) of each client in care at the end of `day`, their colours, and who they are."""
        here = positions(None, day, stays=self.stays)
        xy = np.zeros((len(here), 2))
        rank = here.groupby("place", sort=False).cumcount().to_numpy()
        for i, (place, r) in enumerate(zip(here.place.tolist(), rank.tolist())):
            slots = self.slots.get(place)
            xy[i] = slots[min(r, len(slots) - 1)] if slots is not None else (math.nan, math.nan)
        colours = [SEVERITY_COLOURS.get(s, "#000000") for s in here.severity.tolist()]
        return xy, colours, here

    def summary(self, day: int) -> str:
        row = self.counts.loc[day] if day in self.counts.index else pd.Series(0, index=self.places)
        parts = []
        for place in self.places:
            n = int(row.get(place, 0))
            seats = f" (of {self.seats[place]} seats)" if place in self.seats else ""
            parts.append(f"{n} in {place_label(place).replace('IOP: ', 'IOP ')}{seats}")
        return f"Day {day} ({WEEKDAYS[day % 7]}): " + ", ".join(parts) + "."


def snapshot(events: pd.DataFrame, scenario=None, day: int = 0):
    """One day of the time-lapse as a chart ``(figure, summary)``."""
    picture = Picture(Frames(events, scenario))
    picture.draw(day)
    return Chart(picture.figure, picture.frames.summary(day))


class Picture:
    """The matplotlib drawing of the places, with one scatter of dots that each day moves."""

    def __init__(self, frames: Frames) -> None:
        self.frames = frames
        with mpl.rc_context(STYLE):
            self.figure = fig = Figure(figsize=(12, 4.4), dpi=72)
            box = (0.01, 0.12, 0.98, 0.76)  # the axes, as shares of the figure
            ax = self.ax = fig.add_axes(box)
            xspan, yspan = frames.extent[0] + 0.04, frames.extent[1] + 0.04
            ax.set_xlim(-0.02, frames.extent[0] + 0.02)
            ax.set_ylim(-0.02, frames.extent[1] + 0.02)
            ax.set_aspect("equal")
            ax.set_axis_off()
            # points per data unit (one point per pixel at 72 dpi): the slot grids are square
            per_unit = min(12 * 72 * box[2] / xspan, 4.4 * 72 * box[3] / yspan)
            size = (frames.spacing * 0.78 * per_unit) ** 2  # a dot's area in points^2
            self.titles, self.numbers = {}, {}
            for place, (x, y, w, h) in frames.boxes.items():
                ax.add_patch(Rectangle((x, y), w, h, facecolor="#F2F2F2", edgecolor="#7F7F7F", linewidth=1.2))
                self.titles[place] = ax.text(x + 0.03, y + h - 0.03, short_label(place), va="top", ha="left",
                                             fontsize=13, fontweight="bold")
                self.numbers[place] = ax.text(x + w - 0.03, y + h - 0.03, "", va="top", ha="right", fontsize=13)
                seats = frames.seats.get(place, 0)
                if seats:  # empty seats as rings: a full track shows no ring
                    ring = frames.slots[place][:seats]
                    ax.scatter(ring[:, 0], ring[:, 1], s=size, facecolors="none", edgecolors="#7F7F7F", linewidths=1)
            self.dots = ax.scatter([], [], s=size, edgecolors="black", linewidths=0.4, zorder=3)
            self.heading = fig.text(0.01, 0.97, "", fontsize=16, fontweight="bold", va="top")
            handles = [mpl.lines.Line2D([], [], marker="o", linestyle="", markerfacecolor=c, markeredgecolor="black",
                                        markersize=11, label=f"{s} severity") for s, c in SEVERITY_COLOURS.items()]
            fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=13)

    def draw(self, day: int) -> None:
        xy, colours, here = self.frames.dots(day)
        self.dots.set_offsets(xy if len(xy) else np.empty((0, 2)))
        self.dots.set_facecolors(colours if colours else "none")
        counts = here.place.value_counts()
        for place, text in self.numbers.items():
            seats = self.frames.seats.get(place)
            n = int(counts.get(place, 0))
            text.set_text(f"{n}/{seats}" if seats else str(n))
        self.heading.set_text(f"Day {day} ({WEEKDAYS[day % 7]})")

    def png(self, day: int) -> bytes:
        self.draw(day)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=72, facecolor="white")
        return buffer.getvalue()


class TimeLapse:
    """A Play button and a day slider stepping through a run; the picture and a summary line per day.

    The positions of every day are computed when it is built; each day's picture is drawn when
    first shown and kept, so stepping back and forth costs nothing.  It opens on `start_day`
    (for a run: the last day of the warm-up, when the program has filled).
    """

    def __init__(self, run: Any = None, *, events: pd.DataFrame | None = None, scenario=None,
                 first_day: int | None = None, last_day: int | None = None, start_day: int | None = None,
                 interval_ms: int = 250) -> None:
        import ipywidgets as w  # optional ([notebooks] extra): only the widget needs it

        if run is not None:
            events, scenario = run.events, run.scenario
            last_day = int(math.ceil(run.end)) - 1 if last_day is None else last_day
            start_day = int(scenario.run.warm_up_days) if start_day is None else start_day
        if events is None:
            raise ValueError("give a run, or events (and the scenario)")
        first_day = 0 if first_day is None else first_day
        self.frames = Frames(events, scenario, first_day=first_day, last_day=last_day)
        self.picture = Picture(self.frames)
        self._cache: dict[int, bytes] = {}
        lo, hi = self.frames.first_day, self.frames.last_day
        start = min(max(lo if start_day is None else start_day, lo), hi)
        self.play = w.Play(value=start, min=lo, max=hi, step=1, interval=interval_ms, description="Play")
        self.slider = w.IntSlider(value=start, min=lo, max=hi, step=1, description="Day", continuous_update=True,
                                  layout=w.Layout(width="40em"))
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.summary = w.HTML()
        self.out = w.Output()  # where a failure would show (JupyterLab and Voila hide errors raised in callbacks)
        self.slider.observe(self.out.capture()(lambda change: self.show(change["new"])), names="value")
        self.widget = w.VBox([w.HBox([self.play, self.slider]), self.image, self.summary, self.out])
        self.show(start)

    def frame(self, day: int) -> bytes:
        if day not in self._cache:
            self._cache[day] = self.picture.png(day)
        return self._cache[day]

    def show(self, day: int) -> None:
        self.image.value = self.frame(day)
        self.summary.value = f'<p style="font-size: 13pt">{self.frames.summary(day)}</p>'
