"""Bearer tokens: HS256 JWTs signed with ``MCDESK_JWT_KEY``.

A token names a *subject* (a person or a script); the per-token job limit counts the jobs
of a subject.  Signatures are checked by PyJWT, which compares them in constant time
(``hmac.compare_digest``); the expiry (``exp``) and subject (``sub``) are required.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from .errors import AuthError

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
ISSUER = "mcdesk"


def _jwt():
    try:
        import jwt
    except ImportError as exc:  # pragma: no cover - the service extra brings it
        raise AuthError("the service needs PyJWT: pip install 'mcdesk[service]'") from exc
    return jwt


def issue_token(key: str, subject: str, days: float = 30.0) -> str:
    """A token for ``subject`` valid for ``days`` days, signed with ``key``."""
    if not subject or not subject.strip():
        raise AuthError("a token needs a subject (--subject NAME)")
    if days <= 0:
        raise AuthError("--days must be positive")
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": subject.strip(), "iss": ISSUER, "iat": now, "nbf": now,
              "exp": now + dt.timedelta(days=days), "jti": uuid.uuid4().hex}
    return _jwt().encode(claims, key, algorithm=ALGORITHM)


def verify_token(key: str, token: str) -> str:
    """The subject of a valid token; AuthError (without the token's text) otherwise."""
    jwt = _jwt()
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER, leeway=30,
                            options={"require": ["exp", "sub", "iss"]})
    except jwt.ExpiredSignatureError:
        raise AuthError("the token has expired; ask for a new one") from None
    except jwt.InvalidTokenError as exc:
        log.info("refused a token: %s", type(exc).__name__)
        raise AuthError("the token is not valid for this service") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise AuthError("the token has no subject")
    return sub


def bearer(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; AuthError when absent."""
    if not header:
        raise AuthError("no bearer token: send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    return token.strip()
