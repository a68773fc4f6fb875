"""Self-check questions for the course notebooks: questions as data, answers checked by code.

    from iopsim.course import quiz
    quiz.show("02", context)            # the notebook's questions as widgets (Check button, feedback)
    q = quiz.QUESTIONS["02"][0]
    q.check("25", context)              # Feedback(correct=True, message="Right: ...")

A question is either multiple choice (``options``, and ``answer`` the index of the right one) or
numeric (``answer`` a number, right within ``tolerance``).  Where the right answer comes from
the model rather than from a textbook, ``answer`` is a function of the notebook's ``context``
(a run, a table of results, a dict of numbers the notebook computed), so it stays true when the
defaults change: the question asks about *this* run, and the code reads the same run.

``context`` is whatever the notebook hands to ``show``; each model-derived question names what
it needs in ``needs`` (e.g. "run": a SimulationRun).  A prompt may hold ``{name}`` fields, filled
from a dict context, so the question quotes the numbers its answer is computed from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from iopsim.core import parameters
from iopsim.course.chart_basics import MONTH
from iopsim.course.journey_charts import outcome_counts
from iopsim.course.relapse_charts import relapse_band
from iopsim.course.session import stale_note


class Feedback(NamedTuple):
    correct: bool
    message: str


@dataclass(frozen=True)
class Question:
    """A self-check question with feedback for a right and a wrong answer.

    answer: the index of the right option (multiple choice) or the right number; or a function
    ``answer(context)`` returning either, for answers read from the model.
    tolerance: for numbers, how far off still counts as right (absolute); ``relative`` makes it a
    share of the right answer instead.
    """

    prompt: str
    answer: int | float | Callable[[Any], int | float]
    right: str
    wrong: str
    options: tuple[str, ...] = ()
    tolerance: float = 0.0
    relative: bool = False
    unit: str = ""
    needs: str = ""  # what the context must hold, for model-derived answers
    options_from: Callable[[Any], Sequence[str]] | None = field(default=None, compare=False)
    also_right: Callable[[Any], set[int]] | None = field(default=None, compare=False)
    """For choices read from simulated results: the options as good as ``answer`` within the noise."""

    @property
    def numeric(self) -> bool:
        return not self.options and self.options_from is None

    def text(self, context: Any = None) -> str:
        """The prompt, with ``{name}`` fields filled from a dict context (numbers the notebook computed)."""
        if isinstance(context, dict) and "{" in self.prompt:
            try:
                return self.prompt.format_map(context)
            except (KeyError, ValueError, IndexError):
                return self.prompt
        return self.prompt

    def choices(self, context: Any = None) -> tuple[str, ...]:
        return tuple(self.options_from(context)) if self.options_from is not None else self.options

    def correct_answer(self, context: Any = None) -> int | float:
        """The right answer: an option index or a number (computed from `context` where it comes from the model)."""
        value = self.answer(context) if callable(self.answer) else self.answer
        return int(value) if not self.numeric else float(value)

    def right_options(self, context: Any = None) -> set[int]:
        """Every option that counts as right: the answer, and those within the noise of it."""
        right = {self.correct_answer(context)}
        return right | (self.also_right(context) if self.also_right is not None else set())

    def allowed_error(self, context: Any = None) -> float:
        return self.tolerance * abs(self.correct_answer(context)) if self.relative else self.tolerance

    def check(self, response: Any, context: Any = None) -> Feedback:
        """Whether `response` (an option index or its text; a number or its text) is right, with feedback."""
        right = self.correct_answer(context)
        if self.numeric:
            try:
                given = float(str(response).replace(",", "").replace("%", "").strip())
            except ValueError:
                return Feedback(False, "Type a number (digits only), then press Check.")
            ok = math.isfinite(given) and abs(given - right) <= self.allowed_error(context) + 1e-9
            shown = _number(right) + (f" {self.unit}" if self.unit else "")
            return Feedback(ok, f"Right: {shown}. {self.right}" if ok else f"Not quite. {self.wrong}")
        choices = self.choices(context)
        index = choices.index(response) if isinstance(response, str) and response in choices else response
        if not isinstance(index, int) or not 0 <= index < len(choices):
            return Feedback(False, "Pick one of the answers, then press Check.")
        ok = index in self.right_options(context)
        return Feedback(ok, f"Right. {self.right}" if ok else f"Not quite. {self.wrong}")


def _number(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


# --------------------------------------------------------------------------- answers read from the model
def _assumption_index(path: str) -> Callable[[Any], int]:
    """Option 1 ('an assumption') if the parameter's source is an assumption, else option 0 ('a published study')."""

    def answer(_context: Any) -> int:
        return 1 if parameters.info(path).is_assumption else 0

    return answer


