"""The ``iopsim`` command: write, check, run and compare scenarios without writing Python.

    iopsim defaults -o my_program.yaml        # the built-in program as a commented file to edit
    iopsim validate my_program.yaml           # every problem in the file, listed at once
    iopsim run my_program.yaml --reps 50 --seed 1 --out results/
    iopsim compare my_program.yaml more_staff.yaml --reps 50 --out comparison/

Every error is one clear message on stderr and a non-zero exit status, never a traceback:
2 for a mistake in the command itself (a missing argument, ``--reps 0``, an unknown KPI name),
1 for invalid input (a missing or malformed scenario file, a folder holding another
experiment), 130 when stopped with Ctrl-C.  Set ``IOPSIM_DEBUG=1`` to see the traceback of an
unexpected error.

Nothing heavy is imported until a command needs it, so ``iopsim --help`` answers at once: the
experiments load through the ``iopsim`` facade on first use, and the report (pandas, matplotlib)
is imported by the commands that write it (``tests/test_cli.py`` holds this).

Over 500 lines because every command's parser, help text and handler sit together here, so one
file shows the whole command line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence

import iopsim
from iopsim.analysis.catalogue import KEY, NAMES
from iopsim.analysis.work_limits import MAX_REPS, WorkerCrashed
from iopsim.core import presets
from iopsim.core.errors import ProblemsError, ScenarioError
from iopsim.core.files import write_atomic
from iopsim.core.formatting import did_you_mean, shorten
from iopsim.core.scenario import Scenario
from iopsim.core.scenario_file import scenario_to_yaml
from iopsim.core.seeds import MAX_PART

USAGE_ERROR = 2
INVALID_INPUT = 1
INTERRUPTED = 130
MAX_WORKERS = 1024  # processes on one computer; more is a typing mistake

DESCRIPTION = """\
Simulate client flow through an Intensive Outpatient Program (IOP): write a scenario file,
check it, run it many times, and compare it with alternatives. Results are printed on screen;
with --out they are also saved as a report (report.html), an Excel workbook (results.xlsx)
and CSV files."""

MAIN_EPILOG = """\
examples:
  iopsim defaults -o my_program.yaml      write the built-in program to a file you can edit
  iopsim validate my_program.yaml         check the file: every problem is listed at once
  iopsim run my_program.yaml --reps 50 --seed 1 --out results/
  iopsim compare my_program.yaml evening_track.yaml --reps 50 --out comparison/

'iopsim COMMAND --help' explains each command. Exit status: 0 success, 1 invalid input,
2 a mistake in the command, 130 stopped with Ctrl-C."""

DEFAULTS_EPILOG = """\
examples:
  iopsim defaults                        show the default scenario
  iopsim defaults -o my_program.yaml     save it to a file, then edit the values you know

