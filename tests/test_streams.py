"""Behaviour of the named random streams and the distributions drawn from them (iopsim.core.streams).

Statistical checks use ~100,000 draws from a fixed seed and a tolerance of Z standard errors,
where each standard error comes from the distribution's own moments (the variance for a sample
mean, the fourth central moment for a sample variance, p(1-p) for a frequency): the tolerance
follows from the sample size, not from a guess.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import iopsim
from iopsim.core.streams import AttendanceBeta, Exponential, Fixed, Stream, Streams, Weibull, cumulative

N = 100_000
Z = 5.0  # standard errors allowed


def draws(dist, n: int = N, seed: int = 12345, name: str = "test") -> np.ndarray:
    stream = Streams(seed)[name]
    return np.array([dist.sample(stream) for _ in range(n)])


def central_moments(frozen) -> tuple[float, float, float]:
    """Mean, variance and fourth central moment of a scipy frozen distribution, from raw moments."""
    m1, m2, m3, m4 = (float(frozen.moment(k)) for k in (1, 2, 3, 4))
    var = m2 - m1**2
    mu4 = m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4
    return m1, var, mu4


def assert_sample_moments(x: np.ndarray, mean: float, var: float, mu4: float) -> None:
    n = x.size
    se_mean = math.sqrt(var / n)
    assert abs(x.mean() - mean) <= Z * se_mean, (x.mean(), mean, se_mean)
    # large-sample standard error of the sample variance
    se_var = math.sqrt(max(mu4 - var**2 * (n - 3) / (n - 1), 0.0) / n)
    assert abs(x.var(ddof=1) - var) <= Z * se_var, (x.var(ddof=1), var, se_var)


# ------------------------------------------------------------------------ distributions
@pytest.mark.parametrize("mean", [0.5, 3.0, 40.0])
def test_exponential_matches_textbook(mean):
    dist = Exponential(mean)
    ref = stats.expon(scale=mean)
    assert dist.mean == pytest.approx(ref.mean(), rel=1e-12)
    assert dist.variance == pytest.approx(ref.var(), rel=1e-12)
    m, v, mu4 = central_moments(ref)
    x = draws(dist)
    assert (x >= 0).all()
    assert_sample_moments(x, dist.mean, dist.variance, mu4)


@pytest.mark.parametrize("value", [0.0, 1.5, 7.0])
def test_fixed_is_constant(value):
    dist = Fixed(value)
    x = draws(dist, n=1000)
    assert (x == value).all()
    assert dist.mean == value
    assert dist.variance == 0.0


@pytest.mark.parametrize("shape, scale", [(0.39, 930.0), (0.46, 243.0), (1.5, 10.0)])
def test_weibull_matches_textbook(shape, scale):
    dist = Weibull(shape, scale)
    ref = stats.weibull_min(c=shape, scale=scale)
    assert dist.mean == pytest.approx(ref.mean(), rel=1e-9)
    assert dist.variance == pytest.approx(ref.var(), rel=1e-9)
    m, v, mu4 = central_moments(ref)
    x = draws(dist)
    assert (x >= 0).all()
    assert_sample_moments(x, dist.mean, dist.variance, mu4)
    # the whole distribution, not only its moments: the share below each quartile
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        share = np.mean(x < ref.ppf(q))
        assert abs(share - q) <= Z * math.sqrt(q * (1 - q) / x.size), (q, share)


@pytest.mark.parametrize("shape, scale", [(0.39, 930.0), (0.46, 243.0), (1.5, 10.0)])
def test_weibull_cumulative_hazard_and_time_at_hazard_are_inverses(shape, scale):
    dist = Weibull(shape, scale)
    ref = stats.weibull_min(c=shape, scale=scale)
    for t in (0.0, 0.3, 1.0, 30.0, 90.0, 365.0, 5000.0):
        h = dist.cumulative_hazard(t)
        # H(t) = -log S(t)
        assert h == pytest.approx(-ref.logsf(t), rel=1e-9, abs=1e-12)
        assert dist.time_at_hazard(h) == pytest.approx(t, rel=1e-9, abs=1e-12)
    for h in (0.0, 1e-3, 0.5, 1.0, 4.0):
        assert dist.cumulative_hazard(dist.time_at_hazard(h)) == pytest.approx(h, rel=1e-9, abs=1e-12)
    # increasing: more time, more accumulated hazard
    ts = np.linspace(0, 1000, 50)
    assert np.all(np.diff([dist.cumulative_hazard(t) for t in ts]) > 0)


def test_attendance_beta_matches_textbook():
    mean, spread = 0.8, 0.3
    dist = AttendanceBeta(mean, spread)
    k = 1 / spread - 1
    ref = stats.beta(a=mean * k, b=(1 - mean) * k)
    assert dist.mean == pytest.approx(ref.mean(), rel=1e-12)
    assert dist.variance == pytest.approx(ref.var(), rel=1e-9)
    m, v, mu4 = central_moments(ref)
    x = draws(dist)
    assert ((x >= 0) & (x <= 1)).all()
    assert_sample_moments(x, mean, dist.variance, mu4)


@pytest.mark.parametrize("mean", [0.0, 0.35, 0.8, 1.0])
def test_attendance_beta_without_spread_is_constant(mean):
    dist = AttendanceBeta(mean, 0.0)
    x = draws(dist, n=1000)
    assert (x == mean).all()
    assert dist.variance == 0.0


# ------------------------------------------------------------------------------ Stream
def twin_streams(seed=99, name="twin") -> tuple[Stream, Stream]:
    return Streams(seed)[name], Streams(seed)[name]


@pytest.mark.parametrize("sizes", [
    [1, 5, 3],
    [2047, 1, 1, 5],               # across the end of a buffered block
    [4096, 10],                    # more than a block at once
    [0, 7, 2048, 2049, 3, 6000],
])
def test_take_gives_the_same_numbers_as_repeated_random(sizes):
    a, b = twin_streams()
    got, want = [], []
    for n in sizes:
        got += a.take(n)
        want += [b.random() for _ in range(n)]
        # interleave single draws: both ways of drawing must stay in step
        got.append(a.random())
        want.append(b.random())
    assert got == want
    assert len(set(got)) == len(got)  # no uniform served twice
    assert all(0.0 <= u < 1.0 for u in got)


def test_random_is_uniform():
    s = Streams(3)["u"]
    u = np.array(s.take(N))
    assert abs(u.mean() - 0.5) <= Z * math.sqrt(1 / 12 / N)
    for q in (0.1, 0.5, 0.9):
        assert abs(np.mean(u < q) - q) <= Z * math.sqrt(q * (1 - q) / N)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.72])
def test_chance_frequency(p):
    s = Streams(4)["chance"]
    hits = sum(s.chance(p) for _ in range(N))
    assert abs(hits / N - p) <= Z * math.sqrt(p * (1 - p) / N)


def test_chance_extremes():
    s = Streams(4)["chance"]
    assert not any(s.chance(0.0) for _ in range(1000))
    assert all(s.chance(1.0) for _ in range(1000))


def test_exponential_method_mean():
    s = Streams(5)["exp"]
    x = np.array([s.exponential(2.5) for _ in range(N)])
    assert abs(x.mean() - 2.5) <= Z * 2.5 / math.sqrt(N)


def test_cumulative_and_pick_frequencies():
    shares = {"community": 0.6, "step_down": 0.15, "step_up": 0.1, "justice": 0.15}
    options, cums = cumulative(shares)
    assert options == tuple(shares)
    assert cums == pytest.approx(np.cumsum(list(shares.values())))
    assert cums[-1] == 1.0
    s = Streams(6)["pick"]
    picked = [s.pick(options, cums) for _ in range(N)]
    for option, share in shares.items():
        freq = picked.count(option) / N
        assert abs(freq - share) <= Z * math.sqrt(share * (1 - share) / N), (option, freq)


def test_pick_never_returns_an_option_with_zero_share():
    options, cums = cumulative({"a": 0.5, "b": 0.0, "c": 0.5})
    s = Streams(6)["pick0"]
    assert "b" not in {s.pick(options, cums) for _ in range(10_000)}


# ----------------------------------------------------------------------------- Streams
def test_same_seed_and_name_give_identical_draws():
    assert Streams(7)["referrals"].take(500) == Streams(7)["referrals"].take(500)
    assert Streams(7)["referrals"].generator.random(10).tolist() == \
        Streams(7)["referrals"].generator.random(10).tolist()


def test_different_names_or_seeds_give_different_draws():
    s = Streams(7)
    assert s["show"].take(100) != s["rebook"].take(100)
    assert Streams(7)["show"].take(100) != Streams(8)["show"].take(100)


def test_a_stream_is_created_once_and_kept():
    s = Streams(7)
    first = s["x"]
    assert s["x"] is first
    a = first.take(3)
    assert s["x"].take(3) != a  # continues, does not restart


def test_creation_order_and_other_streams_do_not_change_a_stream():
    """Common random numbers: a stream's draws depend on the seed and its name only."""
    one = Streams(11)
    one["a"].take(50)
    one["b"].take(3000)
    b_after_a = one["b"].take(10)

    two = Streams(11)
    b_first = two["b"].take(3000)
    two["new_activity"].take(123)  # a new activity draws in between
    two["a"].take(50)
    assert two["b"].take(10) == b_after_a
    assert b_first == Streams(11)["b"].take(3000)


