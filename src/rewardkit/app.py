"""create_app(settings) -> FastAPI: wires the context, error handling and every router."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy import text
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from rewardkit import __version__
from rewardkit.bootstrap import build_runtime, build_worker
from rewardkit.config import Settings
from rewardkit.guides import reference
from rewardkit.kit import heap, request_id, versioning
from rewardkit.kit.cors import install_cors
from rewardkit.kit.errors import REGISTRY, MetricsUnauthorized, NotFound, ServiceUnavailable
from rewardkit.kit.head import HeadAsGet
from rewardkit.kit.http import RequestGuard, install_error_handlers
from rewardkit.kit.logs import configure_logging
from rewardkit.kit.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from rewardkit.kit.ratelimit import RateLimitHeaders
from rewardkit.kit.responses import JSONResponse, ResponseModel, document_operations
from rewardkit.kit.samples import document_samples
from rewardkit.migrate import current_revision, head_revision
from rewardkit.modules import MODULES
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.web import STATIC_DIR

DESCRIPTION = """
Open-source rewards infrastructure: a catalog of gift cards, merchandise, lounge passes, charity
donations, mobile top-ups and perks; prepaid wallets on a double-entry ledger; orders fulfilled in
well under a second.

Authenticate with `Authorization: Bearer sk_test_…` (sandbox) or `sk_live_…`. Errors are
`application/problem+json` with a stable `code`. `POST /v1/orders` accepts an `Idempotency-Key`.
Pin a version with `Rewardkit-Version: 2026-11-01`.
"""


class Health(ResponseModel):
    status: Literal["ok"] = "ok"


class Ready(ResponseModel):
    status: Literal["ready"] = "ready"
    migration: str


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    token_paths = tuple(p for m in MODULES for p in m.token_paths)
    # Here too, not only in the CLI: `uvicorn rewardkit.app:create_app --factory` logs the same way.
    configure_logging(settings.log_format, settings.log_level, token_paths)
    rt = build_runtime(settings)
    worker = build_worker(rt)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        await rt.idempotency.start()  # this process's keys can be taken over soon after it dies
        loop_task = asyncio.create_task(worker.run(stop)) if settings.run_worker else None
        heap.settle()  # start-up is over (kit/heap.py says why)
        yield
        stop.set()
        if loop_task is not None:
            await loop_task
        await rt.aclose()

    app = FastAPIOffline(
        title="rewardkit API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JSONResponse,
        swagger_ui_parameters={"persistAuthorization": True, "tryItOutEnabled": True},
        openapi_tags=[
            *(tag for m in MODULES for tag in m.tags),
            {"name": "System", "description": "Health and readiness."},
        ],
    )
    app.state.runtime = rt
    app.state.worker = worker
    install_error_handlers(app)
    limits = {path: n for m in MODULES for path, n in m.body_limits.items()}
    media_types = {path: types for m in MODULES for path, types in m.body_media_types.items()}
    app.add_middleware(RequestGuard, max_body=settings.max_body_bytes, limits=limits, media_types=media_types)
    # Outermost last: CORS answers preflights before anything else runs; the client address is settled
    # (trusted proxies only) before the auth limits read it; HEAD runs as GET through everything inside.
    # Request-Id wraps all of them (request_id.install).
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(HeadAsGet)
    if settings.forwarded_allow_ips:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    install_cors(app, settings.cors_origins)
    request_id.install(app, rt.metrics.observe)

    for m in MODULES:
        for router in (*m.routers, *m.pages):
            app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    reference.install(app, settings)  # /docs links to /guides; a demo server's key pre-filled (#17)

    @app.get("/healthz", tags=["System"], operation_id="healthz", response_model=Health)
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["System"],
        operation_id="readyz",
        response_model=Ready,
        responses={503: {"description": "service_unavailable: the database is away or not migrated"}},
    )
    async def readyz(c: Annotated[Runtime, Depends(get_runtime)]) -> dict[str, Any]:
        """The database answers and its schema is at the latest migration."""
        try:
            async with c.db.unit_of_work(readonly=True) as s:
                await s.execute(text("SELECT 1"))
                current = await s.run_sync(lambda ss: current_revision(ss.connection()))
        except Exception as exc:
            raise ServiceUnavailable("The database is not reachable.") from exc
        head = head_revision()
        if current != head:
            raise ServiceUnavailable(f"Database schema is at {current}, expected {head}: run `rewardkit migrate`.")
        return {"status": "ready", "migration": head}

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request, c: Annotated[Runtime, Depends(get_runtime)]) -> Response:
        """Prometheus text format (docs/deploy.md "Metrics"); a bearer token when metrics_token is set."""
        want = c.settings.metrics_token
        if want:
            got = request.headers.get("authorization", "")
            if not hmac.compare_digest(got.encode(), f"Bearer {want}".encode()):
                raise MetricsUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return Response(await c.metrics.scrape(c.db), media_type=METRICS_CONTENT_TYPE)

    @app.get("/problems/{code}", include_in_schema=False)
    async def problem_doc(code: str) -> dict[str, Any]:
        cls = REGISTRY.get(code)
        if cls is None:
            raise NotFound(f"No problem type {code!r}.")
        return {"code": cls.code, "status": cls.status, "title": cls.title, "doc": (cls.__doc__ or "").strip()}

    @app.get("/", include_in_schema=False)
    async def root(request: Request) -> dict[str, Any]:
        return {
            "name": "rewardkit",
            "version": __version__,
            "docs": "/docs",
            "openapi": "/openapi.json",
            "api_versions": versioning.VERSIONS,
        }

    _document_problems(app)
    return app


SYSTEM_EXAMPLES: dict[str, Any] = {"healthz": {"status": "ok"}, "readyz": {"status": "ready", "migration": "0005"}}


def _document_problems(app: FastAPI) -> None:
    """Put every problem type into the OpenAPI description, the problem+json schema on errors, and each
    module's response examples on its operations."""
    original = app.openapi
    examples = {**SYSTEM_EXAMPLES, **{op: body for m in MODULES for op, body in m.examples.items()}}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps["Problem"] = {
            "type": "object",
            "description": "RFC 9457 problem details. `code` is stable; switch on it.",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "code": {"type": "string", "enum": sorted(REGISTRY)},
                "instance": {"type": "string", "description": "The path of the request"},
                "request_id": {"type": "string", "description": "The request's id, as in the Request-Id header"},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            },
            "required": ["type", "title", "status", "detail", "code"],
            # Some problems add their own members (known_versions, product_currency, …): RFC 9457 extensions.
            "additionalProperties": True,
        }
        comps["FieldError"] = {
            "type": "object",
            "description": "One invalid field (validation_error) or row (catalog and inventory imports).",
            "additionalProperties": True,
        }
        # FastAPI's own 422 models: every error is a Problem instead (replaced below).
        comps.pop("HTTPValidationError", None)
        comps.pop("ValidationError", None)
        document_operations(schema)
        comps_root = schema["components"]
        comps_root["securitySchemes"] = {
            "apiKey": {"type": "http", "scheme": "bearer", "description": "sk_test_… or sk_live_…"}
        }
        schema["security"] = [{"apiKey": []}]
        schema["x-problem-types"] = [
            {"code": c.code, "status": c.status, "title": c.title}
            for c in sorted(REGISTRY.values(), key=lambda c: c.code)
        ]
        for path in schema.get("paths", {}).values():
            for op in path.values():
                example = examples.get(op.get("operationId", ""))
                ok = op.get("responses", {}).get("200") or op.get("responses", {}).get("201")
                if example is not None and ok is not None:
                    ok.setdefault("content", {}).setdefault("application/json", {})["example"] = example
                for status, resp in op.get("responses", {}).items():
                    if status.startswith(("4", "5")):
                        resp["content"] = {
                            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                        }
        document_samples(schema, {op: body for m in MODULES for op, body in m.request_examples.items()})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