def _completed_percent(context: Any) -> float:
    """Completed IOP stays as a percentage of the stays that ended, as the outcome flow chart counts them."""
    run = context["run"]
    stays = outcome_counts(run.events, run.scenario)["IOP stays"]
    ended = sum(stays.values()) - stays["still in IOP at the end"]
    return 100.0 * stays["completed"] / ended


def _relapsed_by_12_months(group: str) -> Callable[[Any], float]:
    """Percentage relapsed by 12 months in one group of the notebook's follow-up, as its curve shows it
    (the mean of the replications' Kaplan-Meier curves)."""

    def answer(context: Any) -> float:
        mean, _low, _high = relapse_band(context["followup"][group], [12 * MONTH])
        return 100.0 * float(mean[0])

    return answer


def _littles_law(context: Any) -> float:
    return float(context["littles_law"]["predicted"])


def _best_row(column: str) -> Callable[[Any], int]:
    """The position of the row of context['results'] with the highest mean `column`."""

    def answer(context: Any) -> int:
        return int(np.argmax(context["results"][column].to_numpy(float)))

    return answer


def _as_good(column: str) -> Callable[[Any], set[int]]:
    """Rows whose mean `column` reaches into the best row's 95% interval: within the noise of the best."""

    def rows(context: Any) -> set[int]:
        results = context["results"]
        best = results.iloc[_best_row(column)(context)]
        return {i for i, v in enumerate(results[column].to_numpy(float)) if v >= best[f"{column}_low"]}

    return rows


def _rows(context: Any) -> list[str]:
    return [", ".join(map(str, key)) if isinstance(key, tuple) else str(key) for key in context["results"].index]


def _weeks_for_dose(context: Any) -> float:
    return float(context["target_hours"]) / (9.0 * float(context["attendance"]))


# --------------------------------------------------------------------------- the course's questions
YES_NO = ("Yes", "No")

