"""A workshop room: the card the facilitator set, the teams signed in, their plans and refusals.

Every team page and the facilitator's page run in their own kernel (a process), so the room lives
in a folder they all share, and every write is one atomic file:

    room.json           the card (set once, by the facilitator) and whether submissions are closed
    writing.lock        held while a plan is kept or submissions are closed: one at a time
    names/<key>.json    one team: its id and name; created exclusively, so a name is taken once
    plans/<id>.yaml     the team's last valid plan (``submissions.write_submission``)
    refused/<id>.json   why the team's last submission was refused
    handouts/<id>.html  the team's results page, once the facilitator has run the workshop

    room = Room.create("workshop/room", "hospital-closes")     # the facilitator
    team = room.sign_in("Team Blue")                           # a team page: a unique id
    room.submit(team.id, {"staff.iop_counsellors": 5})        # checked on arrival
    room.submit(team.id, {}, "virtual-iop")                    # a program the card offers (start.presets)
    room.status()                                              # submitted / refused / not yet, and why

A team's name is display text only: files are named by id (or by a hash of the name's key), so no
name can collide with another team's files or reach outside the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iopsim.core.errors import ScenarioError
from iopsim.core.files import write_atomic
from iopsim.workshop.cards import Card, load_card
from iopsim.workshop.submissions import NAME_MAX, load_submissions, team_key, team_name, write_submission

SUBMITTED, REFUSED, NOT_YET = "submitted", "refused", "not yet"
STALE_LOCK_S = 30.0  # a writing.lock this old was left by a page killed while holding it (holding takes milliseconds)


class RoomError(ValueError):
    """A request the room refuses, with the sentence to show the person who made it."""


@dataclass(frozen=True)
class Team:
    """A team signed in to the room: a unique id (names files) and its name (display text)."""

    id: str
    name: str


@dataclass(frozen=True)
class TeamStatus:
    """A line of the facilitator's list: the team, submitted / refused / not yet, and why."""

    team: Team
    state: str
    why: str = ""


