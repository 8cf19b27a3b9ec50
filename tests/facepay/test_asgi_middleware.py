"""Issue 16: under ASGI the middleware chain runs in one worker thread.

Django runs an async-capable middleware on the event loop whenever the handler below it is
async, and a MiddlewareMixin on the event loop sends each of its process_request and
process_response to a thread and back (seven of them here: an empty view cost 5.3-6.0 ms of
uvicorn CPU, 3.3-3.5 ms after; bench/asgi_floor.py). The innermost middleware is sync-only, so
Django builds every middleware above it in sync mode.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import AsyncToSync, SyncToAsync, iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler


def _middleware_instances(handler: Any) -> list[Any]:
    """The middleware objects of a loaded chain, outermost first (adapters stepped through)."""
    found: list[Any] = []
    step = handler._middleware_chain
    while True:
        if isinstance(step, SyncToAsync):
            step = step.func
        elif isinstance(step, AsyncToSync):
            step = step.awaitable
        elif hasattr(step, "__code__"):  # convert_exception_to_response's wrapper
            cells = dict(zip(step.__code__.co_freevars, step.__closure__ or (), strict=True))
            if "get_response" not in cells:
                return found
            step = cells["get_response"].cell_contents
        elif hasattr(step, "get_response"):
            found.append(step)
            step = step.get_response
        else:
            return found


def test_every_middleware_runs_sync_under_asgi(settings):
    handler = ASGIHandler()
    instances = _middleware_instances(handler)
    assert [type(m).__name__ for m in instances] == [
        path.rsplit(".", 1)[1] for path in settings.MIDDLEWARE
    ]
    on_the_loop = [type(m).__name__ for m in instances if iscoroutinefunction(m)]
    assert on_the_loop == []
