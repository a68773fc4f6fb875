"""Workshop output for a projector and for paper, with twelve teams of long names (the most a room holds).

Labels are measured, not looked at: every piece of text of a chart is drawn and its bounding box
compared with every other one.  "$" (money) must never turn a caption into maths, in matplotlib or
in the MathJax of JupyterLab and Voila.  The leaderboard must fit a 1280 x 720 screen with no cell
cut, and a team's handout must print on one A4 page (Chromium's own PDF, pages counted).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from browser_helpers import launch_chromium, need_browser
from iopsim.analysis import catalogue
from iopsim.analysis.comparison import Comparison
from iopsim.analysis.experiment import Experiment
from iopsim.workshop import charts, handouts, tournament
from iopsim.workshop.cards import START, load_card, load_cards
from iopsim.workshop.submissions import NAME_MAX

TEAMS = 12


def crowded_result(card_id: str = "hospital-closes", teams: int = TEAMS) -> tournament.WorkshopResult:
    """A workshop of `teams` teams with names of the longest length, every result close to the others'
    (the worst case for labels), made from hand-made replications instead of simulations."""
    rng = np.random.default_rng(3)
    card = load_card(card_id)
    names = [START] + [f"Team {i:02d} of the ward, with a long name"[:NAME_MAX].ljust(NAME_MAX, "x")
                       for i in range(teams)]
    experiments = {}
    for k, name in enumerate(names):
        frame = pd.DataFrame({kpi: 1000 + rng.normal(0, 5, 5) + 0.3 * k for kpi in catalogue.NAMES},
                             index=pd.RangeIndex(5, name="rep"))
        frame["share_completed"] = 0.4 + rng.normal(0, 0.002, 5)
        experiments[name] = Experiment(card.start_scenario.replace(name=name), 1, frame)
    comparison = Comparison(experiments)
    result = tournament.WorkshopResult(card, comparison, None, {}, {}, 5, 1)
    result.leaderboard = tournament.leaderboard(card, comparison)
    return result


@pytest.fixture(scope="module")
def result():
    return crowded_result()


def drawn_texts(chart):
    canvas = FigureCanvasAgg(chart.figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for t in chart.figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return [(t, t.get_window_extent(renderer)) for t in texts]


def every_chart(result):
    guard = result.card.goal.guards[0].kpi
    return [charts.leaderboard_chart(result), charts.tradeoff_chart(result, result.card.goal.kpi, guard),
            *charts.debrief_charts(result)]


def test_no_two_labels_overlap_with_twelve_teams(result):
    for chart in every_chart(result):
        texts = drawn_texts(chart)
        assert sum(TEAMS * "x" not in t.get_text() and "long name" in t.get_text() for t, _ in texts) >= TEAMS
        clashes = []
        for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
            width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if width > 1 and height > 1:  # more than a pixel of ink in common
                clashes.append((a.get_text()[:30], b.get_text()[:30]))
        assert clashes == [], f"{chart.summary[:60]}: {clashes[:5]}"


def test_dollar_signs_stay_text(result):
    cost = [c for c in every_chart(result) if "$" in c.summary]
    assert cost, "a chart in dollars (cost per completed episode) is among the debrief charts"
    for chart in cost:
        money = [t for t, _ in drawn_texts(chart) if t.get_text().count("$") >= 2]
        assert money and not any(t.get_parse_math() for t in money)
        assert 'class="tex2jax_ignore mathjax_ignore"' in chart.html()  # MathJax leaves the caption alone


@pytest.fixture(scope="module")
def browser():
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def test_the_leaderboard_fits_a_1280_by_720_screen(browser, result, tmp_path):
    path = handouts.team_handout(result, result.teams[0], tmp_path / "team.html")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(path.resolve().as_uri())
    box = page.evaluate("(() => { const r = document.querySelector('table.leaderboard').getBoundingClientRect();"
                        " return [r.width, r.height]; })()")
    assert box[0] <= 1280 and box[1] <= 720, box
    cut = page.evaluate("[...document.querySelectorAll('table.leaderboard td, table.leaderboard th')]"
                        ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText)")
    assert cut == []
    assert page.locator("table.leaderboard tbody tr").count() == TEAMS + 1  # every team and the start
    page.close()


@pytest.mark.parametrize("card", sorted(load_cards()))
def test_a_team_handout_prints_on_one_a4_page(browser, card, tmp_path):
    crowded = crowded_result(card)
    path = handouts.team_handout(crowded, crowded.teams[-1], tmp_path / "team.html")
    page = browser.new_page()
    page.goto(path.resolve().as_uri())
    pdf = page.pdf(format="A4")
    page.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
