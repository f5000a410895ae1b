"""Authentication at the edge: API keys, session cookies and CSRF tokens.

API keys come in ``Authorization: Bearer xck_…`` or ``X-API-Key``; browsers carry the ``xc_session``
cookie. CSRF tokens are HMACs bound to the session token, or — before login — to a random nonce cookie.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response
from sqlalchemy.orm import Session

from xingcheng.core.deps import CSRF_COOKIE, SESSION_COOKIE
from xingcheng.core.errors import NotAuthenticated
from xingcheng.core.settings import Settings
from xingcheng.identity.principal import ANONYMOUS, Principal
from xingcheng.identity.security import API_KEY_PREFIX, csrf_token, csrf_valid
from xingcheng.identity.service import IdentityService

__all__ = ["Authenticator"]


class Authenticator:
    def __init__(self, settings: Settings, service: IdentityService) -> None:
        self.settings = settings
        self.service = service
        self._key = settings.signing_key()

    @staticmethod
    def _api_key(request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return request.headers.get("x-api-key")

    def resolve_cached(self, request: Request) -> Principal | None:
        """The caller when that needs no database read (an API key checked moments ago); else None."""
        key = self._api_key(request)
        if key is None or not key.startswith(API_KEY_PREFIX):
            return None
        principal = self.service.cached_key(key)
        if principal is not None:
            request.state.principal = principal
        return principal

    def resolve(self, request: Request, db: Session) -> Principal:
        principal: Principal | None = None
        key = self._api_key(request)
        if key is not None:
            principal = self.service.principal_for_key(db, key) if key.startswith(API_KEY_PREFIX) else None
            if principal is None:
                # A wrong key is an error, not a silent fall-back to anonymous.
                raise NotAuthenticated("identity.key.invalid")
        else:
            token = request.cookies.get(SESSION_COOKIE)
            if token:
                principal = self.service.principal_for_session(db, token)
        request.state.principal = principal or ANONYMOUS
        return request.state.principal

    # -- CSRF --------------------------------------------------------------------------------------
    def _binding(self, request: Request, principal: Principal) -> str | None:
        if principal.session_token:
            return "s:" + principal.session_token
        nonce = request.cookies.get(CSRF_COOKIE)
        return "n:" + nonce if nonce else None

    def csrf_for(self, request: Request, principal: Principal) -> str:
        """The token to embed in forms; sets a nonce cookie for anonymous visitors when needed."""
        binding = self._binding(request, principal)
        if binding is None:
            nonce = getattr(request.state, "csrf_nonce", None) or secrets.token_urlsafe(24)
            request.state.csrf_nonce = nonce
            binding = "n:" + nonce
        return csrf_token(self._key, binding)

    def csrf_ok(self, request: Request, principal: Principal, presented: str | None) -> bool:
        binding = self._binding(request, principal)
        return binding is not None and csrf_valid(self._key, binding, presented)

    def set_cookies(self, request: Request, response: Response) -> None:
        nonce = getattr(request.state, "csrf_nonce", None)
        if nonce:
            response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="lax", secure=self.settings.cookie_secure)

    def login_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=self.settings.session_ttl_minutes * 60,
            httponly=True,
            samesite="lax",
            secure=self.settings.cookie_secure,
        )

    @staticmethod
    def logout_cookie(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE)
