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
    "step_down", "aftercare", "request", "request_delay",
)
SLOT = {name: k for k, name in enumerate(ONE_OFF)}
# the services (scenario.services) draw from random numbers of their own, one sequence per service
# seeded from the episode's seed and the service's name, so that turning a service on or changing
# how often it is held leaves every draw above, and every other service's, as it was
SERVICES = ("family", "medication", "testing", "crisis")
STANDARD_NORMAL = NormalDist()


class EpisodeDraws:
    """One episode's random numbers: the one-off draws by name, then a sequence for the rest
    (sessions attended, relapses in treatment, reviews) in the order the client meets them."""

    __slots__ = ("one_off", "random", "seed", "_services")

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.random = rng.random
        self.one_off = [rng.random() for _ in ONE_OFF]
        self.seed, self._services = seed, {}

    def service(self, name: str):
        """The uniform draws of one service (client.SERVICES) for this episode: its first draw
        decides whether the client has it, the rest follow in the order the service needs them."""
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
    episode: int = 1
    draws: EpisodeDraws | None = None
    substance: str = ""  # primary substance (opioid, alcohol, other), drawn when first placed in IOP
    history: list[str] = field(default_factory=list)  # how each episode here ended

    @property
    def earlier_episodes(self) -> int:
        """Treatment episodes before this one, here or elsewhere."""
        return self.prior_episodes + self.episode - 1


def primary_substance(client_seed: int, medication) -> str:
    """A client's primary substance ("opioid", "alcohol" or "other"), by the shares of
    scenario.services.medication, from a draw of the client's own kept for every episode."""
    u = random.Random(f"substance:{client_seed}").random()
    if u < medication.opioid_share:
        return "opioid"
    return "alcohol" if u < medication.opioid_share + medication.alcohol_share else "other"
