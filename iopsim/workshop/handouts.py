"""Printable handouts for a workshop: a notebook, a team's results, and the client journey on one page.

    handouts.notebook_handout("notebooks/01_follow_one_client.ipynb", "handouts/warm-up.html")
    handouts.team_handout(result, "Team Blue", "handouts/team-blue.html")   # result: run_workshop
    handouts.team_handouts(result, "handouts/")                              # one per team
    handouts.journey_handout("handouts/journey.html")                        # the one-page summary

Every page is one self-contained HTML file (inline CSS, charts embedded as PNG, no scripts, no
links outside the file) that prints cleanly on A4 or Letter; a browser's "Print" makes the
PDF.  Pages are templates (``handout_*.html``) on the report's base page and stylesheet, numbers
in ``iopsim.core.formatting``'s words.  nbconvert, nbclient and nbformat (installed with
JupyterLab) are loaded only by ``notebook_handout``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from markupsafe import Markup

from iopsim.analysis.catalogue import label
from iopsim.analysis.experiment import replicate
from iopsim.analysis.stats import reading
from iopsim.core import paths
from iopsim.core.formatting import format_interval, format_value, unit_label
from iopsim.core.scenario import Scenario
from iopsim.core.vocabulary import DISCHARGE_CODES
from iopsim.present import html
from iopsim.present.html import Cell, Row
from iopsim.workshop.cards import Card, card_html
from iopsim.workshop.room import Room
from iopsim.workshop.rules import PlanCheck
from iopsim.workshop.submissions import submission_file
from iopsim.workshop.tournament import WorkshopResult
from iopsim.workshop.values import choice, same


# ============================================================================== notebooks
def notebook_handout(notebook: Any, path: Any, *, execute: bool = True, hide_code: bool = True,
                     timeout: int = 600, title: str | None = None) -> Path:
    """A notebook as a printable page: run it (in its own folder), drop the code, keep text and results.

    Cells tagged ``remove-cell`` or ``handout-hide`` are left out; ``remove-input`` hides one
    cell's code even with ``hide_code=False``.  Warnings and progress bars (stderr) are dropped.
    Widgets cannot be printed: they show as their text description, if any.  Uses nbconvert's
    HTML exporter (installed with JupyterLab) with its plain template inside the report's style.
    """
    # optional, each of them (installed with JupyterLab, the [notebooks] extra): loaded only to print a notebook
    import nbformat
    from nbclient import NotebookClient  # optional: as above
    from nbconvert import HTMLExporter  # optional: as above
    from nbconvert.preprocessors import TagRemovePreprocessor  # optional: as above

    source = Path(notebook)
    nb = nbformat.read(source, as_version=4)
    if execute:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(source.parent.resolve())}}).execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input = hide_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    remover = TagRemovePreprocessor(remove_cell_tags={"remove-cell", "handout-hide"},
                                    remove_input_tags={"remove-input"}, enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    body = _self_contained(body)
    heading = title or _first_heading(nb) or source.stem.replace("_", " ")
    # nbconvert's own HTML of the notebook's cells and outputs: written as it is, like a chart's <figure>
    return html.write_page(path, "handout_notebook.html", title=heading, body=Markup(body))


def _first_heading(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _self_contained(body: str) -> str:
    """Drop scripts and anything that would fetch from outside the file (the basic template adds none)."""
    body = re.sub(r"<script\b.*?</script>", "", body, flags=re.S | re.I)
    body = re.sub(r"<link\b[^>]*>", "", body, flags=re.I)
    return body.replace("jp-OutputArea-output", "jp-OutputArea-output nb-output").replace(
        "jp-Cell ", "jp-Cell nb-cell ")


# =========================================================================== team results
def team_handout(result: WorkshopResult, team: str, path: Any) -> Path:
    """A team's results on a printable page: the card, the team's program, the plan against the start of
    that program, KPIs with 95% intervals and paired changes, the verdict sentence, the leaderboard and
    the debrief questions."""
    card = result.card
    if team not in result.leaderboard.index:
        why = result.problems.get(team, "no plan was submitted under this name")
        raise ValueError(f"no results for {team!r}: {why}")
    row = result.leaderboard.loc[team]
    scenario = result.comparison.experiments[team].scenario
    program = result.programs.get(team)
    place = f"{row['place']} of {len(result.leaderboard)}" + (" (tied within noise)" if row["tied_with"] else "")
    return html.write_page(
        path, "handout_team.html", title=f"Workshop results: {team}",
        facts=[("Challenge", card.title), ("Program", result.program_title(team)), ("Place", place),
               ("Replications", str(result.reps)), ("Seed", str(result.seed))],
        card=card_html(card, levers=False, program=program), plan=_plan_table(card, scenario, program),
        limits=_limits_line(card.check(scenario, program)),
        team=team, verdict=row["verdict"], guards=row["guards"], results=_results_table(result, team),
        leaderboard=leaderboard_table(result, compact=True), questions=card.questions)


def team_handouts(result: WorkshopResult, folder: Any) -> dict[str, Path]:
    """One handout per team that ran, named like the team's plan file; returns team -> path."""
    folder = Path(folder)
    return {team: team_handout(result, team, submission_file(folder, team).with_suffix(".html"))
            for team in result.leaderboard.index}


