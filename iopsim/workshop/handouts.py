"""Printable handouts for a workshop: a notebook, a team's results, and the client journey on one page.

    handouts.notebook_handout("notebooks/01_follow_one_client.ipynb", "handouts/warm-up.html")
    handouts.team_handout(result, "Team Blue", "handouts/team-blue.html")   # result: run_workshop
    handouts.team_handouts(result, "handouts/")                              # one per team
    handouts.journey_handout("handouts/journey.html")                        # the one-page summary

Every page is one self-contained HTML file (inline CSS, charts embedded as PNG, no scripts, no
links outside the file) that prints cleanly on A4 or Letter; a browser's "Print" makes the
PDF.  Pages share the look and the number formats of ``iopsim.present.report``.  nbconvert,
nbclient and nbformat (installed with JupyterLab) are loaded only by ``notebook_handout``.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from iopsim import __version__
from iopsim.analysis.experiment import replicate
from iopsim.core.scenario import Scenario
from iopsim.present.report import (HOW_TO_READ, _header, _section, _write_page, direction_words, format_interval,
                                   format_value, label, unit_label)
from iopsim.workshop.cards import START, Card, goal_words, limits_words
from iopsim.workshop.charts import leaderboard_chart
from iopsim.workshop.submissions import submission_file
from iopsim.workshop.tournament import WorkshopResult
from iopsim.workshop.values import get_path, same, show

HANDOUT_CSS = """
.nb-cell { margin: 0.4em 0 0.9em; }
.nb-output pre { background: #f6f6f6; padding: 0.5em 0.8em; font-size: 0.85em; white-space: pre-wrap; }
.nb-output img { max-width: 100%; height: auto; }
.nb-output table { width: auto; }
table.plan td.changed { font-weight: 600; }
ol.journey li { margin-bottom: 0.35em; }
.notes { border: 1px solid #999; min-height: 5em; margin: 0.3em 0 1em; }
.compact { font-size: 0.92em; line-height: 1.35; }
.compact h1 { font-size: 1.45em; margin-bottom: 0.1em; }
.compact h2 { margin-top: 0.9em; margin-bottom: 0.3em; font-size: 1.1em; }
.compact p.facts { color: #333; margin: 0 0 0.4em; }
.compact table { margin: 0.3em 0 0.5em; } .compact th, .compact td { padding: 0.15em 0.4em; }
.compact ol.journey { columns: 2; column-gap: 2em; padding-left: 1.2em; margin: 0.3em 0; }
.compact ol.journey li { break-inside: avoid; margin-bottom: 0.25em; }
.compact ul { margin: 0.3em 0; }
@media print { .compact { font-size: 8pt; line-height: 1.25; } .compact h1 { font-size: 13pt; } .compact h2 { font-size: 10pt; }
               .compact + footer { margin-top: 0.8em; font-size: 7pt; } .nb-cell { break-inside: avoid; } }
@page { margin: 12mm; }
"""


# ============================================================================== notebooks
def notebook_handout(notebook: Any, path: Any, *, execute: bool = True, hide_code: bool = True,
                     timeout: int = 600, title: str | None = None) -> Path:
    """A notebook as a printable page: run it (in its own folder), drop the code, keep text and results.

    Cells tagged ``remove-cell`` or ``handout-hide`` are left out; ``remove-input`` hides one
    cell's code even with ``hide_code=False``.  Warnings and progress bars (stderr) are dropped.
    Widgets cannot be printed: they show as their text description, if any.  Uses nbconvert's
    HTML exporter (installed with JupyterLab) with its plain template inside the report's style.
    """
    # optional (installed with JupyterLab, the [notebooks] extra): loaded only to print a notebook
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

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
    return _write_page(path, heading, [f"<style>{HANDOUT_CSS}</style>",
                                       f"<div class='notebook'>{body}</div>"])


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
    """A team's results on a printable page: the card, the plan against the start, KPIs with 95%
    intervals and paired changes, the verdict sentence, the leaderboard and the debrief questions."""
    card = result.card
    if team not in result.leaderboard.index:
        why = result.problems.get(team, "no plan was submitted under this name")
        raise ValueError(f"no results for {team!r}: {why}")
    row = result.leaderboard.loc[team]
    scenario = result.comparison.experiments[team].scenario
    check = card.check(scenario)
    place = f"{row['place']} of {len(result.leaderboard)}" + (" (tied within noise)" if row["tied_with"] else "")
    title = f"Workshop results: {team}"
    body = [
        f"<style>{HANDOUT_CSS}</style>",
        _header(title, [("Challenge", card.title), ("Place", place), ("Replications", str(result.reps)),
                        ("Seed", str(result.seed))]),
        _section("The challenge", f"<p>{escape(card.story)}</p><p><strong>Goal:</strong> "
                 f"{escape(goal_words(card))}</p><p><strong>Limits:</strong> "
                 f"{escape(limits_words(card))}</p>"),
        _section("Your plan and the start", _plan_table(card, scenario) + check.html()),
        _section("Verdict", f"<p class='verdict'>{escape(team)}, compared with the start: "
                 f"{escape(row['verdict'])}.</p><p>Guards: {escape(row['guards'])}.</p>"),
        _section("Results with 95% intervals", _results_table(result, team)),
        _section("Leaderboard", result.leaderboard_view().reset_index().to_html(index=False, border=0, escape=True)
                 + leaderboard_chart(result).html()),
    ]
    if card.questions:
        body.append(_section("For the debrief", "".join(f"<p><strong>{escape(q)}</strong></p><div class='notes'></div>"
                                                       for q in card.questions)))
    body.append(_section("How to read this", HOW_TO_READ))
    return _write_page(path, title, body)


def team_handouts(result: WorkshopResult, folder: Any) -> dict[str, Path]:
    """One handout per team that ran, named like the team's plan file; returns team -> path."""
    folder = Path(folder)
    return {team: team_handout(result, team, submission_file(folder, team).with_suffix(".html"))
            for team in result.leaderboard.index}


def _plan_table(card: Card, scenario: Scenario) -> str:
    plan = card.plan_of(scenario)
    rows = []
    for path, lever in card.lever_map.items():
        start, mine = card.start_value(path), plan[path]
        changed = not same(start, mine)
        rows.append(f"<tr><th scope='row'>{escape(lever.label)}</th><td>{escape(_words(start))}</td>"
                    f"<td class='{'changed' if changed else ''}'>{escape(_words(mine))}"
                    f"{' (changed)' if changed else ''}</td></tr>")
    return ("<table class='plan'><thead><tr><th scope='col'>lever</th><th scope='col'>start</th>"
            "<th scope='col'>your plan</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _results_table(result: WorkshopResult, team: str) -> str:
    card = result.card
    start = result.comparison.experiments[START].summary
    mine = result.comparison.experiments[team].summary
    diffs = result.comparison.differences.loc[team]
    rows = []
    for name in card.kpis:
        unit = start.loc[name, "unit"]
        d = diffs.loc[name]
        words = direction_words(d, name)
        role = " (goal)" if name == card.goal.kpi else " (guard)" if name in {g.kpi for g in card.goal.guards} else ""

        def cell(s: Any) -> str:
            return (f"<td class='num'>{escape(format_value(s['mean'], unit, with_unit=False))}<br><small>"
                    f"{escape(format_interval(s['ci_low'], s['ci_high'], unit, with_unit=False))}</small></td>")

        rows.append(f"<tr><th scope='row'>{escape(label(name) + role)}</th>{cell(start.loc[name])}{cell(mine.loc[name])}"
                    f"<td class='num'>{escape(format_value(d['mean_diff'], unit, signed=True, with_unit=False))}<br>"
                    f"<small>{escape(format_interval(d['ci_low'], d['ci_high'], unit, signed=True, with_unit=False))}"
                    f"</small></td><td>{escape(unit_label(unit))}</td>"
                    f"<td class='{words if words in ('better', 'worse') else ''}'>{escape(words)}</td></tr>")
    return ("<p>Mean over the replications with its 95% interval underneath; the change is the paired "
            "difference from the start (same clients, replication by replication).</p>"
            "<table class='results'><thead><tr><th scope='col'>KPI</th><th scope='col'>start</th>"
            f"<th scope='col'>{escape(team)}</th><th scope='col'>change</th><th scope='col'>unit</th>"
            "<th scope='col'>reading</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


# ======================================================================= journey summary
LEVERS = (
    ("referrals.per_week", "Referrals per week",
     "Demand. Below capacity, more referrals mean more admissions; near capacity, they mostly mean longer "
     "waits and more clients lost, and admissions level off."),
    ("intake.assessor_hours_per_week", "Assessor hours per week",
     "Earlier assessment slots, so more clients show up. More of them then queue for an IOP seat."),
    ("intake.mode", "Assessment booked or walk-in",
     "Walk-in removes the booking delay and the no-shows it causes; the queue moves to the waitlist."),
    ("staff.iop_counsellors", "IOP counsellors",
     "Caseload places (IOP caseload cap each). Adds capacity only where there are seats to match."),
    ("tracks.tracks", "Groups per track",
     "Seats (group cap each). Adds capacity only where counsellors have caseload room; needs a room."),
    ("tracks.tracks.days", "Days and hours per track",
     "The weekly dose (ASAM level 2.1: at least 9 hours a week). An evening track keeps clients who work."),
    ("treatment.planned_weeks", "Planned length of IOP",
     "More treatment for each client, but each seat serves fewer clients a year (census = admissions x stay)."),
    ("tracks.admission", "Rolling or cohort admission",
     "Cohorts start together every few weeks: clients wait for the next start even when a seat is free."),
    ("step_down.uptake", "Step-down to standard outpatient",
     "Continuing care after IOP lowers the relapse hazard while it lasts; it needs outpatient caseload places."),
    ("aftercare.uptake", "Aftercare (alumni group)",
     "Lowers the relapse hazard while clients attend, which weakens the relapse-readmission loop."),
)
"""Levers on the one-page summary: dotted path, name, and what the model says each tends to do."""


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
    title = "The client journey through an IOP, and the levers that shape it"
    body = [
        f"<style>{HANDOUT_CSS}</style>",
        "<div class='compact'>",
        f"<header><h1>{escape(title)}</h1><p class='facts'>{escape(s.name)}. Figures: the model's parameters"
        + (f" and the mean of {reps} runs of {years:g} simulated years (seed {seed})" if reps else "")
        + f"; iopsim {escape(__version__)}.</p></header>",
        _section("The journey, stage by stage", _stages(s, summary)),
        _section("Where waits and losses arise", _waits_and_losses(summary)),
        _section("The levers and what each tends to do", _levers(s)),
        _section("Three things the model shows",
                 "<ul><li><strong>Near full is not fine:</strong> waits and losses grow sharply, not steadily, as "
                 "seats and staff approach full use.</li><li><strong>Capacity has several parts:</strong> seats, "
                 "caseloads and assessor time must grow together; the scarcest sets the pace.</li>"
                 "<li><strong>Relapse feeds demand:</strong> relapsed clients come back as referrals; step-down and "
                 "aftercare weaken the loop. 40–60% relapse within a year is like other chronic illnesses: a "
                 "reason for continuing care, not proof that treatment fails.</li></ul>"),
        "</div>",
    ]
    return _write_page(path, title, body)


def _stages(s: Scenario, summary: Any) -> str:
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
                     "mental-health condition. Readmissions come on top."),
        ("Intake and assessment", f"{i.assessors} assessor for {i.assessor_hours_per_week:g} hours a week, "
                                  f"{i.assessment_hours:g}-hour assessments, booked at least "
                                  f"{i.booking_lead_days:g} days ahead. The chance of showing up falls with the wait: "
                                  f"{curve}. {pct(i.rebook_probability)} of no-shows rebook once."),
        ("Placement by severity", "IOP for " + ", ".join(f"{pct(v)} of {k}" for k, v in p.iop_share.items())
         + "; the rest go to a higher level of care or straight to standard outpatient."),
        ("IOP waitlist", f"{t.admission} admission; clients wait for a seat in a track they can attend and give up "
                         f"after {t.patience_mean_days:g} days on average."),
        ("IOP treatment", f"{tracks}. Each counsellor ({s.staff.iop_counsellors} on staff) carries up to "
                          f"{s.staff.iop_caseload_cap} clients. Plans of about {weeks} severity; "
                          f"{pct(tr.attendance_mean)} attendance on average; {tr.terminate_after_absences} missed "
                          "sessions in a row end in discharge by the program."),
        ("Step-down and aftercare", f"{pct(sd.uptake)} of completers step down to standard outpatient for "
                                    f"{sd.weeks} weeks ({s.staff.op_caseload_cap} clients per counsellor); "
                                    f"{pct(a.uptake)} join aftercare for {a.days:g} days, which lowers the relapse "
                                    f"hazard to {a.hazard_multiplier:g} times while it lasts."),
        ("Relapse and return", "the risk of relapse is highest just after discharge and falls with time, lower "
                               f"for completers; {pct(rl.readmission_probability)} of relapses come back as a "
                               f"referral after about {rl.readmission_delay_mean_days:g} days."),
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
    return "<ol class='journey'>" + "".join(f"<li><strong>{escape(stage)}:</strong> {escape(text)}</li>"
                                            for stage, text in items) + "</ol>"


def _waits_and_losses(summary: Any) -> str:
    rows = [
        ("Referral to assessment", "waiting for a slot; every day of delay lowers the chance of showing up",
         (("median wait", "wait_referral_to_assessment_median_days"), ("did not show", "lost_no_show"))),
        ("Assessment to first group", "waiting for a seat and a counsellor's caseload place; some give up",
         (("median wait", "wait_assessment_to_start_median_days"), ("left the waitlist", "lost_reneged"))),
        ("In IOP", "dropping out (most often in the first weeks) or discharged after missed sessions",
         (("median stay", "los_median_days"), ("dropped out", "share_dropped_out"))),
        ("After discharge", "relapse, most often in the first months; many come back as readmissions",
         (("relapsed by 3 months", "relapse_3m_after_discharge"), ("by 12 months", "relapse_12m_after_discharge"))),
    ]
    head = "<th scope='col'>the model (counts per year)</th>" if summary is not None else ""
    body = []
    for where, what, figures in rows:
        cell = ("<td>" + escape("; ".join(f"{words} {_kpi(summary, k)}" for words, k in figures)) + "</td>"
                if summary is not None else "")
        body.append(f"<tr><th scope='row'>{escape(where)}</th><td>{escape(what)}</td>{cell}</tr>")
    lost = (f"<p>All in all, {escape(_kpi(summary, 'lost_before_treatment_share'))} of referrals are lost before "
            "treatment (no-show or left the waitlist).</p>") if summary is not None else ""
    return (f"<table><thead><tr><th scope='col'>stage</th><th scope='col'>what happens</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{lost}")


def _levers(s: Scenario) -> str:
    data = s.to_dict()
    rows = []
    for path, name, what in LEVERS:
        rows.append(f"<tr><th scope='row'>{escape(name)}</th><td>{escape(_default(data, path))}</td>"
                    f"<td>{escape(what)}</td></tr>")
    return ("<table><thead><tr><th scope='col'>lever</th><th scope='col'>now</th><th scope='col'>"
            "what it tends to do</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _default(data: dict, path: str) -> str:
    """The scenario's value of a lever in a few words (tracks summarised)."""
    if path == "tracks.tracks":
        return ", ".join(f"{t['name']} {t['groups']}" for t in data["tracks"]["tracks"])
    if path == "tracks.tracks.days":
        return "; ".join(f"{t['name']} {len(t['days'])} x {t['hours']:g} h" for t in data["tracks"]["tracks"])
    value = get_path(data, path)
    if isinstance(value, float) and path.endswith("uptake"):
        return format_value(value, "share")
    return _words(value)


def _kpi(summary: Any, name: str) -> str:
    """The mean over the replications, in the KPI's unit; counts of clients per year ("n/a" without figures)."""
    if summary is None or name not in summary.index:
        return "n/a"
    value, unit = summary.loc[name, "mean"], summary.loc[name, "unit"]
    if unit == "clients" and "years" in summary.attrs:
        return format_value(value / summary.attrs["years"], "clients/year")
    return format_value(value, unit)


def _words(value: Any) -> str:
    """A parameter's value on a page: a mapping as "key value, ...", underscores as spaces."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {show(v)}" for k, v in value.items())
    return show(value).replace("_", " ")
