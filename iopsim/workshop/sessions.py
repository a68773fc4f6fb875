"""The room server's kernel manager: one kernel (session) per open page, and no more than the room can hold.

Voila starts a kernel of about 120-150 MB for every page load.  Its idle culling (kit.py's options)
gives back kernels whose page was closed or left; this class adds the bound: past ``max_kernels``
a new page is refused with a message, so thirty teams refreshing cannot exhaust the laptop's memory.
Voila loads it by name (``--VoilaConfiguration.multi_kernel_manager_class``); nothing else imports it.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Integer

FULL = ("The workshop room is full: every session is in use. Close a tab you no longer need, wait a minute "
        "(idle pages are closed), then reload this page.")


class CappedKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager with a cap on the number of kernels running at once."""

    max_kernels = Integer(40, config=True, help="The most kernels (open pages) at once; a page beyond is refused.")

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        if kwargs.get("kernel_id") is None and len(self.list_kernel_ids()) >= self.max_kernels:
            self.log.warning("Refused a new session: %d of %d in use", len(self.list_kernel_ids()), self.max_kernels)
            raise HTTPError(503, FULL, reason=FULL)  # the reason is what the error page shows
        return await super().start_kernel(*args, **kwargs)
