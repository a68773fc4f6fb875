"""The educator workshop: challenge cards, plan checks, submissions, a fair run and the leaderboard.

A whole workshop is played end to end on a temporary shared folder: two valid teams, one over
budget, one unreadable file, one misspelt parameter, one plan for another card and one that
changes a parameter the card does not allow.  The valid teams must be ranked with the same
random streams (replication *i* of every team, and of the start, meets the same clients), the
others reported by team name with the reason.  Card errors must name the field.
"""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

import iopsim
from iopsim.analysis import catalogue
from iopsim.analysis.comparison import Comparison
from iopsim.analysis.experiment import Experiment, replicate
from iopsim.core.formatting import format_value
from iopsim.workshop import cards, charts, forms, rules, submissions, tournament, values
from iopsim.workshop.cards import START, CardError, load_card
from iopsim.workshop.room import Room

REPS, SEED = 3, 7
COUNSELLORS = iopsim.Scenario().staff.iop_counsellors  # the default program's IOP counsellors
VALID_A = {"staff.iop_counsellors": 5, "tracks.tracks[0].groups": 3}
VALID_B = {"intake.mode": "walk_in", "intake.assessor_hours_per_week": 25}
OVER_BUDGET = {"staff.iop_counsellors": 5, "tracks.tracks[0].groups": 3, "tracks.tracks[1].groups": 2,
               "intake.assessor_hours_per_week": 30}


@pytest.fixture(scope="module")
def card():
    return load_card("hospital-closes")


def submit(folder, card, team, plan):
    return submissions.write_submission(folder, team, card, card.scenario_for(plan, team))


@pytest.fixture(scope="module")
def played(card, tmp_path_factory):
    """A workshop with every kind of submission, run once for the module."""
    folder = tmp_path_factory.mktemp("submissions")
    submit(folder, card, "Team Amber", VALID_A)
    submit(folder, card, "Team Blue", VALID_B)
    submit(folder, card, "Team Crimson", OVER_BUDGET)
    (folder / "dusk.yaml").write_text("team: Team Dusk\ncard: hospital-closes\nscenario:\n\tstaff: {}\n",
                                      encoding="utf-8")  # a tab: not YAML
    (folder / "team-typo.yaml").write_text("team: Team Typo\ncard: hospital-closes\nscenario:\n  staff:\n"
                                           "    iop_counselors: 3\n", encoding="utf-8")
    other = load_card("evening-room")
    submissions.write_submission(folder, "Team Elsewhere", other, other.scenario_for({}, "Team Elsewhere"))
    sneaky = card.scenario_for(VALID_A, "Team Sneaky").replace(**{"staff.iop_caseload_cap": 20})
    submissions.write_submission(folder, "Team Sneaky", card, sneaky)
    result = tournament.run_workshop(card, folder, reps=REPS, seed=SEED, workers=1)
    return SimpleNamespace(folder=folder, result=result)


# ------------------------------------------------------------------------ the workshop run
def test_valid_teams_are_ranked_by_the_goal(played, card):
    board = played.result.leaderboard
    assert list(board.columns) == list(tournament.LEADERBOARD_COLUMNS)
    assert set(board.index) == {"Team Amber", "Team Blue"}
    assert board.attrs == {"kpi": "wait_assessment_to_start_median_days", "better": "lower"}
    holding = board[board.guards_hold]
    assert holding.goal_mean.is_monotonic_increasing  # lower is better: best first
    assert list(board.guards_hold) == sorted(board.guards_hold, reverse=True)  # broken guards last
    assert board["rank"].iloc[0] == 1 and board["place"].iloc[0] in ("1", "=1")
    for team, row in board.iterrows():
        assert row.goal_ci_low <= row.goal_mean <= row.goal_ci_high
        assert row.vs_start_reading in ("better", "worse", "no clear difference")
        assert row.verdict and isinstance(row.verdict, str)
        summary = played.result.comparison.experiments[team].summary.loc[card.goal.kpi]
        assert row.goal_mean == pytest.approx(summary["mean"])


