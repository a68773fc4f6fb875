"""A workshop room that cannot collide or crash: unique team ids, names as display text, every plan
checked on arrival, bad ones reported by team, the facilitator's card for everyone.

The room is a folder shared by separate kernels (one per page), so these tests drive it as the
pages do: ``Room`` directly, the team form and the facilitator's panel, without a server.
"""

from __future__ import annotations

import threading
import time

import pytest

from hostile import deep_nesting, huge_list
from iopsim.workshop import facilitator_page, forms, handouts
from iopsim.workshop.cards import Card, load_card
from iopsim.workshop.room import NOT_YET, REFUSED, SUBMITTED, Room, RoomError
from iopsim.workshop.submissions import NAME_MAX, team_key, team_name, write_submission

CARD = "hospital-closes"
VALID = {"staff.iop_counsellors": 5, "tracks.tracks[0].groups": 3}
OVER_BUDGET = {"staff.iop_counsellors": 5, "tracks.tracks[0].groups": 3, "tracks.tracks[1].groups": 2,
               "intake.assessor_hours_per_week": 30}


@pytest.fixture
def room(tmp_path):
    return Room.create(tmp_path / "room", CARD)


def test_teams_get_unique_ids_and_names_are_display_text(room):
    a, b = room.sign_in("  Team   Blue "), room.sign_in("Team ../../etc")
    assert a.name == "Team Blue" and a.id != b.id
    assert [t.name for t in room.teams()] == ["Team Blue", "Team ../../etc"]
    room.submit(b.id, VALID)
    assert [p.name for p in room.plans.iterdir()] == [f"{b.id}.yaml"]  # files are named by id, never by name


@pytest.mark.parametrize("first, second", [("Team Red", "team red!"), ("Team Red", "TEAM-RED"),
                                           ("Team Red", " team  red "), ("Ｔｅａｍ Ｒｅｄ", "Team Red"),
                                           ("Café", "Cafe\u0301"), ("Team A", "Теаm А"), ("Pax", "Рах"),
                                           ("Team Ocean", "Team Οcеan")])  # Cyrillic and Greek look-alikes
def test_a_name_written_differently_is_refused_with_a_message(room, first, second):
    room.sign_in(first)
    with pytest.raises(RoomError, match="is taken.*Choose another name"):
        room.sign_in(second)
    assert len(room.teams()) == 1


def test_names_that_differ_in_letters_are_different_teams(room):
    alpha, beta = room.sign_in("Team α"), room.sign_in("Team β")
    assert alpha.id != beta.id and team_key("Team α") != team_key("Team β")
    room.submit(alpha.id, VALID)
    room.submit(beta.id, {})
    assert {s.team.name: s.state for s in room.status()} == {"Team α": SUBMITTED, "Team β": SUBMITTED}


