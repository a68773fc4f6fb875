"""A synthetic client: who they are, where they stand in the recovery cycle, and their own dice.

Everything random that belongs to a client (showing up, placement, patience, plan, attendance,
hazards, what follows a relapse, asking for treatment again) is drawn from the client's own
random numbers for the episode, keyed by client and episode, never from a stream shared in
the order clients happen to reach a stage.  So a change that does not touch a client's
treatment (more assessor hours, say) leaves their course the same in both arms of a
comparison: common random numbers where they matter most.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from statistics import NormalDist

from iopsim.core.streams import exp1

USING, ABSTINENT, IN_TREATMENT = "using", "abstinent", "in_treatment"

# one-off draws of an episode, taken when it begins, each in its own slot, so that how many
# sessions a client attended never shifts what their patience or relapse threshold is
ONE_OFF = (
    "show_1", "show_2", "rebook", "placement", "patience", "plan", "relapse_waiting", "relapse_after",
    "dropout", "other", "relapse_in_treatment", "medication", "higher_level", "higher_level_stay",
    "step_down", "aftercare", "request", "request_delay", "family_sessions", "addiction_medication",
)
SLOT = {name: k for k, name in enumerate(ONE_OFF)}
# whether a client has a service is a one-off draw above; what the services then need comes from
# random numbers of their own, one sequence per service seeded from the episode's seed and the
# service's name, so that turning a service on or changing how often it is held leaves every draw
# above, and every other service's, as it was
STANDARD_NORMAL = NormalDist()


class OneOffDraws:
    """The one-off draws of every client of a run, one episode number at a time: a row per client
    (in referral order) from a stream of that episode number's own, taken for all clients at once.
    A client's row is theirs whatever other clients do, and a block of numpy draws costs far less
    than seeding a generator for each client (most episodes end at intake and need nothing more)."""

    def __init__(self, streams, clients: int) -> None:
        self.streams, self.clients, self.rows = streams, clients, {}

    def row(self, client: int, episode: int) -> list[float]:
        """As Python floats (quicker to read one at a time): every client's first episode at once,
        later episodes (which few clients have) one client at a time.  An episode begins once, so
        its row is handed over and not kept here: it goes when the episode does."""
        rows = self.rows.get(episode)
        if rows is None:
            generator = self.streams[f"one-off draws, episode {episode}"].generator
            rows = generator.random((self.clients, len(ONE_OFF)))
            rows = self.rows[episode] = rows.tolist() if episode == 1 else rows
        if episode > 1:
            return rows[client - 1].tolist()
        row, rows[client - 1] = rows[client - 1], None
        return row


class EpisodeDraws:
    """One episode's random numbers: the one-off draws by name, then a sequence for the rest
    (sessions attended, relapses in treatment, reviews) in the order the client meets them,
    from a generator seeded with the episode's seed when the first of them is needed."""

    def __init__(self, one_off: list[float], seed: int) -> None:
        self.one_off, self.seed, self._services = one_off, seed, {}

    def random(self) -> float:
        """The next draw of the sequence.  The first call seeds the generator and puts its own
        method in this one's place on the instance (no reference back to the instance, so an
        episode's numbers are freed with it); a copy of this method taken earlier still works."""
        if "random" not in self.__dict__:
            self.random = random.Random(self.seed).random
        return self.random()

    def service(self, name: str):
        """The next uniform draw of one service ("family", "testing" or "crisis") for this episode,
        in the order the service needs them."""
        draw = self._services.get(name)
        if draw is None:
            draw = self._services[name] = random.Random(f"{name}:{self.seed}").random
        return draw()

    def __getitem__(self, name: str) -> float:
        return self.one_off[SLOT[name]]

    def exp1(self, name: str) -> float:
        """An Exp(1) draw from the named slot (a cumulative hazard the client can take)."""
        return exp1(self.one_off[SLOT[name]])

    def normal(self, name: str) -> float:
        """A standard normal from the named slot."""
        return STANDARD_NORMAL.inv_cdf(min(max(self.one_off[SLOT[name]], 1e-12), 1 - 1e-12))


@dataclass(slots=True)
class Client:
    """A client and their history: attributes drawn at the first referral, carried into readmissions."""

    id: int
    source: str
    severity: str
    evening_only: bool
    co_occurring: bool
    attendance: float  # the chance of coming to each scheduled session
    prior_episodes: int  # treatment episodes elsewhere before this program first saw them
    state: str  # USING or ABSTINENT when referred
    substance: str  # primary substance (opioid, alcohol, other)
    episode: int = 1
    draws: EpisodeDraws | None = None
    history: list[str] = field(default_factory=list)  # how each episode here ended

    @property
    def earlier_episodes(self) -> int:
        """Treatment episodes before this one, here or elsewhere."""
        return self.prior_episodes + self.episode - 1
