"""Every route and dependency is a coroutine: FastAPI runs a plain `def` one in its thread pool, a
thread hop per request that cost the order path measurable CPU (bench/results/latest.md)."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def _calls(dependant: Any) -> list[Any]:
    out = [dependant.call] if dependant.call is not None else []
    for sub in dependant.dependencies:
        out.extend(_calls(sub))
    return out


def _routes(routes: list[Any]) -> list[APIRoute]:
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        inner = getattr(route, "original_router", None)  # FastAPI's included routers
        if inner is not None:
            out.extend(_routes(list(inner.routes)))
    return out


def test_every_route_and_dependency_is_async(app: FastAPI) -> None:
    routes = _routes(list(app.routes))
    assert any(r.path == "/v1/orders" for r in routes)  # the walk reaches the included routers
    sync = {
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in _calls(route.dependant)
        if not inspect.iscoroutinefunction(call) and not inspect.iscoroutinefunction(type(call).__call__)
    }
    assert not sync, sorted(sync)