def room_handouts(result: WorkshopResult, room: Room) -> dict[str, Path]:
    """One handout per team of the room that ran, where its team page finds it; returns team name -> path."""
    return {team.name: team_handout(result, team.name, room.handout_file(team)) for team in room.teams()
            if team.name in result.leaderboard.index}


def handouts_zip(paths: Any) -> bytes:
    """Handouts (team name -> file) in one zip for the facilitator to download, numbered in the given order
    (two names may make the same file name: "Team α" and "Team β" are both ``team``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (team, path) in enumerate(paths.items(), start=1):
            archive.write(path, f"{number:02d}-{submission_file('', team).stem}.html")
    return buffer.getvalue()


def leaderboard_table(result: WorkshopResult, *, compact: bool = False) -> Markup:
    """The leaderboard in words (``WorkshopResult.leaderboard_view``) as a table for a page.

    ``compact``: place, team (and its program, where teams chose one), the goal and the change from
    the start, and whether the guards held, short enough for thirteen rows on a 1280 x 720 projector
    or a third of a printed page."""
    view = result.leaderboard_view()
    if compact:
        kpi = result.card.goal.kpi
        board = result.leaderboard
        starts = ["—"] * (len(view) - len(board))
        shown = ["Team", "Program", label(kpi)] if len(result.card.programs) > 1 else ["Team", label(kpi)]
        view = view[shown].assign(**{
            "Against the start": [*board["vs_start_reading"], *starts],
            "Guards": [*("held" if held else "broken" for held in board["guards_hold"]), *starts]})
    rows = [Row(str(place), [Cell(str(v), "") for v in values]) for place, values in view.iterrows()]
    return html.table(["Place", *view.columns], [(None, rows)], "leaderboard")


def _plan_table(card: Card, scenario: Scenario, program: str | None) -> Markup:
    plan = card.plan_of(scenario)
    rows = []
    for path, lever in card.lever_map.items():
        start, mine = card.start_value(path, program), plan[path]
        changed = not same(start, mine)
        mark = " (changed)" if changed else ""
        rows.append(Row(lever.label, [Cell(choice(start), ""),
                                      Cell(choice(mine) + mark, "changed" if changed else "")]))
    return html.table(["lever", "start", "your plan"], [(None, rows)], "plan")


def _limits_line(check: PlanCheck) -> str:
    """The card's limits as the plan meets them, in one sentence (the form shows them as a table)."""
    limits = "; ".join(f"{'' if lim.holds else 'broken: '}{lim.what.lower()} {lim.value} (limit {lim.limit})"
                       for lim in check.limits)
    return (f"Limits: {limits}." if limits else "No limits on this card.") + "".join(
        f" Not allowed: {rule}." for rule in check.rules)


def _results_table(result: WorkshopResult, team: str) -> Markup:
    card = result.card
    start = result.comparison.experiments[result.start_of(team)].summary
    mine = result.comparison.experiments[team].summary
    diffs = result.differences.loc[team]
    guards = {g.kpi for g in card.goal.guards}
    rows = []
    for name in card.kpis:
        unit = start.loc[name, "unit"]
        d = diffs.loc[name]
        kind, words = reading(d, name)
        role = " (goal)" if name == card.goal.kpi else " (guard)" if name in guards else ""

        def mean(s: Any) -> Cell:
            return Cell(format_value(s["mean"], unit, with_unit=False), "num",
                        format_interval(s["ci_low"], s["ci_high"], unit, with_unit=False))

        rows.append(Row(label(name) + role, [
            mean(start.loc[name]), mean(mine.loc[name]),
            Cell(format_value(d["mean_diff"], unit, signed=True, with_unit=False), "num",
                 format_interval(d["ci_low"], d["ci_high"], unit, signed=True, with_unit=False)),
            Cell(unit_label(unit), ""), Cell(words, kind if kind in ("better", "worse") else "")]))
    return html.table(["KPI", "start", team, "change", "unit", "reading"], [(None, rows)], "results")


# ======================================================================= journey summary
def _share(value: Any) -> str:
    return format_value(value, "share")


class JourneyLever(NamedTuple):
    """A lever on the one-page summary: where its value is read, its name, what the model says it tends to
    do, and how its value is told (default: in plain words)."""

    path: str
    name: str
    what: str
    now: Callable[[Any], str] = choice


