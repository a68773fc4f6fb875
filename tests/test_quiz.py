"""Self-check answers are checked by code: right passes, wrong fails, model answers come from the run."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import iopsim
from iopsim.analysis import monitors
from iopsim.core import parameters
from iopsim.course import capacity_charts, journey_charts, quiz, relapse_charts, widgets
from iopsim.core.scenario import Scenario

NOTEBOOKS = ("00", "01", "02", "03", "04", "05")


@pytest.fixture(scope="module")
def contexts():
    """What each notebook hands to quiz.show, built the same way, on small runs."""
    s = Scenario().replace(**{"run.horizon_days": 365.0})
    run = iopsim.simulate(s, seed=2)
    followup = relapse_charts.by_group([relapse_charts.relapse_followup(r.events, r.scenario)
                                        for r in widgets.runs(s, 2, seed=2)])
    results = pd.DataFrame({"admissions_per_year": [190.0, 145.0, 130.0], "admissions_per_year_low": [180.0, 135.0, 120.0],
                            "admissions_per_year_high": [200.0, 155.0, 140.0],
                            "treatment_hours_mean": [52.0, 69.0, 78.0], "treatment_hours_mean_low": [50.0, 66.0, 75.0],
                            "treatment_hours_mean_high": [54.0, 72.0, 81.0]},
                           index=pd.MultiIndex.from_tuples([("short", "high demand"), ("standard", "high demand"),
                                                            ("long", "high demand")]))
    return {"00": None, "01": {"run": run}, "02": {"littles_law": capacity_charts.littles_law_numbers(run.events, s)},
            "03": {"target_hours": 80, "attendance": s.treatment.attendance_mean},
            "04": {"followup": followup}, "05": {"results": results}}


def every_question():
    return [(nb, i) for nb in NOTEBOOKS for i in range(len(quiz.QUESTIONS[nb]))]


@pytest.mark.parametrize("nb, i", every_question())
def test_the_right_answer_passes_and_wrong_ones_fail(contexts, nb, i):
    q, context = quiz.QUESTIONS[nb][i], contexts[nb]
    right = q.correct_answer(context)
    assert q.check(right, context).correct
    assert q.check(right, context).message.startswith("Right")
    if q.numeric:
        assert math.isfinite(right)
        slack = q.allowed_error(context)
        assert q.check(str(right + 0.99 * slack), context).correct  # typed text, inside the tolerance
        assert not q.check(right + slack + max(1.0, abs(right) * 0.05), context).correct
        assert not q.check(right - slack - max(1.0, abs(right) * 0.05), context).correct
        assert not q.check("lots", context).correct
    else:
        choices = q.choices(context)
        assert 2 <= len(choices) and 0 <= right < len(choices)
        assert q.check(choices[right], context).correct  # by its text, as well as by its position
        for wrong in range(len(choices)):
            if wrong not in q.right_options(context):
                result = q.check(wrong, context)
                assert not result.correct and result.message.startswith("Not quite")
        assert not q.check(None, context).correct
    assert q.right and q.wrong and q.text(context)


def test_every_notebook_has_two_to_four_questions():
    for nb in NOTEBOOKS:
        assert 2 <= len(quiz.QUESTIONS[nb]) <= 4


def test_model_answers_come_from_the_run(contexts):
    run = contexts["01"]["run"]
    counts = journey_charts.outcome_counts(run.events, run.scenario)["IOP stays"]
    ended = sum(counts.values()) - counts["still in IOP at the end"]
    assert quiz.QUESTIONS["01"][0].correct_answer(contexts["01"]) == pytest.approx(100 * counts["completed"] / ended)
    little = contexts["02"]["littles_law"]
    assert quiz.QUESTIONS["02"][1].correct_answer(contexts["02"]) == pytest.approx(
        little["admissions_per_day"] * little["mean_stay_days"])
    each = [monitors.kaplan_meier_failure(duration, relapsed, 365.0)
            for duration, relapsed in contexts["04"]["followup"]["completed"]]
    assert len(each) == 2
    assert quiz.QUESTIONS["04"][1].correct_answer(contexts["04"]) == pytest.approx(100 * sum(each) / 2)
    assert quiz.QUESTIONS["05"][0].correct_answer(contexts["05"]) == 0  # short, high demand admits most
    assert quiz.QUESTIONS["05"][1].correct_answer(contexts["05"]) == 2  # long gives the most hours
    assert quiz.QUESTIONS["05"][0].choices(contexts["05"])[0] == "short, high demand"


def test_the_assumption_question_reads_the_parameter_table():
    q = quiz.QUESTIONS["00"][2]
    assert q.correct_answer() == (1 if parameters.info("treatment.attendance_mean").is_assumption else 0) == 1


def test_prompts_quote_the_numbers_their_answers_use(contexts):
    q = quiz.QUESTIONS["03"][0]
    assert "80 hours" in q.text(contexts["03"]) and "80%" in q.text(contexts["03"])
    assert q.correct_answer(contexts["03"]) == pytest.approx(80 / (9 * 0.8))
    other = {"target_hours": 90, "attendance": 0.75}
    assert "90 hours" in q.text(other) and q.correct_answer(other) == pytest.approx(90 / (9 * 0.75))


def test_relative_tolerance():
    q = quiz.Question("How many?", 200.0, "yes", "no", tolerance=0.1, relative=True)
    assert q.check(219, None).correct and not q.check(221, None).correct


def test_a_choice_within_the_noise_of_the_best_counts_and_one_outside_does_not(contexts):
    """05: two programs whose hours differ by less than the noise (76.8 h and 77.4 h) are both right."""
    results = contexts["05"]["results"].copy()
    results.loc[("standard", "high demand"), ["treatment_hours_mean", "treatment_hours_mean_low"]] = [77.4, 74.0]
    results.loc[("long", "high demand"), ["treatment_hours_mean", "treatment_hours_mean_low"]] = [76.8, 73.5]
    q, context = quiz.QUESTIONS["05"][1], {"results": results}
    assert q.check(1, context).correct and q.check(2, context).correct
    assert not q.check(0, context).correct  # 52 h lies far outside the best's interval


def test_the_little_law_answer_is_not_the_seat_count(contexts):
    """02: the product of the run's numbers, within 5%; the seat count (36) is not it at the built-in 80-90% use."""
    q, context = quiz.QUESTIONS["02"][1], contexts["02"]
    assert not q.check(context["littles_law"]["seats"], context).correct


def test_the_time_lapse_question_has_one_literally_true_answer():
    """01: where the extra clients go when IOP is full; no option that is also literally true."""
    q = quiz.QUESTIONS["01"][2]
    assert q.choices()[q.correct_answer()] == "Onto the waitlist"
    assert not any("fills up first" in text for text in (q.prompt, *q.choices()))


def test_widgets_check_the_answer_and_give_feedback(contexts):
    box = quiz.show("02", contexts["02"])
    first = box.children[1]  # after the heading
    prompt, answer, button, feedback, _ = first.children
    assert "0.5 clients a day" in prompt.value
    answer.value = "25"
    button.click()
    assert "Right" in feedback.value
    answer.value = "50"
    button.click()
    assert "Not quite" in feedback.value
    choice = box.children[3]
    _, radio, button, feedback, _ = choice.children
    button.click()  # nothing picked yet
    assert "Pick one" in feedback.value
    radio.value = radio.options[quiz.QUESTIONS["02"][2].correct_answer()]
    button.click()
    assert "Right" in feedback.value
