"""The warm-up: one simulated client's journey, told in words, for pairs to read before the challenge.

    stories = client_stories(Scenario(), seed=2024)   # a few clients, the relapse loop first
    write_stories(room, stories)                       # once, when the room opens
    read_stories(room)                                  # every team page: no simulation of its own

A client who completed IOP, relapsed at least a month later and came back is the story the room
discusses (where did this client wait? what could have gone differently?), so such clients come
first; the others follow for variety.  Thirty team pages share one simulation run at the start.
"""

from __future__ import annotations

import json
from typing import Any

from iopsim.analysis.run import simulate
from iopsim.core.files import write_atomic
from iopsim.core.scenario import Scenario
from iopsim.workshop.room import Room


def loop_clients(run: Any) -> list[Any]:
    """Clients who completed IOP, relapsed at least 30 days later and came back for another episode."""
    events = run.events
    completed = events[(events.event == "iop_discharge") & (events.detail == "completed")].groupby("client").time.min()
    relapsed = events[events.event == "relapse"].groupby("client").time.max()
    episodes = events.groupby("client").episode.max()
    return [c for c in completed.index
            if c in relapsed.index and relapsed[c] > completed[c] + 30 and episodes[c] > 1]


def client_stories(scenario: Scenario | None = None, *, seed: Any = 2024, count: int = 6) -> list[str]:
    """Up to ``count`` clients' journeys in words from one run: the relapse loop first, then completers."""
    run = simulate(scenario if scenario is not None else Scenario(), seed=seed)
    events = run.events
    completers = events[(events.event == "iop_discharge") & (events.detail == "completed")].client.unique()
    chosen = list(dict.fromkeys([*loop_clients(run), *completers]))[:count]
    return [f"Client {client}:\n{run.story(client)}" for client in chosen]


def write_stories(room: Room, stories: list[str]) -> None:
    write_atomic(room.folder / "stories.json", json.dumps(stories))


def read_stories(room: Room) -> list[str]:
    """The stories written when the room opened (none if it was opened without them)."""
    try:
        stories = json.loads((room.folder / "stories.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [s for s in stories if isinstance(s, str)] if isinstance(stories, list) else []
