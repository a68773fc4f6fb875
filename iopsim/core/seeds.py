"""What a seed is: one meaning for simulate, replicate, compare and the command line.

A seed is a whole number from 0 to 2**32 - 1, or a list of 1 to MAX_PARTS of them; the number
s means the one-part seed (s,).  Replication i of seed s runs with seed (s, i), (*s, i) for a
list.  Every random stream of a run comes from numpy's SeedSequence of those parts.

One aliasing remains, by numpy's design, and is kept on purpose: SeedSequence pads a seed of
fewer than four parts with zeros, so trailing zeros within four parts change nothing: (1,),
(1, 0) and (1, 0, 0, 0) give the same random numbers (so replication 0 of seed s is
``simulate(seed=s)``), while (1, 0, 0, 0, 0) differs.  Parts of 2**32 or more are refused,
because SeedSequence would read them as several parts (2**32 as (0, 1)); so are booleans,
fractions and an empty list, which would otherwise run silently as some other seed.
"""

from __future__ import annotations

from typing import Any

from iopsim.core.formatting import show_value

MAX_PART = 2 ** 32 - 1
MAX_PARTS = 8


def seed_tuple(seed: Any, max_parts: int = MAX_PARTS) -> tuple[int, ...]:
    """The seed as a tuple of plain ints; ValueError, saying what a seed is, for anything else."""
    parts = tuple(seed) if isinstance(seed, (tuple, list)) else (seed,)
    if not 1 <= len(parts) <= max_parts or not all(_part(p) for p in parts):
        raise ValueError(f"seed must be a whole number from 0 to {MAX_PART:,}, or a list of 1 to {max_parts} of "
                         f"them; got {show_value(seed, exact=True)}")
    return tuple(int(p) for p in parts)


def _part(value: Any) -> bool:
    return not isinstance(value, bool) and hasattr(value, "__index__") and 0 <= value.__index__() <= MAX_PART