LEVERS = tuple(JourneyLever(*row) for row in (
    ("referrals.per_week", "Referrals per week",
     "Demand. Below capacity, more referrals mean more admissions; near capacity, they mostly mean longer "
     "waits and more clients lost, and admissions level off."),
    ("intake.assessor_hours_per_week", "Assessor hours per week",
     "Earlier assessment slots, so more clients show up. More of them then queue for an IOP seat."),
    ("intake.mode", "Assessment booked or walk-in",
     "Walk-in removes the booking delay and the no-shows it causes; the queue moves to the waitlist."),
    ("staff.iop_counsellors", "IOP counsellors",
     "Caseload places (IOP caseload cap each) and clinical hours for groups, individual sessions and notes. "
     "Adds capacity only where caseloads or hours are what limits."),
    ("tracks.tracks", "Groups per track",
     "Seats (group cap each). Adds capacity only where counsellors have caseload room and hours to lead the "
     "group; needs a room.",
     lambda tracks: ", ".join(f"{t['name']} {t['groups']}" for t in tracks)),
    ("tracks.tracks", "Days and hours per track",
     "The weekly dose (ASAM level 2.1: at least 9 hours a week). An evening track keeps clients who work.",
     lambda tracks: "; ".join(f"{t['name']} {len(t['days'])} x {t['hours']:g} h" for t in tracks)),
    ("treatment.planned_weeks", "Planned length of IOP",
     "More treatment for each client, but each seat serves fewer clients a year (census = admissions x stay)."),
    ("tracks.admission", "Rolling or cohort admission",
     "Cohorts start together every few weeks: clients wait for the next start even when a seat is free."),
    ("step_down.uptake", "Step-down to standard outpatient",
     "Continuing care after IOP lowers the relapse hazard while it lasts; it needs outpatient caseload places.",
     _share),
    ("aftercare.uptake", "Aftercare (alumni group)",
     "Lowers the relapse hazard while clients attend, which weakens the relapse-readmission loop.", _share),
))
"""Levers on the one-page summary, in the order of the client's journey."""


def journey_handout(path: Any, scenario: Scenario | None = None, *, reps: int = 5, seed: int = 1, years: float = 3) -> Path:
    """The client journey and the key levers on one printable page, with the scenario's own numbers.

    ``scenario``: default the built-in adult SUD IOP.  ``reps`` replications (0 for none) of
    ``years`` simulated years each (after the scenario's warm-up) add what the model makes of it:
    typical waits, losses, discharges and relapse (means; per year where a count).  Three years
    let the 12-month relapse figure follow enough clients for a whole year.
    """
    s = scenario if scenario is not None else Scenario()
    summary = None
    if reps:
        longer = s.replace(**{"run.horizon_days": years * 365.0})
        summary = replicate(longer, reps=reps, seed=seed, workers=1, progress=False).summary.copy()
        summary.attrs["years"] = years
    data = s.to_dict()
    levers = html.table(["lever", "now", "what it tends to do"],
                        [(None, [Row(lv.name, [Cell(lv.now(paths.read(data, lv.path)), ""), Cell(lv.what, "")])
                                 for lv in LEVERS])])
    return html.write_page(
        path, "handout_journey.html", title="The client journey through an IOP, and the levers that shape it",
        scenario=s.name, reps=reps, years=years, seed=seed, stages=_stages(s, summary),
        waits=_waits_and_losses(summary), lost=_kpi(summary, "lost_before_treatment_share") if summary is not None
        else None, levers=levers)


