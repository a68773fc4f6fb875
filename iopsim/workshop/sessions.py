"""The room server's kernel manager: one kernel (session) per open page, and no more than the room can hold.

Voila starts a kernel of about 120-150 MB for every page.  Its idle culling (kit.py's options)
gives back kernels whose page was closed or left; this class adds the bound: past ``max_kernels``
a new page is refused with a message, so thirty teams refreshing cannot exhaust the laptop's memory;
one kernel is kept free for the ``reserved`` page (the facilitator's).

With Voila's warm pages (``preheat_kernel``: a few team pages run ahead, so a team's page is ready
when the link is opened, not after the notebook has run), the bound counts the warm kernels too,
a warm page refused while the room is full is started again when a session ends, and a warm page's
idle time counts from when a team took it, not from when it was warmed.  Idle sessions are checked
all at once, so thirty of them close within the idle time, not one after another.
Voila loads it by name (``--VoilaConfiguration.multi_kernel_manager_class``); nothing else imports it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Integer, Unicode

FULL = ("The workshop room is full: every session is in use. Close a tab you no longer need, wait a minute "
        "(idle pages are closed), then reload this page.")
WARM = "True"  # what Voila puts in VOILA_PREHEAT for a kernel started for its pool of warm pages


class CappedKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager with a cap on the kernels running at once, warm pages included."""

    max_kernels = Integer(40, config=True, help="The most kernels (open and warm pages) at once; a page beyond is "
                                                "refused.")
    reserved = Unicode("", config=True, help="A page (its file name) for which one kernel is always kept free: "
                                             "the facilitator's, which thirty teams arriving at once must not crowd out.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._warm: set[str] = set()   # kernels started warm that no cull round has yet seen taken by a page
        self._closing = False
        self._starting: set[str] = set()  # kernels being started, by id
        self._reserved_ids: set[str] = set()  # the reserved page's kernels: while one runs, its seat is taken

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        given = kwargs.pop("kernel_id", None)
        if given is not None:  # a kernel already counted (Voila restarts one in place)
            return await super().start_kernel(*args, kernel_id=given, **kwargs)
        # Kernels still starting are counted by the id given them here: a kernel is listed a moment before
        # its start returns, and counting it twice refused the facilitator's page in a full room.
        in_use = len(set(self.list_kernel_ids()) | self._starting)
        url = (kwargs.get("env") or {}).get("VOILA_REQUEST_URL", "")  # the page asked for; a team's for a warm page
        reserved = bool(self.reserved) and f"/{self.reserved}" in url
        room = self.max_kernels - (1 if self.reserved and not reserved and not self._reserved_ids else 0)
        if in_use >= room:
            self.log.warning("Refused a new session: %d of %d in use", in_use, self.max_kernels)
            raise HTTPError(503, FULL, reason=FULL)  # the reason is what the error page shows
        kernel_id = str(uuid.uuid4())
        self._starting.add(kernel_id)
        try:
            await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)
        finally:
            self._starting.discard(kernel_id)
        if (kwargs.get("env") or {}).get("VOILA_PREHEAT") == WARM:
            self._warm.add(kernel_id)
        if reserved:
            self._reserved_ids.add(kernel_id)
        return kernel_id

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Voila has already passed over the warm pages still waiting; a warm one seen here was taken by a page."""
        if kernel_id in self._warm:
            self.get_kernel(kernel_id).last_activity = datetime.now(timezone.utc)  # idle from when it was taken
            if not any(not task.done() for task in self._pool_tasks()):  # none still warming: this one was taken
                self._warm.discard(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)

    async def cull_kernels(self) -> None:
        """Check every session at once: one after another, thirty shutdowns outlast the idle timeout."""
        async def cull(kernel_id: str) -> None:
            try:
                await self.cull_kernel_if_idle(kernel_id)
            except Exception:  # noqa: BLE001  (as jupyter_server's own loop: one session's failure stops no other)
                self.log.exception("Could not check or close session %s", kernel_id)
        await asyncio.gather(*(cull(kernel_id) for kernel_id in self.list_kernel_ids()))

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        """A session ended: there is room again, so warm pages refused while the room was full start again."""
        self._warm.discard(kernel_id)
        self._reserved_ids.discard(kernel_id)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
        pools = getattr(self, "_pools", None)  # Voila's pools of warm pages, when they are on
        if self._closing or not pools:
            return
        for notebook, pool in pools.items():
            for task in [t for t in pool if t.done() and (t.cancelled() or t.exception() is not None)]:
                pool.remove(task)
            self.fill_if_needed(notebook_name=notebook)  # Voila's: starts only what the pool lacks

    async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
        self._closing = True  # the server stops: no warm page starts again
        await super().shutdown_all(*args, **kwargs)

    def _pool_tasks(self) -> list[Any]:
        return [task for pool in getattr(self, "_pools", {}).values() for task in pool]