def test_invalid_submissions_are_reported_by_team_with_the_reason(played, card):
    problems = played.result.problems
    assert set(problems) == {"Team Crimson", "dusk", "Team Typo", "Team Elsewhere", "Team Sneaky"}
    assert "Staff cost per week" in problems["Team Crimson"] and "$9,800" in problems["Team Crimson"]
    assert format_value(rules.staff_cost_per_week(card.scenario_for(OVER_BUDGET)), "$/week") in problems["Team Crimson"]
    assert "dusk.yaml" in problems["dusk"] and "YAML" in problems["dusk"]
    assert "iop_counselors" in problems["Team Typo"] and "iop_counsellors" in problems["Team Typo"]
    assert "evening-room" in problems["Team Elsewhere"] and "hospital-closes" in problems["Team Elsewhere"]
    assert "staff.iop_caseload_cap" in problems["Team Sneaky"]
    text = played.result.problems_text()
    assert all(team in text for team in problems)


def test_every_team_meets_the_same_clients(played, card):
    """Replication i of the start and of every team uses seed (SEED, i), whoever else plays."""
    experiments = played.result.comparison.experiments
    assert next(iter(experiments)) == START and set(experiments) == {START, "Team Amber", "Team Blue"}
    alone = replicate(card.start_scenario, reps=REPS, seed=SEED, workers=1, progress=False)
    pd.testing.assert_frame_equal(experiments[START].per_rep, alone.per_rep)
    # the same team gives the same replications in a workshop of one team
    solo_folder = played.folder.parent / "solo"
    solo_folder.mkdir(exist_ok=True)
    submit(solo_folder, card, "Team Amber", VALID_A)
    solo = tournament.run_workshop(card, solo_folder, reps=REPS, seed=SEED, workers=1)
    for name in (START, "Team Amber"):
        pd.testing.assert_frame_equal(solo.comparison.experiments[name].per_rep, experiments[name].per_rep)
    # and replication 1 of a team is simulate(plan, seed=(SEED, 1))
    plan = experiments["Team Blue"].scenario
    one = iopsim.simulate(plan, seed=(SEED, 1)).kpis
    assert experiments["Team Blue"].per_rep.loc[1, card.goal.kpi] == pytest.approx(one[card.goal.kpi], nan_ok=True)


def test_identical_plans_tie_within_noise(card, tmp_path):
    for team in ("Twin One", "Twin Two"):
        submit(tmp_path, card, team, VALID_A)
    board = tournament.run_workshop(card, tmp_path, reps=REPS, seed=SEED, workers=1).leaderboard
    assert list(board.place) == ["=1", "=1"]
    assert board.loc["Twin One", "tied_with"] == "Twin Two"


def test_no_valid_team_still_runs_the_start(card, tmp_path):
    submit(tmp_path, card, "Team Crimson", OVER_BUDGET)
    result = tournament.run_workshop(card, tmp_path, reps=2, seed=SEED, workers=1)
    assert result.leaderboard.empty and list(result.problems) == ["Team Crimson"]
    assert list(result.comparison.experiments) == [START]
    assert charts.debrief_charts(result) == []


def test_demo_submissions_play_the_card(card, tmp_path):
    paths = submissions.demo_submissions(card, tmp_path)
    assert len(paths) == len(card.examples) + 1
    valid, problems = submissions.load_submissions(card, tmp_path)
    assert len(valid) >= 2 and "Team Typo" in problems


