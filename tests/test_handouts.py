"""Printable handouts: a team's results, the one-page client journey, and a notebook.

Each page is parsed with the standard library's html.parser, as a browser reads it: it must have
its sections under their headings, the numbers the model produced, embedded images, and nothing
that reaches outside the file (no scripts, no links, no external images or style sheets).
"""

from __future__ import annotations

from html.parser import HTMLParser

import nbformat
import pytest

import iopsim
from iopsim.analysis import catalogue
from iopsim.core.formatting import format_value
from iopsim.workshop import cards, handouts, submissions, tournament


class Page(HTMLParser):
    """Headings with the text under each, table rows, images, outside references and tag counts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[str]] = {"": []}
        self.rows: list[list[str]] = []
        self.images: list[str] = []
        self.refs: list[str] = []
        self.tags: dict[str, int] = {}
        self._heading: list[str] | None = None
        self._current = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "h2":
            self._heading = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        for key in ("href", "src"):
            if attrs.get(key):
                self.refs.append(attrs[key])

    def handle_endtag(self, tag):
        if tag == "h2" and self._heading is not None:
            self._current = " ".join("".join(self._heading).split())
            self.sections[self._current] = []
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)
        else:
            self.sections[self._current].append(data)
        if self._cell is not None:
            self._cell.append(data)

    def text(self, section: str) -> str:
        return " ".join(" ".join(self.sections[section]).split())

    def all_text(self) -> str:
        return " ".join(" ".join(" ".join(parts) for parts in self.sections.values()).split())

    def outside(self) -> list[str]:
        """References that would fetch something from outside the file."""
        return [r for r in self.refs if not (r.startswith("data:") or r.startswith("#"))]


def read(path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def assert_self_contained(page: Page) -> None:
    assert page.outside() == []
    assert page.tags.get("script", 0) == 0 and page.tags.get("link", 0) == 0
    assert page.tags.get("style", 0) >= 1  # inline CSS, print rules included


# -------------------------------------------------------------------------- team results
@pytest.fixture(scope="module")
def result(tmp_path_factory):
    card = cards.load_card("hospital-closes")
    folder = tmp_path_factory.mktemp("plans")
    submissions.demo_submissions(card, folder)
    return tournament.run_workshop(card, folder, reps=3, seed=5, workers=1)


def test_team_handout_has_every_section(result, tmp_path):
    team = result.teams[0]
    path = handouts.team_handout(result, team, tmp_path / "team.html")
    page = read(path)
    assert_self_contained(page)
    for heading in ("The challenge", "Your plan and the start", "Verdict", "Results with 95% intervals",
                    "Leaderboard", "For the debrief", "How to read this"):
        assert heading in page.sections, heading
    assert result.card.title in page.text("")
    assert result.card.story.split(".")[0] in page.text("The challenge")
    assert result.leaderboard.loc[team, "verdict"] in page.text("Verdict")
    # the plan against the start: every lever, the changed ones marked
    plan = {row[0]: row[1:] for row in page.rows if len(row) == 3 and row[0] in
            {lv.label for lv in result.card.levers}}
    assert set(plan) == {lv.label for lv in result.card.levers}
    counsellors = result.card.start_value("staff.iop_counsellors")
    assert plan["IOP counsellors"] == [str(counsellors), f"{counsellors + 1} (changed)"]
    # KPIs with intervals: the goal, its guards and the debrief KPIs, start and team
    results = {row[0]: row for row in page.rows if len(row) == 6}
    goal = next(k for k in results if k.endswith("(goal)"))
    start_mean = result.comparison.experiments[cards.START].summary.loc[result.card.goal.kpi, "mean"]
    assert results[goal][1].startswith(format_value(start_mean, "days", with_unit=False))
    assert " to " in results[goal][1] and " to " in results[goal][2]  # 95% intervals under the means
    assert sum(k.endswith("(guard)") for k in results) == len(result.card.goal.guards)
    assert len(results) >= len(catalogue.DEBRIEF)
    assert all(q in page.text("For the debrief") for q in result.card.questions)
    assert page.images == []  # one printed page (tests/test_workshop_projector.py): the charts are on the projector
    board = [row for row in page.rows if len(row) == 5]
    assert [row[1] for row in board] == ["Team", *result.teams, cards.START]  # heading row, teams, the start


def test_team_handouts_one_per_team(result, tmp_path):
    made = handouts.team_handouts(result, tmp_path)
    assert set(made) == set(result.teams)
    assert all(p.exists() and p.suffix == ".html" for p in made.values())
    with pytest.raises(ValueError, match="Staff cost"):
        handouts.team_handout(result, "Demo Crimson", tmp_path / "x.html")  # over budget: no results


# ----------------------------------------------------------------------- journey summary
def test_journey_handout_uses_the_models_numbers(tmp_path):
    path = handouts.journey_handout(tmp_path / "journey.html", reps=2, seed=3, years=1)
    page = read(path)
    assert_self_contained(page)
    for heading in ("The journey, stage by stage", "Where waits and losses arise",
                    "The levers and what each tends to do", "Three things the model shows"):
        assert heading in page.sections, heading
    stages = page.text("The journey, stage by stage")
    for stage in ("Referral:", "Intake and assessment:", "Placement by severity:", "IOP waitlist:", "IOP treatment:",
                  "Step-down and aftercare:", "Relapse and return:"):
        assert stage in stages
    s = iopsim.Scenario()
    assert f"about {s.referrals.per_week:g} new referrals a week" in stages
    assert "72% at 1 day, 41% at 3 days, 38% at 7 days" in stages
    assert f"{s.tracks.patience_mean_days:g} days" in stages
    waits = page.text("Where waits and losses arise")
    assert "median wait" in waits and "days" in waits and "of referrals are lost before treatment" in waits
    levers = [row for row in page.rows if row and row[0] in {lever.name for lever in handouts.LEVERS}]
    assert len(levers) == len(handouts.LEVERS)
    assert ["IOP counsellors", str(s.staff.iop_counsellors)] == levers[3][:2]


def test_journey_handout_follows_the_scenario_and_can_skip_the_runs(tmp_path):
    s = iopsim.Scenario().replace(**{"referrals.per_week": 9.1, "staff.iop_counsellors": 3, "name": "Our program"})
    page = read(handouts.journey_handout(tmp_path / "j.html", s, reps=0))
    assert "about 9.1 new referrals a week" in page.text("The journey, stage by stage")
    assert "Our program" in page.text("")
    assert "median wait" not in page.text("Where waits and losses arise")  # no runs, no model figures


# ------------------------------------------------------------------------------ notebooks
def test_notebook_handout_keeps_results_and_hides_code(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Follow one client\n\nWhat a client meets on the way."),
        nbformat.v4.new_code_cell("import sys\nanswer = 6 * 7\nprint('The answer is', answer)\n"
                                  "print('a warning', file=sys.stderr)"),
        nbformat.v4.new_code_cell("print('facilitator only')", metadata={"tags": ["handout-hide"]}),
        nbformat.v4.new_markdown_cell("## Afterwards\n\nThe end."),
    ]
    source = tmp_path / "lesson.ipynb"
    nbformat.write(nb, source)
    page = read(handouts.notebook_handout(source, tmp_path / "lesson.html"))
    assert_self_contained(page)
    text = page.all_text()
    assert "Follow one client" in text and "The answer is 42" in text and "The end." in text
    assert "answer = 6 * 7" not in text  # code hidden
    assert "facilitator only" not in text and "a warning" not in text  # tagged cell and stderr dropped
    shown = read(handouts.notebook_handout(source, tmp_path / "code.html", hide_code=False))
    assert "answer = 6 * 7" in shown.all_text()


def test_notebook_handout_without_running(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Plain\n\nNo code here.")]
    nbformat.write(nb, tmp_path / "plain.ipynb")
    path = handouts.notebook_handout(tmp_path / "plain.ipynb", tmp_path / "plain.html", execute=False)
    page = read(path)
    assert "No code here." in page.all_text()
    assert "<title>Plain</title>" in path.read_text(encoding="utf-8")