def test_two_pages_signing_in_the_same_name_at_once_give_one_team(room):
    outcomes, barrier = [], threading.Barrier(8)

    def sign_in(name):
        barrier.wait()
        try:
            outcomes.append(room.sign_in(name))
        except RoomError as err:
            outcomes.append(err)
    threads = [threading.Thread(target=sign_in, args=(f"team {'RED' if i % 2 else 'red'}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(not isinstance(o, RoomError) for o in outcomes) == 1 and len(room.teams()) == 1


@pytest.mark.parametrize("name, words", [("x" * 10_000, f"at most {NAME_MAX} characters; this one has 10000"),
                                         ("y" * (NAME_MAX + 1), f"at most {NAME_MAX} characters"),
                                         ("  !!! ", "at least one letter or digit"),
                                         ("start", "starting program"),
                                         ("Team\x00Null", "letters, digits, spaces and punctuation only"),
                                         (None, "text")])
def test_unusable_names_are_refused_with_a_clear_message(room, name, words):
    with pytest.raises(RoomError, match=words.replace("(", r"\(")):
        room.sign_in(name)
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        team_name(name)
    assert room.teams() == []


def test_a_10000_character_name_crashes_nothing(room, tmp_path):
    card = load_card(CARD)
    with pytest.raises(ValueError, match="at most"):
        write_submission(tmp_path, "z" * 10_000, card, card.start_scenario)
    form = forms.team_form(room)
    form.team.value = "z" * 10_000
    assert not form.sign_in() and f"at most {NAME_MAX} characters" in form.status.value
    form.check()  # the preview still runs, under a shortened name
    (room.plans / "long.yaml").write_text(f"team: {'z' * 10_000}\ncard: {CARD}\nscenario: {{}}\n", encoding="utf-8")
    [line] = room.status()
    assert line.state == REFUSED and "at most" in line.why and len(line.team.name) <= NAME_MAX


def test_every_plan_is_checked_on_arrival_and_refusals_reach_the_facilitator(room):
    good, over, bad, late, idle = (room.sign_in(n) for n in ("Good", "Over", "Bad", "Late", "Idle"))
    room.submit(good.id, VALID)
    with pytest.raises(RoomError, match="Staff cost per week"):
        room.submit(over.id, OVER_BUDGET)
    with pytest.raises(RoomError, match="not a lever"):
        room.submit(bad.id, {"staff.iop_caseload_cap": 30})
    room.submit(late.id, VALID)
    room.lock()
    with pytest.raises(RoomError, match="closed"):
        room.submit(late.id, {})
    room.lock(False)
    with pytest.raises(RoomError, match="not signed in"):
        room.submit("t-nobody", VALID)
    status = {s.team.name: s for s in room.status()}
    assert {n: s.state for n, s in status.items()} == {"Good": SUBMITTED, "Over": REFUSED, "Bad": REFUSED,
                                                      "Late": REFUSED, "Idle": NOT_YET}
    assert "Staff cost per week" in status["Over"].why and "not a lever" in status["Bad"].why
    assert "closed" in status["Late"].why and "earlier plan stands" in status["Late"].why
    room.submit(over.id, VALID)  # a valid plan after a refusal clears it
    assert {s.team.name: s.state for s in room.status()}["Over"] == SUBMITTED


@pytest.mark.parametrize("text, words", [(deep_nesting(5000), "nest"), (huge_list(1), "kB"),
                                         ("team: [unclosed\n", "")])
def test_a_hostile_plan_file_is_refused_and_the_others_still_run(room, text, words):
    good = room.sign_in("Good")
    room.submit(good.id, VALID)
    (room.plans / "dropped.yaml").write_text(text, encoding="utf-8")
    status = {s.team.name: s for s in room.status()}
    assert status["Good"].state == SUBMITTED
    assert status["dropped"].state == REFUSED and words in status["dropped"].why


def test_a_team_that_never_touches_a_control_plays_the_facilitators_card(tmp_path):
    for card in ("one-extra-fte", "evening-room"):
        room = Room.create(tmp_path / card, card)
        form = forms.team_form(room)
        assert form.card.id == card
        form.team.value = "Team Idle"
        assert form.sign_in() and form.submit() is not None
        [line] = room.status()
        assert line.state == SUBMITTED
        assert f"card: {card}" in (room.plans / f"{form.team_id}.yaml").read_text(encoding="utf-8")


def test_a_page_before_the_card_is_set_says_so(tmp_path):
    page = forms.team_form(tmp_path / "empty")
    assert "has not chosen the challenge card" in page.widget.value


def test_the_facilitator_page_is_shut_without_its_code(room, monkeypatch):
    monkeypatch.setenv(facilitator_page.CODE_VARIABLE, facilitator_page.code_digest("the-facilitators-code"))
    panel = facilitator_page.facilitator_panel(room)
    assert panel.room_box not in panel.widget.children
    assert not panel.open("a-teams-guess") and panel.room_box not in panel.widget.children
    assert panel.open("the-facilitators-code") and panel.widget.children == (panel.room_box,)
    panel._stop.set()


def test_the_facilitator_runs_the_room_and_each_team_downloads_its_own_handout(room):
    forms_by_team = {}
    for name, plan in (("Team Amber", VALID), ("Team Blue", {"intake.mode": "walk_in"}), ("Team Over", OVER_BUDGET)):
        form = forms.team_form(room)
        form.team.value = name
        form.sign_in()
        for path, value in plan.items():
            form.levers[path].value = value if not isinstance(value, list) else tuple(value)
        form.submit()
        forms_by_team[name] = form
    assert forms_by_team["Team Amber"].fetch_handout() is None and "not ready" in forms_by_team["Team Amber"].status.value
    panel = facilitator_page.facilitator_panel(room, reps=2, workers=1)
    assert "3 teams: 2 submitted, 1 refused, 0 not yet" in panel.teams.value
    result = panel.run()
    panel._stop.set()
    assert set(result.teams) == {"Team Amber", "Team Blue"} and room.locked
    assert "workshop-handouts.zip" in panel.downloads.value and "2 team handouts" in panel.downloads.value
    amber = forms_by_team["Team Amber"]
    assert amber.fetch_handout() == room.handout(amber.team_id)
    assert 'download="results-team-amber.html"' in amber.download.value
    assert forms_by_team["Team Over"].fetch_handout() is None
    assert len(handouts.handouts_zip({"Team α": room.handout(amber.team_id),
                                      "Team β": room.handout(forms_by_team["Team Blue"].team_id)})) > 0


def test_a_plan_arriving_as_the_facilitator_closes_submissions_is_in_the_run_or_refused(room, monkeypatch):
    """Closing waits for a plan being kept; a plan checked while the room closed is refused, never kept unseen."""
    from iopsim.workshop import room as room_module

    writing, write = threading.Event(), room_module.write_submission

    def slow_write(*args, **kwargs):
        writing.set()
        time.sleep(0.3)  # the facilitator presses Close while this plan is being kept
        return write(*args, **kwargs)
    monkeypatch.setattr(room_module, "write_submission", slow_write)
    early, late = room.sign_in("Team Early"), room.sign_in("Team Late")
    outcomes = {}

    def submit(team):
        try:
            outcomes[team.name] = room.submit(team.id, VALID)
        except RoomError as err:
            outcomes[team.name] = err
    first = threading.Thread(target=submit, args=(early,))
    first.start()
    assert writing.wait(10)
    room.lock()
    in_the_run = sorted(p.name for p in room.plans.iterdir())  # what run_room reads once the room is closed
    first.join()
    submit(late)
    assert in_the_run == [f"{early.id}.yaml"] and outcomes["Team Early"] == room.plans / f"{early.id}.yaml"
    assert isinstance(outcomes["Team Late"], RoomError) and "Submissions are closed" in str(outcomes["Team Late"])
    assert sorted(p.name for p in room.plans.iterdir()) == in_the_run
    assert {s.team.name: s.state for s in room.status()} == {"Team Early": SUBMITTED, "Team Late": REFUSED}
    assert not (room.folder / "writing.lock").exists()


def test_a_plan_checked_while_the_room_closed_is_refused(room, monkeypatch):
    team, check = room.sign_in("Team Slow"), Card.check

    def close_during_check(card, scenario, program=None):
        room.lock()  # the facilitator closes while this team's plan is being checked
        return check(card, scenario, program)
    monkeypatch.setattr(Card, "check", close_during_check)
    with pytest.raises(RoomError, match="Submissions are closed"):
        room.submit(team.id, VALID)
    assert list(room.plans.iterdir()) == [] and room.status()[0].state == REFUSED
