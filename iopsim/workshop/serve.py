"""Serve a workshop room from the facilitator's laptop: ``python3 kit.py workshop CARD``.

Teams need only a browser.  The room runs on Voila (a Jupyter server that shows notebooks as
pages, never their code, and lets a page's kernel receive widget messages only, not code to run):

- an **access code** (Voila's token) keeps out anyone without it; it is short enough to type and
  is shown large, with a QR code of the team link, on ``projector.html`` in the room's folder;
- **one kernel (session) per open page**, so each team has its own; an idle page's kernel is shut
  down after ``--idle-minutes``, and at most ``--max-sessions`` run at once (``sessions``), which
  bounds the memory (about 150 MB each);
- **warm pages**: ``--warm-pages`` team pages run ahead (Voila's pre-heated kernels), so a team's
  page is ready as soon as its link is opened instead of after the notebook has run;
- it listens on **127.0.0.1** unless the facilitator asks for the local network (``--lan``);
- the **team page** (``team.ipynb``: warm-up, sign-in, the plan form limited to the card, submit,
  the team's own handout) and the **facilitator's page** (``facilitator.ipynb``, behind a second
  code printed only in the terminal) are copies of ``notebooks/workshop_team.ipynb`` and
  ``notebooks/workshop_room.ipynb`` in the room's folder, the only pages served.

    python -m iopsim.workshop.serve hospital-closes --lan
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import socket
import sys
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

import segno

from iopsim.core.files import write_atomic
from iopsim.workshop.cards import CardError, card_ids, cards_folder, load_card
from iopsim.workshop.facilitator_page import CODE_VARIABLE, code_digest
from iopsim.workshop.forms import ROOM_VARIABLE
from iopsim.workshop.room import Room
from iopsim.workshop.warmup import client_stories, write_stories

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a projector, typed on a phone
PAGES = {"team.ipynb": "workshop_team.ipynb", "facilitator.ipynb": "workshop_room.ipynb"}
SESSION_MB = 150  # a team page's kernel, measured (benchmarks/bench_workshop_room.py): for the printed bound
WARM_PAGES = 6  # team pages made before anyone opens one; a large room sets its number of teams (the guide)


@dataclass
class RoomServer:
    """Everything ``main`` needs to start the room: the room, its codes, its links, Voila's command."""

    room: Room
    host: str
    port: int
    access_code: str
    facilitator_code: str
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def team_link(self) -> str:
        return f"http://{self.host}:{self.port}/voila/render/team.ipynb?token={self.access_code}"

    @property
    def facilitator_link(self) -> str:
        return f"http://127.0.0.1:{self.port}/voila/render/facilitator.ipynb?token={self.access_code}"


def access_code(length: int = 8) -> str:
    """A code people can read off a screen and type: ``ABCD-EFGH`` (40 bits)."""
    code = "".join(secrets.choice(CODE_LETTERS) for _ in range(length))
    return f"{code[:length // 2]}-{code[length // 2:]}"


def lan_address() -> str:
    """This computer's address on the local network (no packet is sent), or 127.0.0.1 if it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def voila_command(pages: Path, *, ip: str, port: int, idle_minutes: float, max_sessions: int, warm_pages: int = 0,
                  python: str = sys.executable) -> list[str]:
    """Voila serving the room's pages: token required, idle sessions culled, sessions capped, team pages warm."""
    idle = max(1, round(idle_minutes * 60))
    warm = ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={warm_pages}",
            # one facilitator: their page runs when opened, and no session waits for them all day
            "--VoilaKernelManager.preheat_denylist=facilitator.ipynb"] if warm_pages > 0 else []
    return [python, "-m", "voila", str(pages), "--no-browser", f"--Voila.ip={ip}", f"--port={port}",
            "--token",  # the access code, from JUPYTER_TOKEN in the environment (not on the command line)
            "--Voila.port_retries=0",  # the port in the printed link, or a clear error, never another port
            f"--MappingKernelManager.cull_idle_timeout={idle}",
            f"--MappingKernelManager.cull_interval={min(60, max(1, idle // 2))}",
            "--VoilaConfiguration.multi_kernel_manager_class=iopsim.workshop.sessions.CappedKernelManager",
            f"--CappedKernelManager.max_kernels={max_sessions}",
            "--CappedKernelManager.reserved=facilitator.ipynb",  # the teams never take the facilitator's session
            "--VoilaConfiguration.show_tracebacks=False",
            # a busy laptop may send a page's widgets later than nbclient's 4 s: wait, or the page has no form
            "--VoilaExecutor.iopub_timeout=60",
            # Voila bundles an older JupyterLab front end, in which the jupytext extension fails
            "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext", *warm]


def prepare(card: str, *, folder: Path | None = None, port: int = 8866, lan: bool = False, idle_minutes: float = 10,
            max_sessions: int = 40, warm_pages: int = WARM_PAGES, stories: bool = True,
            code: str | None = None) -> RoomServer:
    """Open the room (its card set for everyone), copy the pages, write the warm-up and the projector page."""
    chosen = load_card(card)
    folder = folder or cards_folder().parent / "rooms" / f"{datetime.now():%Y-%m-%d-%H%M}-{chosen.id}"
    room = Room.create(folder, chosen)
    pages = room.folder / "pages"
    pages.mkdir(exist_ok=True)
    notebooks = cards_folder().parent.parent / "notebooks"
    for served, source in PAGES.items():
        shutil.copyfile(notebooks / source, pages / served)
    if stories:
        write_stories(room, client_stories(seed=2024))
    server = RoomServer(room, lan_address() if lan else "127.0.0.1", port, code or access_code(),
                        secrets.token_urlsafe(9))
    server.command = voila_command(pages, ip="0.0.0.0" if lan else "127.0.0.1", port=port,
                                   idle_minutes=idle_minutes, max_sessions=max_sessions, warm_pages=warm_pages)
    server.env = {**os.environ, "JUPYTER_TOKEN": server.access_code, ROOM_VARIABLE: str(room.folder.resolve()),
                  CODE_VARIABLE: code_digest(server.facilitator_code), "MPLBACKEND": "Agg"}
    write_atomic(room.folder / "projector.html", projector_page(server))
    return server