QUESTIONS: dict[str, list[Question]] = {
    "00": [
        Question("An adult Intensive Outpatient Program (ASAM level 2.1) usually offers at least how many hours "
                 "of treatment a week?", 9, "ASAM puts the usual intensity of adult IOP at 9 hours a week or more (6 "
                 "for adolescents); high-intensity outpatient (2.5; partial hospitalisation in the 3rd edition) at "
                 "20 or more. Hours describe a level: who belongs in it is decided by a multidimensional "
                 "assessment.", "Look again at the levels of care table: IOP for adults usually starts at 9 hours "
                 "a week.", unit="hours"),
        Question("What does this simulation tell you?",
                 1, "It shows how a program with these rules tends to behave for many synthetic clients; it is "
                 "not a forecast for a real person.",
                 "The clients are synthetic and every run is one possible year: the model teaches how the "
                 "program behaves, it does not predict what happens to a person.",
                 options=("What will happen to a particular client of ours",
                          "How a program with these rules tends to behave, for many synthetic clients",
                          "Exactly how many clients we will admit next year")),
        Question("The default chance that a client attends a scheduled group session is 80%. Where does that "
                 "number come from?", _assumption_index("treatment.attendance_mean"),
                 "The parameter table flags it: no published figure was found, so it is an assumption to "
                 "replace with your own program's figure.",
                 "Find 'attendance_mean' in the parameter table and read its source column.",
                 options=("A published study", "An assumption (no published figure found)"), needs="nothing"),
    ],
    "01": [
        Question("In the run above, what percentage of IOP discharges completed treatment? (Read the outcome "
                 "flow chart or its summary; within 5 points counts.)", _completed_percent,
                 "National data (TEDS 2004) show about 38% of IOP discharges completing.",
                 "Count 'completed' in the IOP stays bar and divide by the IOP discharges (stays minus those "
                 "still in IOP at the end).", tolerance=5.0, unit="%", needs="run"),
        Question("A client who is 'transferred' at IOP discharge has...", 2,
                 "Transferred means moved to another level of care before finishing: an early step-down to "
                 "standard outpatient, or a step-up to high-intensity outpatient or residential.",
                 "Transferred is a TEDS discharge code: moved to another level of care before finishing the plan.",
                 options=("finished the treatment plan", "stopped coming",
                          "moved to another level of care before finishing the plan")),
        Question("In the time-lapse, the IOP boxes are full and more clients are placed in IOP. Where do they "
                 "go?", 1, "Seats are capped, so the extra clients wait: the waitlist grows while the IOP boxes stay "
                 "full.", "IOP boxes cannot hold more than their seats; look at where the extra clients go.",
                 options=("Into IOP all the same", "Onto the waitlist", "Straight to aftercare")),
    ],
    "02": [
        Question("A program admits 0.5 clients a day and each stays 50 days on average. About how many clients "
                 "are in the program at any time?", 25.0, "Little's law: 0.5 a day x 50 days = 25 clients.",
                 "Multiply admissions a day by the mean stay (Little's law).", tolerance=1.0, unit="clients"),
        Question("Using the numbers under the Little's law chart of your run: admissions a day x mean stay gives "
                 "how many clients? (Within 5% counts.)", _littles_law, "The run's own numbers obey Little's law: "
                 "the census is admissions a day x mean stay.", "Multiply the two numbers printed under the chart.",
                 tolerance=0.05, relative=True, unit="clients", needs="littles_law: capacity_charts.littles_law_numbers"),
        Question("Seats are about 90% full and referrals rise by 20%. What happens to the number of clients who "
                 "give up waiting?", 1, "Near full use losses grow far faster than demand: the hockey stick (in the "
                 "sweep, from 10 to 12 referrals a week they rise by about 40%).",
                 "Look at the hockey-stick chart: the last steps towards full seats cost the most.",
                 options=("It rises by about 20%", "It rises by clearly more than 20%", "It stays about the same")),
        Question("In the built-in program, adding a day group hardly changes admissions; adding an evening group "
                 "raises them. What limits the built-in program?", 1,
                 "Clients who work or study by day can only come in the evening: the evening seats are the limit, "
                 "and only relieving the limit helps.", "Compare adding a day group with adding an evening group in "
                 "the first panel.", options=("The day seats", "The evening seats", "The counsellors")),
    ],
    "03": [
        Question("A track meets 3 days a week for 3 hours. A client attends {attendance:.0%} of sessions. How many "
                 "weeks until they have had {target_hours:g} hours of groups?", _weeks_for_dose,
                 "Hours a week = 3 x 3 x attendance; weeks = target hours / hours a week.",
                 "Hours a week = days x hours x attendance; weeks = target hours / hours a week.",
                 tolerance=0.5, unit="weeks", needs="target_hours, attendance"),
        Question("A team moves from 3 to 5 days a week and shortens its plans so each client gets the same dose "
                 "as before. Where seats are full, the seats can serve...", 0,
                 "Each client reaches the dose in fewer weeks, so each seat turns over more often (Little's law). "
                 "Without shorter plans, 5 days give more hours in the same weeks, and no more clients.",
                 "Fewer weeks per client means each seat is freed sooner.",
                 options=("more clients a year", "fewer clients a year", "the same number of clients")),
        Question("Without an evening track, which clients are most often lost from the waitlist?", 0,
                 "Clients who work or study by day cannot attend day groups; without evening groups they wait "
                 "until they give up.", "Compare the two groups of bars in the evening-track chart.",
                 options=("Clients who work or study by day", "Clients free in the day", "Both equally")),
    ],
    "04": [
        Question("NIDA says treatment reduces drug use by 40-60%. Does that mean 40-60% of clients relapse "
                 "within a year?", 1, "They are different quantities that happen to share the range: relapse "
                 "within a year (40-60%, McLellan 2000) is a share of people; the 40-60% reduction is how much "
                 "less drug use treatment brings.", "One number is a share of people who relapse, the other a "
                 "reduction in how much drugs are used.", options=YES_NO),
        Question("In your run, what percentage of clients who completed IOP relapsed within 12 months? (Read the "
                 "curves or their summary; within 5 points counts.)", _relapsed_by_12_months("completed"),
                 "Completers relapse less than those who drop out, but many still relapse: relapse is common "
                 "in a chronic condition.", "Read the completers' curve at 12 months.", tolerance=5.0, unit="%",
                 needs="followup: relapse_charts.by_group"),
        Question("Relapse rises. What happens to waits for a seat, other things equal?", 0,
                 "More relapse means more readmissions, more demand and longer waits: the feedback loop.",
                 "Relapsed clients come back as referrals; where do they go?",
                 options=("They get longer", "They get shorter", "Nothing: relapse happens after discharge")),
    ],
    "05": [
        Question("In the table above, which program admits the most clients a year? (Any within the noise of "
                 "the first counts.)", _best_row("admissions_per_year"),
                 "Shorter stays free seats sooner, so more clients get in, most of all where demand is high.",
                 "Look at the admissions column, and its intervals.", options_from=_rows,
                 also_right=_as_good("admissions_per_year"), needs="results: program_charts.kpi_intervals"),
        Question("In the table above, which program gives each client the most hours of treatment? (Any within "
                 "the noise of the first counts.)", _best_row("treatment_hours_mean"),
                 "Longer plans give each client more treatment, at either demand.",
                 "Look at the treatment hours column, and its intervals.", options_from=_rows,
                 also_right=_as_good("treatment_hours_mean"), needs="results: program_charts.kpi_intervals"),
        Question("Is there a program length that is best on every measure?", 1,
                 "No: a longer program gives each client who gets in more treatment and a lower chance of "
                 "relapse, but admits fewer and makes others wait longer; which matters more depends on "
                 "demand.", "Compare admissions and waits with treatment "
                 "hours and relapse: does one row win every column?", options=YES_NO),
    ],
}