# --------------------------------------------------------------------- ranking, by hand
def fake_comparison(goal_by_team: dict[str, list[float]], guard_by_team: dict[str, list[float]]) -> Comparison:
    """Experiments with hand-made replications: the goal is the median wait to start, the guard completion."""
    scenario = iopsim.Scenario()
    experiments = {}
    for team in goal_by_team:
        reps = len(goal_by_team[team])
        frame = pd.DataFrame(1.0, index=pd.RangeIndex(reps, name="rep"), columns=list(catalogue.NAMES))
        frame["wait_assessment_to_start_median_days"] = goal_by_team[team]
        frame["share_completed"] = guard_by_team[team]
        frame["lost_before_treatment_share"] = 0.5
        experiments[team] = Experiment(scenario, SEED, frame)
    return Comparison(experiments)


def test_ranking_ties_and_broken_guards(card):
    base = [10.0, 12.0, 11.0, 13.0]
    comparison = fake_comparison(
        {START: base,
         "Quick but careless": [1.0, 1.5, 1.2, 1.1],     # best wait, completion clearly lower: guard broken
         "Steady": [5.0, 6.0, 5.5, 6.5],
         "Steady too": [5.2, 5.7, 5.9, 6.3],              # within noise of Steady
         "Slow": [9.0, 11.0, 10.0, 12.0]},
        {START: [0.40, 0.41, 0.39, 0.40],
         "Quick but careless": [0.30, 0.31, 0.29, 0.30],
         "Steady": [0.40, 0.41, 0.39, 0.40],
         "Steady too": [0.40, 0.41, 0.40, 0.40],
         "Slow": [0.41, 0.41, 0.39, 0.40]})
    board = tournament.leaderboard(card, comparison)
    assert list(board.index) == ["Steady", "Steady too", "Slow", "Quick but careless"]
    assert list(board.place) == ["=1", "=1", "3", "4"]
    assert board.loc["Steady", "tied_with"] == "Steady too"
    assert not board.loc["Quick but careless", "guards_hold"]
    assert "completion clearly worse" in board.loc["Quick but careless", "guards"]
    assert board.loc["Steady", "guards"].startswith("completion holds")
    assert board.loc["Slow", "vs_start_reading"] == "better"


# ----------------------------------------------------------------------------- the cards
def test_every_shipped_card_loads_and_is_playable():
    shipped = cards.load_cards()
    assert len(shipped) >= 4
    for card in shipped.values():
        assert load_card(card.id) is not card and load_card(card.id) == card
        assert card.better in ("lower", "higher")
        playable = [ex for ex in card.examples
                    if card.check(card.scenario_for(ex.plan, ex.team, ex.program), ex.program).ok]
        assert len(playable) >= 2, card.id
        for program in card.programs or [None]:
            for lever in card.levers:  # both ends of every lever give a valid program, in every program offered
                if lever.options is None and lever.min is not None:
                    for end in (lever.min, lever.max):
                        value = int(end) if isinstance(card.start_value(lever.path), int) else end
                        card.scenario_for({lever.path: value}, program=program)


def card_data(**changes):
    data = {
        "id": "test-card", "title": "A test", "story": "Something happened.",
        "levers": [{"path": "staff.iop_counsellors", "label": "Counsellors", "min": COUNSELLORS - 2,
                    "max": COUNSELLORS}],
        "goal": {"kpi": "admissions_per_year"},
    }
    data.update(changes)
    return data


def problems_of(data) -> dict[str, str]:
    with pytest.raises(CardError) as info:
        cards.Card.from_dict(data)
    return {p.path: p.allowed for p in info.value.problems}


def test_a_good_card_validates():
    card = cards.Card.from_dict(card_data())
    assert card.start_scenario.staff.iop_counsellors == COUNSELLORS and card.better == "higher"