Each parameter in the file has a comment with its unit, allowed values and source. A
parameter you delete keeps its default."""

VALIDATE_EPILOG = """\
examples:
  iopsim validate my_program.yaml
  iopsim validate scenarios/*.yaml

Prints 'FILE: OK' for a valid file; for an invalid one, every problem with where it is,
what was found and what is allowed. Exit status 1 if any file is invalid."""

RUN_EPILOG = """\
examples:
  iopsim run my_program.yaml                                  10 replications, on screen only
  iopsim run my_program.yaml --reps 50 --seed 1 --out results/
  iopsim run my_program.yaml --precision 0.05 --kpis admissions_per_year,seat_utilisation --out results/
  iopsim run my_program.yaml --reps 200 --scheduler tcp://10.0.0.5:8786 --out results/

With --out the folder receives report.html (give it to your board), results.xlsx, summary.csv,
replications.csv, scenario.yaml and one file per replication. Running the same command again
continues where it stopped (after Ctrl-C, say) instead of starting over. The same seed and
scenario always give the same results."""

COMPARE_EPILOG = """\
examples:
  iopsim compare my_program.yaml more_staff.yaml --reps 50
  iopsim compare now.yaml walk_in.yaml evening_track.yaml --reps 50 --seed 1 --out comparison/
  iopsim compare now.yaml walk_in.yaml --names "Today,Walk-in assessment" --out comparison/

The first file is the baseline; each alternative is run with the same random clients, so the
differences come from the changes, not from chance. Prints a verdict per alternative and the
key differences; with --out also writes report.html, results.xlsx and CSV files."""


FIT_EPILOG = """\
examples:
  iopsim records-template -o records.csv          the columns, with one example row
  iopsim fit records.csv -o my_program.yaml --report fit/
  iopsim fit records.csv --backtest 2024-07-01 --report fit/

Every problem in the records is listed with its row and column. The fitted scenario keeps the base
scenario's values for what the records cannot show; the report says which, and how each estimate was
made. No record is copied into any output."""


class CommandError(Exception):
    """A problem to report in one line, with the exit status to return."""

    def __init__(self, message: str, code: int = INVALID_INPUT) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------------- parser
def _whole(minimum: int, what: str, maximum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {shorten(repr(text), 60)}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be a whole number from {minimum} to {maximum:,}{what}, got "
                                             f"{shorten(str(value), 60)}")
        return value

    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"precision must be a number such as 0.05, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1 (0.05 means within 5% of the mean), got {text}")
    return value


def _date(text: str) -> str:
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", text.strip()):
        raise argparse.ArgumentTypeError(f"must be a date as YYYY-MM-DD, got {shorten(repr(text), 60)}")
    return text.strip()


def _kpi_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one KPI name, separated by commas")
    for name in names:
        if name not in NAMES:
            raise argparse.ArgumentTypeError(f"unknown KPI {name!r}{did_you_mean(name, NAMES)}; known KPIs: "
                                             + ", ".join(NAMES))
    return names


def _name_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if any(not n for n in names):
        raise argparse.ArgumentTypeError("names must not be empty; separate them with commas")
    return names


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reps", type=_whole(1, " (the most one run makes)", MAX_REPS), default=10, metavar="N",
                   help="replications per scenario (default: 10; 30 or more for decisions)")
    p.add_argument("--seed", type=_whole(0, "", MAX_PART), default=0, metavar="N",
                   help="random seed: the same seed gives the same results (default: 0)")
    p.add_argument("--out", type=Path, metavar="FOLDER",
                   help="save the report, Excel workbook and CSV files here (created if needed); "
                        "re-running continues an unfinished run")
    p.add_argument("--workers", type=_whole(1, " (leave it out to use every core)", MAX_WORKERS), metavar="N",
                   help="processes to run at once on this computer (default: every core)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster instead, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar (it is shown on stderr only when that is a terminal)")


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="iopsim", description=DESCRIPTION, epilog=MAIN_EPILOG, formatter_class=fmt)
    parser.add_argument("--version", action="version", version=f"iopsim {iopsim.__version__}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")

    p = commands.add_parser("defaults", help="write the default scenario as a commented YAML file",
                            description="Write the built-in adult SUD IOP scenario as YAML, with the unit, "
                                        "allowed values and source of every parameter as comments.",
                            epilog=DEFAULTS_EPILOG, formatter_class=fmt)
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (.yaml) instead of the screen")
    p.add_argument("--force", action="store_true", help="replace FILE if it already exists")
    p.add_argument("--preset", choices=presets.NAMES, default=presets.DEFAULT, metavar="NAME",
                   help=f"a built-in program instead of the default: {', '.join(presets.NAMES)}")
    p.set_defaults(handler=_defaults)

    p = commands.add_parser("validate", help="check scenario files and list every problem",
                            description="Check one or more scenario files (.yaml, .yml or .json) without "
                                        "running them.", epilog=VALIDATE_EPILOG, formatter_class=fmt)
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario file(s) to check")
    p.set_defaults(handler=_validate)

    p = commands.add_parser("run", help="run one scenario many times and summarise the results",
                            description="Run a scenario for several replications and print each KPI's mean "
                                        "and 95% interval.", epilog=RUN_EPILOG, formatter_class=fmt)
    p.add_argument("file", metavar="FILE", help="scenario file (.yaml, .yml or .json)")
    _add_run_options(p)
    p.add_argument("--precision", type=_fraction, metavar="FRACTION",
                   help="keep adding replications (from --reps up to --max-reps) until each 95%% interval is "
                        "within this fraction of its mean, e.g. 0.05 for 5%%")
    p.add_argument("--kpis", type=_kpi_list, metavar="NAMES",
                   help="with --precision: the KPIs that must reach it, separated by commas (default: "
                        "wait_referral_to_assessment_median_days,admissions_per_year,census_mean)")
    p.add_argument("--max-reps", type=_whole(1, " (the most one run makes)", MAX_REPS), default=200, metavar="N",
                   help="with --precision: the most replications to run (default: 200)")
    p.set_defaults(handler=_run)

    p = commands.add_parser("compare", help="compare alternatives with a baseline scenario",
                            description="Run a baseline scenario and one or more alternatives with the same "
                                        "random clients, and report the paired differences.",
                            epilog=COMPARE_EPILOG, formatter_class=fmt)
    p.add_argument("baseline", metavar="BASELINE", help="the scenario file to compare against")
    p.add_argument("alternatives", nargs="+", metavar="ALT", help="one or more alternative scenario files")
    p.add_argument("--names", type=_name_list, metavar="NAMES",
                   help="names for the scenarios in the report, baseline first, separated by commas "
                        "(default: each scenario's name, or its file name when names repeat)")
    _add_run_options(p)
    p.set_defaults(handler=_compare)

    p = commands.add_parser("records-template", help="write an empty program-records file with one example row",
                            description="Write the columns of a program's records (one row per episode) with one "
                                        "made-up example row; README.md explains each column.", formatter_class=fmt)
    p.add_argument("-o", "--output", type=Path, default=Path("records.csv"), metavar="FILE",
                   help="the file to write (.csv, or .xlsx with the excel extra; default: records.csv)")
    p.add_argument("--force", action="store_true", help="replace FILE if it already exists")
    p.set_defaults(handler=_records_template)

    p = commands.add_parser("fit", help="fit a scenario to a program's records and check it against them",
                            description="Estimate the parameters a program's records can speak to (program "
                                        "records or a TEDS-D extract), keep the others from the base scenario, "
                                        "and compare the records with the fitted model.", epilog=FIT_EPILOG,
                            formatter_class=fmt)
    p.add_argument("records", metavar="RECORDS", help="records file (.csv or .xlsx)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the fitted scenario here (.yaml)")
    p.add_argument("--base", metavar="FILE", help="the scenario whose other parameters are kept (default: built-in)")
    p.add_argument("--report", type=Path, metavar="FOLDER", help="write fit_report.html into this folder")
    p.add_argument("--reps", type=_whole(0, " (0 skips the comparison)", MAX_REPS), default=10, metavar="N",
                   help="simulated spans to compare the records with (default: 10)")
    p.add_argument("--seed", type=_whole(0, "", MAX_PART), default=0, metavar="N", help="random seed (default: 0)")
    p.add_argument("--backtest", type=_date, metavar="DATE", help="also fit on the records before DATE (YYYY-MM-DD) and "
                                                      "compare the projection with the months after it")
    p.set_defaults(handler=_fit)
    return parser


# ------------------------------------------------------------------------------- commands
def _defaults(args: argparse.Namespace) -> int:
    scenario, note = Scenario.preset(args.preset), presets.header(args.preset)
    if args.output is None:
        _out(note + scenario_to_yaml(scenario, "my_program.yaml"), end="")
        return 0
    path: Path = args.output
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise CommandError(f"{path}: the file name must end in .yaml (or .yml, .json)", USAGE_ERROR)
    if path.exists() and not args.force:
        raise CommandError(f"{path} already exists; choose another name, or add --force to replace it")
    if not path.parent.is_dir():
        raise CommandError(f"{path}: the folder {path.parent} does not exist")
    if note and path.suffix.lower() != ".json":
        write_atomic(path, note + scenario_to_yaml(scenario, path.name))
    else:
        scenario.to_file(path)
    _err(f"Wrote the {args.preset} scenario to {path}. Edit it, then check it with: iopsim validate {path}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    bad = 0
    for file in args.files:
        try:
            Scenario.from_file(file)
        except ScenarioError as err:
            bad += 1
            _err(_scenario_message(err, file))
        else:
            _out(f"{file}: OK")
    if bad and len(args.files) > 1:
        _err(f"{bad} of {len(args.files)} files have problems.")
    return INVALID_INPUT if bad else 0


def _run(args: argparse.Namespace) -> int:
    # lazy: the report loads pandas and matplotlib, which `iopsim --help` must not wait for
    from iopsim.present import report, text_tables

    if args.kpis and args.precision is None:
        raise CommandError("--kpis chooses the KPIs that must reach --precision; give --precision too", USAGE_ERROR)
    if args.precision is not None and args.max_reps < args.reps:
        raise CommandError(f"--max-reps ({args.max_reps}) must be at least --reps ({args.reps})", USAGE_ERROR)
    scenario = _load(args.file)
    out = _out_folder(args.out, holds="run")
    options: dict[str, Any] = {}
    if args.precision is not None:
        options = {"target_precision": args.precision, "precision_kpis": args.kpis, "max_reps": args.max_reps}
    _err(f"Running '{scenario.name}': {args.reps} replications, seed {args.seed}"
         + (f", up to {args.max_reps} for a precision of {args.precision:g}" if options else "") + "...")
    experiment = _interruptible(out, lambda: iopsim.replicate(
        scenario, reps=args.reps, seed=args.seed, workers=args.workers, scheduler=args.scheduler, out=out,
        progress=_progress(args), **options))
    reps = len(experiment.per_rep)
    precision = getattr(experiment, "precision", None)
    if isinstance(precision, dict) and precision and not precision.get("reached", True):
        _err(f"Note: the precision {args.precision:g} was not reached within --max-reps {args.max_reps}; "
             "the report lists how close each KPI came.")
    saved = _save(out, lambda: list(report.write_results(experiment, out).values()))
    _out(f"{scenario.name}: {reps} replications, seed {args.seed}; each {report.horizon_words(scenario)}\n")
    _out(text_tables.summary_text(experiment.summary))
    if saved:
        _out(_written(out, saved))
    return 0


def _compare(args: argparse.Namespace) -> int:
    # lazy: the report loads pandas and matplotlib, which `iopsim --help` must not wait for
    from iopsim.present import report, text_tables

    files = [args.baseline, *args.alternatives]
    scenarios = [_load(f) for f in files]  # every file checked before anything runs
    names = _names(args.names, scenarios, files)
    out = _out_folder(args.out, holds="compare", names=names)
    _err(f"Comparing {len(scenarios) - 1} alternative{'s' if len(scenarios) > 2 else ''} with '{names[0]}': "
         f"{args.reps} replications each, seed {args.seed}...")
    comparison = _interruptible(out, lambda: iopsim.compare(
        scenarios[0], *scenarios[1:], reps=args.reps, seed=args.seed, workers=args.workers,
        scheduler=args.scheduler, names=names, progress=_progress(args), out=out))
    saved = _save(out, lambda: list(report.write_results(comparison, out).values()))
    verdicts = getattr(comparison, "verdicts", {}) or {}
    if verdicts:
        _out("Verdicts")
        for name, sentence in verdicts.items():
            _out(f"  {name}: {sentence}")
        _out("")
    _out("Key differences (alternative minus baseline, paired, with 95% intervals)\n")
    _out(text_tables.differences_text(comparison.differences, KEY))
    if saved:
        _out(_written(out, saved))
    else:
        _out("\nAdd --out FOLDER to save every KPI's difference, a report and an Excel workbook.")
    return 0


def _records_template(args: argparse.Namespace) -> int:
    # lazy: the records reader loads pandas, which `iopsim --help` must not wait for
    from iopsim.present.fit_report import write_template

    path: Path = args.output
    if path.exists() and not args.force:
        raise CommandError(f"{path} already exists; choose another name, or add --force to replace it")
    write_template(path)
    _err(f"Wrote {path}: delete the example row, add one row per episode (README: 'Your program's records').")
    return 0


def _fit(args: argparse.Namespace) -> int:
    # lazy: fitting loads pandas and scipy, which `iopsim --help` must not wait for
    from iopsim.present.fit_report import fit_and_report

    if args.output is not None and args.output.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise CommandError(f"{args.output}: the file name must end in .yaml (or .yml, .json)", USAGE_ERROR)
    base = _load(args.base) if args.base else None
    _err(f"Fitting to {args.records}" + (f", comparing with {args.reps} simulated spans" if args.reps > 1 else "")
         + "...")
    fitted, checks, _, page = fit_and_report(args.records, args.report, base=base, reps=args.reps, seed=args.seed,
                                             cut=args.backtest)
    for note in fitted.warnings:
        _err(f"Note: {note.path}: {note.allowed}")
    _out(fitted.summary())
    if args.output is not None:
        fitted.scenario.to_file(args.output)
        _out(f"\nWrote the fitted scenario to {args.output}.")
    if page is not None:
        _out(f"Wrote the report to {page}.")
    return 0


# ------------------------------------------------------------------------------- helpers
def _load(file: str) -> Scenario:
    return Scenario.from_file(file)  # a ScenarioError names the file and lists every problem


def _names(given: list[str] | None, scenarios: list[Any], files: list[str]) -> list[str]:
    if given is not None:
        if len(given) != len(scenarios):
            raise CommandError(f"--names gives {len(given)} name{'s' if len(given) != 1 else ''} for "
                               f"{len(scenarios)} scenarios (baseline first)", USAGE_ERROR)
        if len(set(given)) != len(given):
            raise CommandError("--names must all differ", USAGE_ERROR)
        return given
    names = [s.name for s in scenarios]
    if len(set(names)) == len(names):
        return names
    stems = [Path(f).stem for f in files]
    if len(set(stems)) == len(stems):
        return stems
    return [str(Path(f)) for f in files]


def _out_folder(out: Path | None, holds: str, names: list[str] | None = None) -> Path | None:
    """The --out folder, created; refused if it is a file or holds results of another kind or comparison.

    A run's folder holds experiment.json, a comparison's comparison.json (see iopsim.replicate and
    iopsim.compare); the report and tables written beside them must not overwrite another's.
    """
    if out is None:
        return None
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out}: this is a file, not a folder")
    advice = "Use another folder, or delete this one to start again."
    if holds == "run" and (out / "comparison.json").exists():
        raise CommandError(f"--out {out} holds a comparison (iopsim compare), not a single run. {advice}")
    if holds == "compare":
        if (out / "experiment.json").exists():
            raise CommandError(f"--out {out} holds a single run (iopsim run), not a comparison. {advice}")
        there = _read_json(out / "comparison.json")
        if there is not None:
            before = [str(n) for n in (there.get("scenarios") or {})]
            if before and (before[0] != names[0] or set(before) != set(names or [])):
                raise CommandError(f"--out {out} holds another comparison ({', '.join(before)}), not "
                                   f"{', '.join(names or [])}. {advice}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out {out}: cannot create the folder ({exc.strerror or exc})") from None
    return out


def _interruptible(out: Path | None, work: Any) -> Any:
    """Run the replications; Ctrl-C and a crashed worker become one message, library warnings plain notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return work()
        except KeyboardInterrupt as exc:
            raise CommandError(f"stopped (Ctrl-C){_kept(exc, out)}", INTERRUPTED) from None
        except WorkerCrashed as exc:
            raise CommandError(f"{exc}{_kept(exc, out)}") from None
        finally:
            for seen in {str(w.message): w for w in caught if _worth_telling(w)}:
                _err(f"Note: {seen}")


def _kept(exc: BaseException, out: Path | None) -> str:
    """': interrupted after 3 of 10 replications. Finished replications are saved in ...': what was kept."""
    done = next((n.split(";")[0] for n in getattr(exc, "__notes__", ()) if " after " in n), "")
    where = (f" Finished replications are saved in {out}; run the same command again to continue."
             if out is not None else "")
    return f"{': ' + done if done else ''}.{where}"


def _worth_telling(w: Any) -> bool:
    """iopsim's own warnings (a precision not reached, a replication re-run); not library chatter."""
    return issubclass(w.category, UserWarning) and "iopsim" in str(getattr(w, "filename", "")) \
        and "precision" not in str(w.message)  # the precision note is printed with the results


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path} cannot be read ({exc}); use another folder") from None
    return data if isinstance(data, dict) else None


def _save(out: Path | None, write: Any) -> list[Path]:
    """Write the report and tables before anything is printed (a closed pipe must not lose them)."""
    if out is None:
        return []
    _err(f"Writing the report and tables to {out}...")
    return list(write())


def _progress(args: argparse.Namespace) -> bool:
    if not args.progress:
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _written(out: Path, paths: list[Path]) -> str:
    shown = ", ".join(Path(p).name for p in paths)
    return f"\nSaved in {out}: {shown} (and the scenario and each replication's KPIs)."


def _scenario_message(err: Exception, file: str) -> str:
    text = str(err)
    return text if getattr(err, "source", None) else f"{file}: {text}"


def _out(text: str = "", end: str = "\n") -> None:
    print(text, end=end, file=sys.stdout)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return INVALID_INPUT


# ----------------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    command = "iopsim"
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return USAGE_ERROR
        command = f"iopsim {args.command}"
        return args.handler(args)
    except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2), already printed
        return _exit_code(exc)
    except CommandError as exc:
        _err(f"{command}: {exc}")
        return exc.code
    except KeyboardInterrupt:
        _err(f"{command}: stopped (Ctrl-C).")
        return INTERRUPTED
    except BrokenPipeError:  # e.g. 'iopsim defaults | head': the reader went away, nothing to report
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python quiet at exit
        except OSError:
            pass
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place every error becomes a message
        if os.environ.get("IOPSIM_DEBUG"):
            raise
        if isinstance(exc, ProblemsError):  # a scenario or a records file: every problem, listed in full
            _err(str(exc))
            return INVALID_INPUT
        if isinstance(exc, OSError):
            where = f"{exc.filename}: " if exc.filename else ""
            _err(f"{command}: {where}{exc.strerror or exc}")
            return INVALID_INPUT
        if isinstance(exc, ValueError):  # iopsim's checks of its input say what is wrong in words
            _err(f"{command}: {_plain(exc)}")
            return INVALID_INPUT
        _err(f"{command}: {_plain(exc)}\n(an unexpected error; set IOPSIM_DEBUG=1 to see the details, "
             "and please report it)")
        return INVALID_INPUT


def _plain(exc: BaseException) -> str:
    return shorten(str(exc).strip() or type(exc).__name__, 500)


if __name__ == "__main__":
    raise SystemExit(main())
