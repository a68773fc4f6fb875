"""Named random streams and the distributions that draw from them.

Every stochastic activity draws from its own stream, keyed by name from one seed (numpy
SeedSequence), so adding an activity reshuffles nothing else and replication *i* of every
scenario sees the same random numbers (common random numbers, for paired comparisons).
Uniforms are drawn in blocks because one numpy call per draw would dominate the run time.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from iopsim.core.seeds import MAX_PARTS, seed_tuple

_BLOCK = 2048


class Stream:
    """One activity's random numbers, served from a buffered block of uniforms."""

    __slots__ = ("generator", "_buffer", "_next")

    def __init__(self, seed_sequence: np.random.SeedSequence) -> None:
        self.generator = np.random.Generator(np.random.PCG64(seed_sequence))
        self._buffer: list[float] = []
        self._next = 0

    def random(self) -> float:
        """A uniform number on [0, 1)."""
        i = self._next
        if i == len(self._buffer):
            self._buffer = self.generator.random(_BLOCK).tolist()
            i = 0
        self._next = i + 1
        return self._buffer[i]

    def take(self, n: int) -> list[float]:
        """The next n uniforms at once: cheaper than n calls in a hot loop."""
        i, buffer = self._next, self._buffer
        if i + n > len(buffer):
            buffer = self._buffer = buffer[i:] + self.generator.random(max(_BLOCK, n)).tolist()
            i = 0
        self._next = i + n
        return buffer[i:i + n]

    def chance(self, p: float) -> bool:
        """True with probability p."""
        return self.random() < p

    def exponential(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.random())

    def pick(self, options: tuple, cumulative: tuple[float, ...]):
        """One of options, with the given cumulative probabilities (last one 1)."""
        return pick(options, cumulative, self.random())


class Streams(dict):
    """All streams of one replication, created on first use and keyed by activity name."""

    def __init__(self, seed: int | tuple[int, ...] = 0) -> None:
        super().__init__()
        # what a seed means: iopsim.core.seeds; one part more for the replication number
        self.entropy = seed_tuple(seed, MAX_PARTS + 1)
        state = np.random.SeedSequence([int(s) for s in self.entropy],
                                       spawn_key=(zlib.crc32(b"clients"),)).generate_state(2, np.uint64)
        self.client_root = (int(state[0]) << 64 | int(state[1])) << 64

    def episode_seed(self, client: int, episode: int) -> int:
        """The seed of one client's episode: its own random numbers, whatever other clients do.

        One integer per (replication, client, episode), all different: the replication's own
        root in the high bits, client and episode below it.
        """
        return self.client_root | client << 16 | episode

    def __missing__(self, name: str) -> Stream:
        key = zlib.crc32(name.encode())
        stream = self[name] = Stream(np.random.SeedSequence([int(s) for s in self.entropy], spawn_key=(key,)))
        return stream


def exp1(u: float) -> float:
    """An Exp(1) draw from a uniform: the cumulative hazard a client can take before a risk strikes."""
    return -math.log(1.0 - u)


def pick(options: tuple, cumulative: tuple[float, ...], u: float):
    """The option whose cumulative-probability band holds the uniform draw u."""
    for option, c in zip(options, cumulative):
        if u < c:
            return option
    return options[-1]


def cumulative(shares: dict) -> tuple[tuple, tuple[float, ...]]:
    """Options and cumulative probabilities for Stream.pick, in a fixed key order."""
    options = tuple(shares)
    total, cums = 0.0, []
    for option in options:
        total += shares[option]
        cums.append(total)
    cums[-1] = 1.0
    return options, tuple(cums)


@dataclass(frozen=True)
class Exponential:
    mean: float

    def sample(self, stream: Stream) -> float:
        return -self.mean * math.log(1.0 - stream.random())

    @property
    def variance(self) -> float:
        return self.mean**2


@dataclass(frozen=True)
class Fixed:
    value: float

    def sample(self, stream: Stream) -> float:
        return self.value

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0


@dataclass(frozen=True)
class Weibull:
    """Weibull(shape k, scale); with k < 1 the hazard falls over time, as relapse risk does."""

    shape: float
    scale: float

    def sample(self, stream: Stream) -> float:
        return self.scale * (-math.log(1.0 - stream.random())) ** (1.0 / self.shape)

    def cumulative_hazard(self, t: float) -> float:
        return (t / self.scale) ** self.shape

    def time_at_hazard(self, h: float) -> float:
        """Inverse of cumulative_hazard."""
        return self.scale * h ** (1.0 / self.shape)

    @property
    def mean(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    @property
    def variance(self) -> float:
        return self.scale**2 * (math.gamma(1 + 2 / self.shape) - math.gamma(1 + 1 / self.shape) ** 2)


@dataclass(frozen=True)
class AttendanceBeta:
    """Each client's own attendance probability: Beta with the given mean and spread.

    spread is the share of attendance variance that lies between clients (0: everyone alike,
    towards 1: clients either always or never come); it sets the Beta's concentration.
    """

    mean: float
    spread: float

    def sample(self, stream: Stream) -> float:
        return float(self.sample_many(stream, 1)[0])

    def sample_many(self, stream: Stream, n: int) -> np.ndarray:
        if self.spread == 0 or self.mean >= 1:
            return np.full(n, self.mean)
        concentration = 1 / self.spread - 1
        return stream.generator.beta(self.mean * concentration, (1 - self.mean) * concentration, size=n)

    @property
    def variance(self) -> float:
        return self.mean * (1 - self.mean) * self.spread