def _stages(s: Scenario, summary: Any) -> list[tuple[str, str]]:
    r, i, p, t, tr, sd, a, rl = (s.referrals, s.intake, s.placement, s.tracks, s.treatment, s.step_down,
                                 s.aftercare, s.relapse)
    pct = lambda x: format_value(x, "share")  # noqa: E731
    curve = ", ".join(f"{pct(prob)} at {days:g} day{'s' if days != 1 else ''}" for days, prob in i.show_curve)
    tracks = "; ".join(f"{tk.name}: {', '.join(tk.days)} at {tk.start_hour:g}:00 for {tk.hours:g} h, "
                       f"{tk.groups} group{'s' if tk.groups != 1 else ''} of up to {tk.group_cap}"
                       for tk in t.tracks)
    weeks = " / ".join(str(w) for w in tr.planned_weeks.values()) + " weeks for " + " / ".join(tr.planned_weeks)
    items = [
        ("Referral", f"about {r.per_week:g} new referrals a week on weekdays; {pct(r.evening_share)} can only come "
                     f"in the evening (work or school); {pct(r.co_occurring_share)} have a co-occurring "
                     f"mental-health condition; {pct(r.prior_episode_share)} were treated before elsewhere. "
                     "Readmissions come on top."),
        ("Intake and assessment", f"{i.assessors} assessor for {i.assessor_hours_per_week:g} hours a week, "
                                  f"{i.assessment_hours:g}-hour assessments, booked at least "
                                  f"{i.booking_lead_days:g} days ahead. The chance of showing up falls with the wait: "
                                  f"{curve}. {pct(i.rebook_probability)} of no-shows rebook once."),
        ("Placement by severity", "IOP for " + ", ".join(f"{pct(v)} of {k}" for k, v in p.iop_share.items())
         + "; the rest go to a higher level of care or straight to standard outpatient."),
        ("IOP waitlist", f"{t.admission} admission; clients wait for a seat in a track they can attend"
                         + (" (clients free by day may also take an evening seat)"
                            if t.day_clients_take_evening_seats else "")
                         + f" and give up after {t.patience_mean_days:g} days on average; some relapse while "
                         f"waiting, and {pct(rl.leave_waitlist_after_relapse)} of those stop waiting. The first "
                         f"session comes {t.admission_lead_days:g} days after placement at the earliest."),
        ("IOP treatment", f"{tracks}. Each counsellor ({s.staff.iop_counsellors} on staff) carries up to "
                          f"{s.staff.iop_caseload_cap} clients and has {s.staff.counsellor_hours_per_week:g} "
                          "clinical hours a week for groups, individual sessions and notes; when hours run short, "
                          "individual sessions give first, then groups. Clients who waited longer drop out more in "
                          f"their first {tr.engagement_weeks} weeks. Plans of about {weeks} severity; "
                          f"{pct(tr.attendance_mean)} attendance on average; {tr.terminate_after_absences} missed "
                          "sessions in a row end in discharge by the program."),
        ("Step-down and aftercare", f"{pct(sd.uptake)} of completers step down to standard outpatient for "
                                    f"{sd.weeks} weeks ({s.staff.op_caseload_cap} clients per counsellor); "
                                    f"{pct(a.uptake)} join aftercare for {a.days:g} days, which lowers the relapse "
                                    f"hazard to {a.hazard_multiplier:g} times while it lasts."),
        ("Relapse and return", "the risk of relapse is highest just after discharge and falls with time, lower "
                               "the longer a client stayed in treatment and for completers; "
                               f"{pct(rl.readmission_probability)} of spells of use end in a new request for "
                               f"treatment, after about {rl.readmission_delay_mean_days:g} days."),
    ]
    if summary is not None:
        v = lambda k: _kpi(summary, k)  # noqa: E731
        extra = {
            "IOP waitlist": f" Seats in use: {v('seat_utilisation')}.",
            "IOP treatment": f" Completed: {v('share_completed')} of discharges; median stay {v('los_median_days')}.",
            "Relapse and return": f" Relapsed within 12 months of discharge: {v('relapse_12m_after_discharge')}; "
                                  f"referrals that are readmissions: {v('readmission_share')}.",
        }
        items = [(stage, text + extra.get(stage, "")) for stage, text in items]
    return items


def _waits_and_losses(summary: Any) -> Markup:
    rows = [
        ("Referral to assessment", "waiting for a slot; every day of delay lowers the chance of showing up",
         (("median wait", "wait_referral_to_assessment_median_days"), ("did not show", "lost_no_show"))),
        ("Assessment to first group", "waiting for a seat and a counsellor's caseload place; some give up, some "
         "relapse while waiting",
         (("median wait", "wait_assessment_to_start_median_days"), ("left the waitlist", "lost_reneged"))),
        ("In IOP", "dropping out (most often in the first weeks) or discharged after missed sessions",
         (("median stay", "los_median_days"), (DISCHARGE_CODES["dropped_out"].name, "share_dropped_out"))),
        ("After discharge", "relapse, most often in the first months; many come back as readmissions",
         (("relapsed by 3 months", "relapse_3m_after_discharge"), ("by 12 months", "relapse_12m_after_discharge"))),
    ]
    head = ["stage", "what happens"] + (["the model (counts per year)"] if summary is not None else [])
    body = [Row(where, [Cell(what, "")] + ([Cell("; ".join(f"{words} {_kpi(summary, k)}" for words, k in figures), "")]
                                           if summary is not None else []))
            for where, what, figures in rows]
    return html.table(head, [(None, body)])


def _kpi(summary: Any, name: str) -> str:
    """The mean over the replications, in the KPI's unit; counts of clients per year ("n/a" without figures)."""
    if summary is None or name not in summary.index:
        return "n/a"
    value, unit = summary.loc[name, "mean"], summary.loc[name, "unit"]
    if unit == "clients" and "years" in summary.attrs:
        return format_value(value / summary.attrs["years"], "clients/year")
    return format_value(value, unit)