@pytest.mark.parametrize("changes, field, words", [
    ({"levers": [{"path": "staff.iop_counselors", "label": "x", "min": 1, "max": 3}]}, "levers[0].path",
     "did you mean 'staff.iop_counsellors'"),
    ({"levers": [{"path": "staff.iop_counsellors", "label": "x", "min": COUNSELLORS, "max": 500}]},
     "levers[0].max", "from 0 to 100"),
    ({"levers": [{"path": "staff.iop_counsellors", "label": "x", "min": COUNSELLORS, "max": COUNSELLORS - 1}]},
     "levers[0].max", "above min"),
    ({"levers": [{"path": "staff.iop_counsellors", "label": "x", "min": COUNSELLORS + 1, "max": COUNSELLORS + 2}]},
     "levers[0].min", f"starting value {COUNSELLORS}"),
    ({"levers": [{"path": "staff.iop_counsellors", "label": "x", "min": COUNSELLORS, "max": COUNSELLORS + 0.5}]},
     "levers[0].max", "whole number"),
    ({"levers": [{"path": "intake.mode", "label": "x", "options": ["booked", "walkin"]}]}, "levers[0].options[1]",
     "'walk_in'"),
    ({"levers": [{"path": "intake.mode", "label": "x", "options": ["walk_in", "walk_in"]}]}, "levers[0].options",
     "starting value 'booked'"),
    ({"levers": [{"path": "tracks.tracks[1].days", "label": "x", "min": 1, "max": 2}]}, "levers[0].options",
     "values tracks.tracks[1].days may take"),
    ({"levers": [{"path": "staff.iop_counsellors", "label": "x", "min": COUNSELLORS, "max": COUNSELLORS + 1,
                  "colour": "red"}]},
     "levers[0].colour", "not a field"),
    ({"levers": []}, "levers", "at least 1"),
    ({"goal": {"kpi": "wait_to_strat"}}, "goal.kpi", "did you mean"),
    ({"goal": {"kpi": "seat_utilisation"}}, "goal.better", "'lower' or 'higher'"),
    ({"goal": {"kpi": "admissions_per_year", "guards": [{"kpi": "census_mean"}]}}, "goal.guards[0].kpi",
     "better direction"),
    ({"goal": {"kpi": "admissions_per_year", "guards": [{"kpi": "share_completed", "tolerance": -1}]}},
     "goal.guards[0].tolerance", "greater than or equal to 0"),
    ({"goal": None}, "goal", ""),
    ({"constraints": {"max_rooms": 2}}, "constraints.max_rooms", "max_groups_at_once"),
    ({"constraints": {"max_staff_cost_per_week": 0}}, "constraints.max_staff_cost_per_week", "greater than 0"),
    ({"start": {"changes": {"referrals.per_wek": 9}}}, "start.changes.referrals.per_wek", "referrals.per_week"),
    ({"start": {"changes": {"referrals.per_week": -1}}}, "start.changes.referrals.per_week", "from 0 to 500"),
    ({"start": {"file": "no-such-file.yaml"}}, "start.file", "a valid scenario file"),
    ({"start": {"preset": "adolescent"}}, "start.preset", "did you mean 'adolescent-sud'"),
    ({"start": {"preset": "virtual-iop", "file": "program.yaml"}}, "start", "not both"),
    ({"examples": [{"team": "A", "plan": {"staff.op_counsellors": 2}}]}, "examples[0].plan.staff.op_counsellors",
     "one of this card's levers"),
    ({"examples": [{"team": "A", "plan": {"staff.iop_counsellors": COUNSELLORS + 5}}]},
     "examples[0].plan.staff.iop_counsellors", f"from {COUNSELLORS - 2} to {COUNSELLORS}"),
    ({"id": "Bad Id"}, "id", "lower-case letters"),
    ({"titel": "typo"}, "titel", "did you mean 'title'"),
])
def test_card_errors_name_the_field(changes, field, words):
    problems = problems_of(card_data(**changes))
    assert field in problems, problems
    assert words in problems[field]


def test_card_errors_list_every_problem_and_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\ntitle: t\nstory: s\nlevers:\n  - {path: staff.nobody, label: x, min: 1, max: 2}\n"
                    "goal: {kpi: not_a_kpi}\n", encoding="utf-8")
    with pytest.raises(CardError) as info:
        load_card(path)
    text = str(info.value)
    assert str(path) in text and "2 problems" in text
    assert "levers[0].path" in text and "goal.kpi" in text
    with pytest.raises(CardError, match="card id or file"):
        load_card("no-such-card")