def projector_page(server: RoomServer) -> str:
    """A page to put on the projector: the link, the access code in large letters, a QR code of the link."""
    qr = segno.make(server.team_link, error="m").svg_data_uri(scale=10, border=2)
    address = f"http://{server.host}:{server.port}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Workshop: {escape(server.room.card.title)}</title>
<style>body {{ font-family: system-ui, sans-serif; margin: 2vh 3vw; display: flex; gap: 4vw; align-items: center; }}
h1 {{ font-size: 4vh; margin: 0 0 2vh; }} p {{ font-size: 3.2vh; margin: 1vh 0; }}
.code {{ font: 700 15vh/1.1 ui-monospace, monospace; letter-spacing: 0.08em; margin: 2vh 0; }}
img {{ height: 80vh; image-rendering: pixelated; }}</style></head>
<body><div><h1>{escape(server.room.card.title)}</h1>
<p>Open in a browser:</p><p><strong>{escape(address)}</strong></p>
<p>Access code:</p><div class="code">{escape(server.access_code)}</div>
<p>or scan the code with a phone or tablet camera.</p></div>
<img src="{qr}" alt="QR code of {escape(server.team_link)}"></body></html>
"""


def banner(server: RoomServer, *, lan: bool, max_sessions: int, idle_minutes: float, warm_pages: int = 0) -> str:
    """What the facilitator's terminal shows: the room, the codes, the links, what is exposed."""
    qr = segno.make(server.team_link, error="m")
    lines = [
        "", f"  WORKSHOP ROOM: {server.room.card.title}", "",
        f"  Teams open   http://{server.host}:{server.port}   and type the access code:", "",
        f"        {'   '.join(server.access_code)}", "",
        f"  Team link (in the QR code below): {server.team_link}",
        f"  Put this page on the projector:   {(server.room.folder / 'projector.html').resolve().as_uri()}", "",
        f"  YOUR page (keep it off the projector): {server.facilitator_link}",
        f"  Facilitator's code for it: {server.facilitator_code}", "",
        f"  Room folder: {server.room.folder}",
        f"  At most {max_sessions} pages open at once (about {max_sessions * SESSION_MB / 1000:.1f} GB), "
        f"{warm_pages} of them kept ready for the next teams to arrive; a page left alone for {idle_minutes:g} minutes "
        "is closed.",
        ("  Listening on the local network (--lan): anyone on it who has the access code can open the pages."
         if lan else "  Listening on this computer only (127.0.0.1): add --lan to let the room's laptops in."),
        "  Ctrl-C stops the room; its folder keeps every plan and handout.", ""]
    return "\n".join(lines) + "\n" + _terminal_qr(qr)


def _terminal_qr(qr: segno.QRCode) -> str:
    buffer = io.StringIO()
    qr.terminal(out=buffer, compact=True)
    return buffer.getvalue()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kit.py workshop", description=__doc__.split("\n\n")[0])
    parser.add_argument("card", help="the challenge card every team plays: an id (" + ", ".join(card_ids())
                        + ") or a card file")
    parser.add_argument("--lan", action="store_true", help="listen on the local network, not only on this computer")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--room", type=Path, help="the room's folder (default: workshop/rooms/<date>-<card>); "
                                                  "give an existing one to carry on after a restart")
    parser.add_argument("--max-sessions", type=int, default=40, help="pages open at once (default 40)")
    parser.add_argument("--idle-minutes", type=float, default=10, help="close a page left alone this long")
    parser.add_argument("--warm-pages", type=int, default=WARM_PAGES,
                        help=f"team pages kept ready ahead of arrivals, counted in --max-sessions (default {WARM_PAGES}; "
                             "0: each page runs when it is opened)")
    args = parser.parse_args(argv)
    if not 0 <= args.warm_pages < args.max_sessions:
        parser.error("--warm-pages counts in --max-sessions: give fewer warm pages than sessions, and leave room "
                     "for the facilitator's page")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    print("Opening the room: checking the card and writing the warm-up stories...", flush=True)
    try:
        server = prepare(args.card, folder=args.room, port=args.port, lan=args.lan, idle_minutes=args.idle_minutes,
                         max_sessions=args.max_sessions, warm_pages=args.warm_pages)
    except CardError as err:
        print(err, file=sys.stderr)
        return 2
    print(banner(server, lan=args.lan, max_sessions=args.max_sessions, idle_minutes=args.idle_minutes,
                 warm_pages=args.warm_pages), flush=True)
    if os.name == "posix":
        os.execve(server.command[0], server.command, server.env)  # become the server: Ctrl-C reaches it
    return os.spawnve(os.P_WAIT, server.command[0], server.command, server.env)


if __name__ == "__main__":
    sys.exit(main())
