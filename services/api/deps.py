"""Request dependencies as typed aliases: the database session and the calling principal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from services.api.schemas import RefusalOut
from services.api.security import Principal, hash_token, resolve_token
from services.api.settings import Settings

bearer = HTTPBearer(auto_error=False, description="A token from `emias api token ROLE ...`")


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Async so that FastAPI does not spend a thread hop on it: making a session does no I/O, and closing
    # one after a commit does none either. Leaving without commit (an error, a refusal) rolls back.
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _lookup(sessions, token: str, cache) -> Principal | None:
    # A session of its own, closed at once: the request's session must not hold a connection while it
    # waits for a worker thread, or a burst of new tokens can starve the pool.
    with sessions() as session:
        return resolve_token(session, token, cache)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    unauthorised = HTTPException(
        status.HTTP_401_UNAUTHORIZED, "missing or unknown bearer token", {"WWW-Authenticate": "Bearer"}
    )
    if credentials is None:
        raise unauthorised
    cache = request.app.state.token_cache
    principal = cache.get(hash_token(credentials.credentials))
    if principal is None:  # not seen lately: ask the database, off the event loop
        principal = await run_in_threadpool(
            _lookup, request.app.state.sessions, credentials.credentials, cache
        )
    if principal is None:
        raise unauthorised
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def forbidden(why: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, why)


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found")


def conflict(why: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, why)


def field_error(where: str, field: str, msg: str) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors, for rules a schema cannot express."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"type": "value_error", "loc": [where, field], "msg": msg}],
    )


def require_role(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise forbidden(f"role {principal.role} may not do this")


UNAUTHORISED = "No bearer token, or an unknown or revoked one"


def refusals(why: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """A route's refusals for its OpenAPI `responses`: 401 always, then each code given with when it
    comes. The body is `RefusalOut`: a sentence, or FastAPI's validation-error list when a contract rule
    is broken (type = the rule's name)."""
    return {
        code: {"model": RefusalOut, "description": text} for code, text in {401: UNAUTHORISED, **why}.items()
    }