def test_a_card_may_start_from_a_scenario_file(tmp_path):
    iopsim.Scenario().replace(**{"referrals.per_week": 8.0}).to_file(tmp_path / "program.yaml")
    card = cards.Card.from_dict(card_data(start={"file": "program.yaml", "changes": {"staff.prescribers": 2}}),
                                   tmp_path)
    assert card.start_scenario.referrals.per_week == 8.0 and card.start_scenario.staff.prescribers == 2


def test_a_card_may_start_from_a_built_in_program():
    card = cards.Card.from_dict(card_data(start={"preset": "adolescent-sud", "changes": {"staff.prescribers": 2}}))
    expected = iopsim.Scenario.preset("adolescent-sud").replace(**{"staff.prescribers": 2})
    assert card.start_scenario.replace(name=expected.name) == expected


# ------------------------------------------------------------------------- plan checks
def test_plan_checks(card):
    ok = card.check(card.scenario_for(VALID_A))
    assert ok.ok and [lim.holds for lim in ok.limits] == [True] * 4
    over = card.check(card.scenario_for(OVER_BUDGET))
    assert not over.ok and any("Staff cost" in p for p in over.problems)
    assert "OVER" in over.text() and "✘" in over.html()
    outside = card.check(card.start_scenario.replace(**{"staff.iop_counsellors": 6}))
    assert any("IOP counsellors" in p and "from 4 to 5" in p for p in outside.problems)
    with pytest.raises(ValueError, match="not a lever"):
        card.scenario_for({"staff.prescribers": 2})


def test_staff_cost_matches_the_kpi_and_rooms_count_overlaps():
    s = iopsim.Scenario().replace(**{"staff.iop_counsellors": 3, "intake.assessor_hours_per_week": 20})
    assert rules.staff_cost_per_week(s) == pytest.approx(iopsim.simulate(s, seed=1).kpis["staff_cost_per_week"])
    tracks = s.to_dict()["tracks"]["tracks"]
    assert rules.groups_at_once(s) == max(t.groups for t in s.tracks.tracks)  # day and evening never overlap
    late_day = [{**tracks[0], "groups": 2, "start_hour": 16.0}, {**tracks[1], "groups": 2}]
    assert rules.groups_at_once(s.replace(**{"tracks.tracks": late_day})) == 4  # Mon 16-19 meets 18-21
    assert rules.counsellors(s) == 4


# ------------------------------------------------------------------------- submissions
def test_submission_round_trip(card, tmp_path):
    scenario = card.scenario_for(VALID_B, "Team Blue")
    path = submissions.write_submission(tmp_path, "  Team Blue ", card, scenario)
    assert path.name == "team-blue.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# iopsim workshop plan of team 'Team Blue'") and "Assessment booked → walk_in" in text
    sub = submissions.read_submission(path)
    assert (sub.team, sub.card) == ("Team Blue", card.id)
    assert sub.scenario == scenario
    with pytest.raises(ValueError, match="name"):
        submissions.write_submission(tmp_path, " ", card, scenario)
    with pytest.raises(ValueError, match="starting program"):
        submissions.write_submission(tmp_path, START, card, scenario)


def test_unreadable_submissions(tmp_path):
    (tmp_path / "plain.yaml").write_text("staff:\n  iop_counsellors: 3\n", encoding="utf-8")
    with pytest.raises(submissions.SubmissionError, match="not a team plan") as info:
        submissions.read_submission(tmp_path / "plain.yaml")
    assert info.value.team == "plain"