# --------------------------------------------------------------------------- widgets
def widget(question: Question, context: Any = None, number: int | None = None):
    """One question as a widget: prompt, answer box (radio buttons or a number), Check button, feedback."""
    import ipywidgets as w  # optional dependency, lazy: the questions and their checks work without it

    head = f"{number}. " if number is not None else ""
    prompt = w.HTML(f"<p style='font-size: 13pt; margin-bottom: 0.2em'><b>{head}</b>{escape(question.text(context))}</p>")
    if question.numeric:
        box = w.Text(placeholder="type a number" + (f" ({question.unit})" if question.unit else ""),
                     layout=w.Layout(width="16em"))
    else:
        box = w.RadioButtons(options=list(question.choices(context)), value=None, layout=w.Layout(width="auto"))
    button = w.Button(description="Check", button_style="info")
    feedback = w.HTML("")
    out = w.Output()  # where a failure would show (JupyterLab and Voila hide errors raised in callbacks)

    @out.capture()
    def check(_button) -> None:
        response = box.value if question.numeric else (box.index if box.value is not None else None)
        result = question.check(response, context)
        colour = "#009E73" if result.correct else "#D55E00"  # Okabe-Ito green / vermillion; the words say it too
        feedback.value = f"<p style='font-size: 13pt; color: {colour}'>{escape(result.message)}</p>"

    button.on_click(check)
    return w.VBox([prompt, box, button, feedback, out], layout=w.Layout(margin="0 0 1em 0"))


def show(notebook: str, context: Any = None):
    """The notebook's self-check questions, one under another."""
    import ipywidgets as w  # optional dependency, lazy: the questions and their checks work without it

    questions = QUESTIONS[notebook]
    return w.VBox([w.HTML("<h3>Check yourself</h3>")] +
                  [widget(q, context, i + 1) for i, q in enumerate(questions)] +
                  [w.HTML(stale_note("Check"))])