class Room:
    """The shared folder of one workshop (see the module's docstring)."""

    def __init__(self, folder: Any) -> None:
        self.folder = Path(folder)

    # -- the facilitator
    @classmethod
    def create(cls, folder: Any, card: Any) -> "Room":
        """Open (or start) the room in ``folder`` and set its card for every team."""
        room = cls(folder)
        for part in ("names", "plans", "refused", "handouts"):
            (room.folder / part).mkdir(parents=True, exist_ok=True)
        room._write_settings({**room._settings(), "card": load_card(card).id})
        return room

    @property
    def card(self) -> Card:
        """The card the facilitator set; a RoomError until one is set."""
        card = self._settings().get("card")
        if not card:
            raise RoomError("The facilitator has not chosen the challenge card yet: reload this page when they have.")
        return load_card(card)

    @property
    def locked(self) -> bool:
        return bool(self._settings().get("locked"))

    def lock(self, locked: bool = True) -> None:
        """Close (or reopen) submissions: a closed room refuses plans, with a message to the team.

        Once it returns, every plan accepted is in ``plans`` and no later one is accepted: a plan
        arriving as the facilitator presses Run is either in the run or refused, never lost."""
        with self._writing():
            self._write_settings({**self._settings(), "locked": locked})

    # -- the teams
    def sign_in(self, name: Any) -> Team:
        """Give a team a unique id; a RoomError if the name is unusable or taken (however it is written)."""
        try:
            shown = team_name(name)
        except ValueError as err:
            raise RoomError(f"Choose another name: {err}.") from None
        claim = self.folder / "names" / f"{hashlib.sha256(team_key(shown).encode()).hexdigest()[:24]}.json"
        claim.parent.mkdir(parents=True, exist_ok=True)
        team = Team(f"t{secrets.token_hex(5)}", shown)
        try:
            fd = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # atomic: one winner per name
        except FileExistsError:
            taken = self._read_claim(claim)
            other = f" ({taken.name!r})" if taken else ""
            raise RoomError(f"The name {shown!r} is taken: another team signed in with the same name{other}, written "
                            "perhaps with other capitals, spaces or punctuation. Choose another name.") from None
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"id": team.id, "name": team.name}, handle)
        return team

    def teams(self) -> list[Team]:
        """Every team signed in, in the order they signed in."""
        claims = sorted((self.folder / "names").glob("*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        return [t for t in map(self._read_claim, claims) if t is not None]

    def team(self, team_id: str) -> Team:
        for team in self.teams():
            if team.id == team_id:
                return team
        raise RoomError("This team is not signed in to the room: reload the page and sign in again.")

    def submit(self, team_id: str, plan: Mapping[str, Any], program: str | None = None) -> Path:
        """Check a team's plan (lever values, for one of the card's programs: default the card's) on arrival
        and keep it, or record why it is refused.

        Returns the plan's file; a RoomError says why it was refused (also kept for the facilitator).
        A refused plan leaves the team's earlier valid plan, if any, in the tournament.
        """
        team = self.team(team_id)
        refused = self.folder / "refused" / f"{team.id}.json"
        try:
            self._refuse_if_closed()
            card = self.card
            try:
                scenario = card.scenario_for(dict(plan), team.name, program)
            except (ScenarioError, ValueError) as err:
                raise RoomError(f"Not a valid plan: {err}") from None
            check = card.check(scenario, program)
            if not check.ok:
                raise RoomError("Not submitted: " + "; ".join(check.problems))
            with self._writing():  # closed while the plan was checked? Then it is refused, not kept unseen
                self._refuse_if_closed()
                path = write_submission(self.plans, team.name, card, scenario, stem=team.id, program=program)
                refused.unlink(missing_ok=True)
        except RoomError as err:
            write_atomic(refused, json.dumps({"why": str(err)}))
            raise
        return path

    def status(self) -> list[TeamStatus]:
        """Each team: submitted, refused (and why) or not yet; plan files that fail a check count as refused.

        A plan file dropped in the folder by hand, or damaged, is reported under its file's name."""
        card = self.card
        valid, problems = load_submissions(card, self.plans)
        teams = self.teams()
        names = {t.name for t in teams}
        out = []
        for team in teams:
            refused = self._refusal(team)
            stands = team.name in valid
            if refused:
                why = refused + (" Their earlier plan stands." if stands else "")
                out.append(TeamStatus(team, REFUSED, why))
            elif stands:
                out.append(TeamStatus(team, SUBMITTED))
            elif team.name in problems or team.id in problems:
                out.append(TeamStatus(team, REFUSED, problems.get(team.name) or problems[team.id]))
            else:
                out.append(TeamStatus(team, NOT_YET))
        known = names | {t.id for t in teams}
        out += [TeamStatus(Team(name, name[:NAME_MAX]), REFUSED, why) for name, why in problems.items()
                if name not in known]
        return out

    @property
    def plans(self) -> Path:
        """The folder of valid plans, one per team: what ``tournament.run_workshop`` reads."""
        return self.folder / "plans"

    def handout_file(self, team: Team) -> Path:
        return self.folder / "handouts" / f"{team.id}.html"

    def handout(self, team_id: str) -> Path | None:
        """The team's results page, once the facilitator has run the workshop."""
        path = self.handout_file(self.team(team_id))
        return path if path.exists() else None

    # -- files
    def _refuse_if_closed(self) -> None:
        if self.locked:
            raise RoomError("Submissions are closed: the facilitator is running the workshop.")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time across the pages' processes: an exclusively created file, removed after."""
        flag = self.folder / "writing.lock"
        while True:
            try:
                os.close(os.open(flag, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
                break
            except FileExistsError:
                try:
                    if time.time() - flag.stat().st_mtime > STALE_LOCK_S:
                        flag.unlink(missing_ok=True)
                except OSError:
                    pass  # removed by its holder meanwhile: try again
                time.sleep(0.01)
        try:
            yield
        finally:
            flag.unlink(missing_ok=True)

    def _settings(self) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / "room.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_settings(self, settings: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / "room.json", json.dumps(settings))

    def _refusal(self, team: Team) -> str:
        try:
            return str(json.loads((self.folder / "refused" / f"{team.id}.json").read_text(encoding="utf-8"))["why"])
        except (OSError, ValueError, KeyError, TypeError):
            return ""

    @staticmethod
    def _read_claim(path: Path) -> Team | None:
        """A claim file's team; None while its writer has not finished it, or if it is damaged."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Team(str(data["id"]), str(data["name"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