def test_seed_tuples():
    assert Streams((3, 1))["x"].take(20) == Streams((3, 1))["x"].take(20)
    assert Streams([3, 1])["x"].take(20) == Streams((3, 1))["x"].take(20)
    assert Streams((3, 1))["x"].take(20) != Streams((3, 2))["x"].take(20)
    assert Streams((3, 1))["x"].take(20) != Streams(3)["x"].take(20)
    assert Streams((3,))["x"].take(20) == Streams(3)["x"].take(20)
    assert Streams(np.int64(3))["x"].take(20) == Streams(3)["x"].take(20)


@pytest.mark.parametrize("seed", [-1, 1.5, (1, -2), (1, 2.0), "1", True, None])
def test_bad_seeds_raise_value_error(seed):
    with pytest.raises(ValueError):
        Streams(seed)


@pytest.mark.parametrize("seed", [(), [], 2 ** 32, (1, 2 ** 32), tuple(range(10)), np.float64(3), np.True_, [[1]]])
def test_seeds_that_would_run_as_another_seed_are_refused(seed):
    with pytest.raises(ValueError, match="seed must be a whole number from 0 to 4,294,967,295"):
        Streams(seed)


def test_the_one_documented_alias_trailing_zeros_within_four_parts():
    """iopsim.core.seeds: numpy pads a seed of fewer than four parts with zeros."""
    one = Streams(1)["x"].take(20)
    assert Streams((1, 0))["x"].take(20) == one
    assert Streams((1, 0, 0, 0))["x"].take(20) == one
    assert Streams((1, 0, 0, 0, 0))["x"].take(20) != one


def test_simulate_refuses_an_empty_seed():
    with pytest.raises(ValueError, match="seed must be"):
        iopsim.simulate(seed=())
