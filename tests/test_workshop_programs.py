"""Cards that let teams choose a built-in program (``start.presets``): the card's checks, the team
form's program picker, plans for a program the card does not offer, and a tournament of teams on
two programs, each read against the start of its own program with the same clients.

Simulations here are short (a card whose start runs 120 days after a 60-day warm-up, 2 replications):
they test the workshop's bookkeeping, not the model.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from iopsim.analysis.stats import paired_differences
from iopsim.core import presets
from iopsim.core.scenario import Scenario
from iopsim.workshop import cards, charts, forms, handouts, submissions, tournament
from iopsim.workshop.cards import START, CardError, load_card
from iopsim.workshop.room import REFUSED, SUBMITTED, Room, RoomError

CLINIC, VIDEO = presets.DEFAULT, "virtual-iop"
VIDEO_TITLE = presets.info(VIDEO).title
SHORT = {"run.horizon_days": 120, "run.warm_up_days": 60}


def card_data(**start):
    return {
        "id": "clinic-or-video", "title": "Clinic or video", "story": "Choose a program.",
        "start": {"presets": [CLINIC, VIDEO], "changes": dict(SHORT), **start},
        "levers": [{"path": "staff.iop_counsellors", "label": "Counsellors", "min": 3, "max": 5},
                   {"path": "tracks.tracks[1].groups", "label": "Evening groups", "min": 1, "max": 3}],
        "constraints": {"max_staff_cost_per_week": 9800},
        "goal": {"kpi": "lost_before_treatment_share", "guards": [{"kpi": "share_completed", "tolerance": 0.02}]},
    }


@pytest.fixture(scope="module")
def card():
    return cards.Card.from_dict(card_data())


def problems(data):
    with pytest.raises(CardError) as info:
        cards.Card.from_dict(data)
    return [(p.path, p.value, p.allowed) for p in info.value.problems]


# ------------------------------------------------------------------------------ the card
def test_a_card_with_a_list_of_presets_validates(card):
    assert card.programs == (CLINIC, VIDEO)
    assert card.start_scenario == card.start_for(CLINIC) == card.start_for()
    assert card.start_for(VIDEO).replace(name="x") == Scenario.preset(VIDEO).replace(**SHORT, name="x")
    assert card.start_value("tracks.tracks[1].groups", VIDEO) == 2 != card.start_value("tracks.tracks[1].groups")
    assert card.program_title(VIDEO) == VIDEO_TITLE and card.start_name(VIDEO) == f"{START}: {VIDEO_TITLE}"
    assert card.start_name(CLINIC) == START
    assert VIDEO_TITLE in cards.programs_words(card) and VIDEO_TITLE in cards.card_html(card)
    with pytest.raises(ValueError, match="not one this card offers"):
        card.start_for("adolescent-sud")


def test_the_example_card_offers_a_choice_and_existing_cards_fix_one_program():
    shipped = cards.load_cards()
    assert shipped["in-person-or-virtual"].programs == (CLINIC, VIDEO)
    assert {ex.program for ex in shipped["in-person-or-virtual"].examples} == {None, VIDEO}
    for card_id in ("hospital-closes", "one-extra-fte", "evening-room", "drug-wave"):
        assert shipped[card_id].programs == (CLINIC,)


def test_a_misspelt_preset_is_refused_by_field_with_a_suggestion():
    [(field, value, allowed)] = problems(card_data(presets=[CLINIC, "virtual-iopp"]))
    assert (field, value) == ("start.presets[1]", "virtual-iopp")
    assert "did you mean 'virtual-iop'" in allowed and all(name in allowed for name in presets.NAMES)


@pytest.mark.parametrize("other", [{"preset": CLINIC}, {"file": "start.yaml"}])
def test_presets_with_a_preset_or_a_file_is_refused_by_field(other):
    [(field, value, allowed)] = problems(card_data(**other))
    assert field == "start.presets" and value["presets"] == [CLINIC, VIDEO]
    assert "not both" in allowed and "preset or file" in allowed


@pytest.mark.parametrize("start, field, words", [
    ({"presets": []}, "start.presets", "at least 1"),
    ({"presets": [VIDEO, VIDEO]}, "start.presets[1]", "not already offered"),
])
def test_an_empty_or_repeated_list_is_refused_by_field(start, field, words):
    data = card_data()
    data["start"] = {**data["start"], **start}
    [(where, _, allowed)] = problems(data)
    assert where == field and words in allowed


def test_a_lever_must_fit_every_program_offered():
    data = card_data()
    data["levers"][1] = {**data["levers"][1], "min": 0, "max": 1}  # the video program starts with 2 evening groups
    [(field, value, allowed)] = problems(data)
    assert field == "levers[1].min" and "starting value 2" in allowed and VIDEO_TITLE in allowed
    data["levers"][1] = {**data["levers"][1], "min": 1}  # no range at all: said once, for every program
    [(field, _, allowed)] = problems(data)
    assert field == "levers[1].max" and "above min" in allowed and "(in " not in allowed


def test_an_example_for_a_program_not_offered_is_refused_by_field():
    data = card_data(presets=[CLINIC])
    data["examples"] = [{"team": "Demo", "program": VIDEO, "plan": {}}]
    [(field, value, allowed)] = problems(data)
    assert (field, value) == ("examples[0].program", VIDEO) and CLINIC in allowed


# ------------------------------------------------------------------------------ the form
def test_the_picker_offers_the_cards_programs_and_rebases_the_form(tmp_path):
    card = load_card("in-person-or-virtual")
    form = forms.team_form(Room.create(tmp_path, card.id))
    assert form.program.options == tuple(card.program_title(p) for p in card.programs)
    assert not form.program.disabled and form.chosen == CLINIC
    evening = form.levers["tracks.tracks[1].groups"]
    assert evening.value == card.start_value("tracks.tracks[1].groups") == 1
    form.program.index = 1  # as a team picking "virtual" does
    assert form.chosen == VIDEO and evening.value == card.start_value("tracks.tracks[1].groups", VIDEO) == 2
    assert "start: 2." in form.hints["tracks.tracks[1].groups"].value and VIDEO_TITLE in form.status.value
    assert form.scenario() == card.start_for(VIDEO).replace(name="Team plan")
    form.team.value = "Team Video"
    assert form.sign_in()
    form.levers["staff.iop_counsellors"].value = 5
    assert form.check().ok
    path = form.submit()
    sub = submissions.read_submission(path)
    assert sub.program == VIDEO and sub.scenario == card.scenario_for({"staff.iop_counsellors": 5}, "Team Video", VIDEO)
    assert "program: virtual-iop" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("card_id", ["hospital-closes", "evening-room"])
def test_a_card_with_one_program_shows_it_disabled(tmp_path, card_id):
    form = forms.team_form(Room.create(tmp_path, card_id))
    assert form.program.options == (presets.info(CLINIC).title,) and form.program.disabled
    assert form.chosen == CLINIC


def test_a_card_on_a_scenario_file_shows_that_program_disabled(tmp_path):
    Scenario().replace(name="Our clinic").to_file(tmp_path / "ours.yaml")
    data = card_data()
    data["start"] = {"file": "ours.yaml", "changes": dict(SHORT)}
    card = cards.Card.from_dict(data, tmp_path)
    assert card.programs == () and card.program_title() == "Our clinic" and card.start_name() == START
    form = forms.TeamForm(SimpleNamespace(card=card))  # the form reads only the room's card until a team submits
    assert form.program.options == ("Our clinic",) and form.program.disabled and form.chosen is None
    assert form.scenario() == card.start_scenario.replace(name="Team plan")
    with pytest.raises(ValueError, match="plays its own program"):
        card.scenario_for({}, program=CLINIC)


# ------------------------------------------------------------------------ plans arriving
def test_a_plan_for_a_program_not_offered_is_refused_for_its_team_only(tmp_path):
    room = Room.create(tmp_path, "in-person-or-virtual")
    good, bad = room.sign_in("Team Video"), room.sign_in("Team Teens")
    room.submit(good.id, {"staff.iop_counsellors": 5}, VIDEO)
    with pytest.raises(RoomError, match="adolescent-sud"):
        room.submit(bad.id, {}, "adolescent-sud")
    status = {s.team.name: s for s in room.status()}
    assert status["Team Video"].state == SUBMITTED
    assert status["Team Teens"].state == REFUSED and "not one this card offers" in status["Team Teens"].why


def test_a_plan_file_naming_a_program_not_offered_is_listed_and_the_others_run(card, tmp_path):
    clinic = submissions.write_submission(tmp_path, "Team Clinic", card, card.scenario_for({}, "Team Clinic"))
    (tmp_path / "older.yaml").write_text(clinic.read_text(encoding="utf-8").replace("Team Clinic", "Team Older")
                                         .replace(f"program: {CLINIC}\n", ""), encoding="utf-8")  # before programs
    video = submissions.write_submission(tmp_path, "Team Video", card, card.scenario_for({}, "Team Video", VIDEO),
                                         program=VIDEO)
    (tmp_path / "teens.yaml").write_text(video.read_text(encoding="utf-8").replace("Team Video", "Team Teens")
                                         .replace(f"program: {VIDEO}", "program: adolescent-sud"), encoding="utf-8")
    (tmp_path / "mislabelled.yaml").write_text(video.read_text(encoding="utf-8").replace("Team Video", "Team Label")
                                               .replace(f"program: {VIDEO}", f"program: {CLINIC}"),
                                               encoding="utf-8")
    valid, refused = submissions.load_submissions(card, tmp_path)
    assert set(valid) == {"Team Clinic", "Team Older", "Team Video"} and valid["Team Video"].program == VIDEO
    assert valid["Team Older"].program is None and card.program(valid["Team Older"].program) == CLINIC
    assert set(refused) == {"Team Teens", "Team Label"}
    assert "adolescent-sud" in refused["Team Teens"] and "not one this card offers" in refused["Team Teens"]
    assert "does not let teams change" in refused["Team Label"]  # a video plan is no clinic plan


def test_a_team_may_not_take_the_name_of_a_programs_start():
    title = presets.info("adolescent-sud").title
    assert len(f"{START}: {title}") <= submissions.NAME_MAX  # short enough for a team to type
    with pytest.raises(ValueError, match="built-in program's start"):
        submissions.team_name(f"start: {title.lower()}")


# ------------------------------------------------------------------------- the tournament
@pytest.fixture(scope="module")
def played(card, tmp_path_factory):
    folder = tmp_path_factory.mktemp("plans")
    submissions.write_submission(folder, "Team Clinic", card,
                                 card.scenario_for({"tracks.tracks[1].groups": 2}, "Team Clinic"))
    submissions.write_submission(folder, "Team Video", card, card.scenario_for({}, "Team Video", VIDEO),
                                 program=VIDEO)
    return tournament.run_workshop(card, folder, reps=2, seed=3, workers=1)


def test_teams_on_two_programs_each_meet_their_own_start(played, card):
    experiments = played.comparison.experiments
    assert list(experiments) == [START, f"{START}: {VIDEO_TITLE}", "Team Clinic", "Team Video"]
    assert played.problems == {} and played.programs == {"Team Clinic": CLINIC, "Team Video": VIDEO}
    kpi = card.goal.kpi
    # an unchanged plan on the video program meets the same clients as the video start: no change at all
    pd.testing.assert_frame_equal(experiments["Team Video"].per_rep, experiments[played.start_of("Team Video")].per_rep)
    assert played.leaderboard.loc["Team Video", "vs_start"] == 0
    assert played.leaderboard.loc["Team Video", "vs_start_reading"] == "no clear difference"
    clinic = paired_differences(experiments[START].per_rep, experiments["Team Clinic"].per_rep)
    pd.testing.assert_frame_equal(played.differences.loc["Team Clinic"], clinic)
    assert played.leaderboard.loc["Team Clinic", "vs_start"] == clinic.loc[kpi, "mean_diff"]


def test_the_leaderboard_and_handouts_name_each_teams_program(played, tmp_path):
    view = played.leaderboard_view()
    programs = dict(zip(view["Team"], view["Program"]))
    assert programs["Team Clinic"] == presets.info(CLINIC).title and programs["Team Video"] == VIDEO_TITLE
    assert sorted(view.loc[view["Team"] == START, "Program"]) == sorted([presets.info(CLINIC).title, VIDEO_TITLE])
    assert VIDEO_TITLE in handouts.leaderboard_table(played, compact=True)
    page = handouts.team_handout(played, "Team Video", tmp_path / "video.html").read_text(encoding="utf-8")
    assert f"Program: {VIDEO_TITLE}" in page
    summary = charts.leaderboard_chart(played).summary
    assert VIDEO_TITLE in summary and presets.info(CLINIC).title in summary
    assert len(charts.debrief_charts(played)) >= 1
    assert f"{START}: {VIDEO_TITLE}" in charts.tradeoff_chart(played).summary