# ---------------------------------------------------------------------------- the form
def test_team_form_is_bounded_by_the_card_and_submits(card, tmp_path):
    room = Room.create(tmp_path, card.id)
    form = forms.team_form(room)
    assert form.card.id == card.id
    for path, lever in card.lever_map.items():
        widget = form.levers[path]
        if lever.options is None:
            assert (widget.min, widget.max) == (lever.min, lever.max)
        else:
            assert len(widget.options) == len(lever.options)
        assert widget.value == values.freeze(card.start_value(path))
    assert form.scenario() == card.start_scenario.replace(name="Team plan")
    assert form.submit() is None and "team's name" in form.status.value
    form.team.value = "Team Form"
    assert form.sign_in()
    for path, value in OVER_BUDGET.items():
        form.levers[path].value = value
    assert not form.check().ok and "breaks a limit" in form.status.value
    assert form.submit() is None and "Not submitted" in form.status.value
    form.levers["tracks.tracks[1].groups"].value = 1
    form.levers["intake.assessor_hours_per_week"].value = card.start_value("intake.assessor_hours_per_week")
    assert form.check().ok and "One-run preview" in form.status.value
    path = form.submit()
    assert path == tmp_path / "plans" / f"{form.team_id}.yaml" and "Submitted" in form.status.value
    assert submissions.read_submission(path).scenario == card.scenario_for(VALID_A, "Team Form")


def test_every_lever_of_every_card_sets_a_real_field():
    for card in cards.load_cards().values():
        for lever in card.levers:
            widget = forms.lever_widget(card, lever)
            choices = [o[1] for o in widget.options] if hasattr(widget, "options") else [widget.min, widget.max]
            for value in choices:
                scenario = card.scenario_for({lever.path: values.plain(value)})
                assert values.same(card.plan_of(scenario)[lever.path], value)


# ---------------------------------------------------------------------------- charts
def test_charts_have_summaries(played, card):
    result = played.result
    chart = charts.leaderboard_chart(result)
    assert chart.summary.startswith("Leaderboard:") and all(t in chart.summary for t in result.teams)
    assert "Team Amber" in charts.tradeoff_chart(result).summary
    debrief = charts.debrief_charts(result)
    assert len(debrief) == len(catalogue.DEBRIEF)
    assert all("Team Blue" in c.summary for c in debrief)
    view = result.leaderboard_view()
    assert list(view["Team"]) == [*result.teams, START]


@pytest.mark.parametrize("modules, heavy", [
    # the team's app: no widgets until a form is built, and none of the facilitator's charts
    # (pandas comes with simulate, which the plan preview runs)
    ("iopsim.workshop, iopsim.workshop.forms", ("ipywidgets", "IPython", "matplotlib", "nbconvert")),
    # the facilitator's side: optional dependencies only when a form is built or a notebook printed
    ("iopsim.workshop.tournament, iopsim.workshop.charts, iopsim.workshop.handouts",
     ("ipywidgets", "IPython", "nbconvert", "nbclient", "nbformat")),
])
def test_import_stays_light(modules, heavy):
    code = (f"import sys, iopsim, {modules}; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_guard_sign_follows_the_kpi_direction(card):
    """A lower-is-better guard breaks when its interval lies wholly above the tolerance."""
    lost_goal = cards.Card.from_dict(card_data(goal={"kpi": "admissions_per_year",
                                                       "guards": [{"kpi": "lost_before_treatment_share",
                                                                   "tolerance": 0.01}]}))
    comparison = fake_comparison({START: [10.0, 11.0, 12.0], "T": [9.0, 10.0, 11.0]},
                                 {START: [0.4] * 3, "T": [0.4] * 3})
    comparison.experiments["T"].per_rep["lost_before_treatment_share"] = [0.55, 0.56, 0.57]
    board = tournament.leaderboard(lost_goal, Comparison(comparison.experiments))
    assert not board.loc["T", "guards_hold"]
    assert "clients lost before treatment clearly worse" in board.loc["T", "guards"]
    assert "allowed +1 percentage points" in board.loc["T", "guards"]
