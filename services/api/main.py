"""The FastAPI application: `create_app(settings)` wires the store, the routes and the access log.

Run it with `emias api serve` (or `uvicorn services.api.main:create_app --factory`). OpenAPI docs at /docs
(Swagger UI) and /redoc (ReDoc), both served from the fastapi-offline package's own files: no CDN, so they
render on a machine without internet.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from services.api.db import make_engine, session_factory, upgrade
from services.api.outbox import set_clock
from services.api.routes import booking, directory, hospitals, patients, prescriptions, records, referrals
from services.api.rules import RuleBroken
from services.api.security import TokenCache
from services.api.settings import Settings

API_PREFIX = "/api/v1"
access_log = logging.getLogger("services.api.access")


class AccessLog:
    """Logs method, route template, status and time of each request.

    The route template (`/api/v1/patients/{patient_id}/card`), never the actual path, so no patient id
    reaches the logs; uvicorn's own access log is switched off for the same reason.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), 500

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                route = getattr(scope.get("route"), "path", "-")
                if scope["path"].startswith(API_PREFIX) and not route.startswith(API_PREFIX):
                    route = API_PREFIX + route  # routes of an included router know their path without prefix
                ms = (time.perf_counter() - start) * 1000
                access_log.info("%s %s %s %.1fms", scope["method"], route, status, ms)


class DocsStayLocal:
    """Gives the docs pages (/docs, /redoc) a Content-Security-Policy that lets them load only from here.

    Their scripts and styles are the package's own files already; the policy also stops what the bundles
    reach for by themselves (ReDoc draws Redocly's logo from a CDN in its footer), so a docs page never
    tells a third party where the service runs. Inline script and style: both pages are built that way.
    """

    PATHS = ("/docs", "/redoc")
    POLICY = (
        b"default-src 'self'; img-src 'self' data:; script-src 'self' 'unsafe-inline'; "
        b"style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; font-src 'self' data:"
    )

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] not in self.PATHS:
            return await self.app(scope, receive, send)

        async def send_with_policy(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"content-security-policy", self.POLICY)]
            await send(message)

        await self.app(scope, receive, send_with_policy)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    set_clock(settings.api_clock_start)
    engine = make_engine(settings.db_url, settings.db_pool_size, settings.db_max_overflow)
    if settings.migrate_on_startup:
        upgrade(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        engine.dispose()

    app = FastAPIOffline(
        title="EMIAS operational API",
        summary="Booking, outpatient records, e-prescriptions, referrals, hospital stays; every change feeds "
        "the warehouse.",
        version="1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.token_cache = TokenCache(settings.token_cache_seconds)
    # Booking first: routers are matched in order, and booking is the busiest.
    for module in (booking, directory, patients, records, prescriptions, referrals, hospitals):
        app.include_router(module.router, prefix=API_PREFIX)

    @app.exception_handler(RuleBroken)
    async def refuse(_request: Request, e: RuleBroken) -> JSONResponse:
        # the contract's rules refused the row: FastAPI's validation-error shape, the rule as the type
        return JSONResponse({"detail": e.detail}, status_code=e.status)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(DocsStayLocal)
    app.add_middleware(AccessLog)
    return app
