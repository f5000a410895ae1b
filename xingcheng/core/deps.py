"""Request dependencies shared by every domain: settings, the database session, the translator,
the current principal, and ``requires(permission)`` — the declaration every route must carry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xingcheng.core.errors import CsrfFailed, NotAuthenticated, PermissionDenied
from xingcheng.core.i18n import Translator
from xingcheng.core.settings import Settings

__all__ = [
    "CSRF_COOKIE",
    "LANG_COOKIE",
    "SESSION_COOKIE",
    "DbSession",
    "Requires",
    "get_db",
    "get_principal",
    "requires",
]

SESSION_COOKIE = "xc_session"
CSRF_COOKIE = "xc_csrf"
LANG_COOKIE = "xc_lang"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One request, one transaction: committed after the endpoint returns, before the response is sent.

    The session is made on the event loop (that touches no database) and finished in a worker thread only
    when it holds something; an endpoint that committed its own work in its own thread (the gateway) costs
    no second thread hand-over.
    """
    session: Session = request.app.state.db.sessionmaker()
    request.state.db = session
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a client gone away must not leave the session open
            await run_in_threadpool(_finish, session, False)
        raise
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        with anyio.CancelScope(shield=True):  # the endpoint's work is committed whoever still listens
            await run_in_threadpool(_finish, session, True)
    else:
        session.close()


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def get_translator(request: Request) -> Translator:
    return request.state.translator


def get_principal(request: Request, db: DbSession) -> Any:
    """Resolve (once per request) who is calling: API key, session cookie or anonymous."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    return request.app.state.auth.resolve(request, db)


def _resolve_in_own_session(request: Request) -> Any:
    """Who is calling, read in a short transaction of its own (a session's or key's use is recorded there)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    with request.app.state.db.session() as db:
        return request.app.state.auth.resolve(request, db)


class Requires:
    """Route dependency declaring the permission a route needs; the authz-matrix test reads it."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> Any:
        # No session parameter: a route that needs the database declares ``DbSession`` itself, and one that
        # does not (the gateway, whose key and grants are cached) pays for no session machinery.
        principal = getattr(request.state, "principal", None)
        if principal is None:
            peek = getattr(request.app.state.auth, "resolve_cached", None)
            principal = peek(request) if peek is not None else None
        if principal is None:
            principal = await run_in_threadpool(_resolve_in_own_session, request)
        if not principal.has(self.permission):
            if not principal.is_authenticated:
                raise NotAuthenticated()
            raise PermissionDenied()
        is_form = request.headers.get("content-type", "").startswith(FORM_TYPES)
        if request.method not in SAFE_METHODS and (principal.session_token or is_form):
            # Whatever rides on cookies or a plain form must prove it came from our own page; an API key or a
            # cookie-less JSON call cannot be forged cross-site.
            presented = request.headers.get("x-csrf-token")
            if presented is None and is_form:
                form = await request.form()
                value = form.get("csrf_token")
                presented = value if isinstance(value, str) else None
            if not request.app.state.auth.csrf_ok(request, principal, presented):
                raise CsrfFailed()
        return principal

    def __repr__(self) -> str:
        return f"requires({self.permission!r})"


def requires(permission: str) -> Any:
    """``dependencies=[requires("identity.user.view")]`` on a route, or as a parameter's Depends."""
    return Depends(Requires(permission))
