"""Browser-facing safety: Origin checks for sockets, CSP and other headers on every response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from .settings import Settings

# Scripts and styles come only from us; media may be blob: (recordings) and mediastream:.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self' ws: wss:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def request_origin(request: web.Request, settings: Settings) -> str:
    """The origin this server is reached at, as the browser sees it."""
    scheme, host = request.scheme, request.host
    if settings.trust_proxy:
        scheme = request.headers.get("X-Forwarded-Proto", scheme).split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", host).split(",")[0].strip()
    return f"{scheme}://{host}"


def origin_allowed(request: web.Request, settings: Settings) -> bool:
    """Browsers always send Origin on a WebSocket; a page of another site must not use our tokens.

    Clients without an Origin (a Yjs client in Node, a test) are not browsers, so cross-site
    request forgery does not apply to them; they still need a valid token.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    if origin in settings.allowed_origins:
        return True
    if settings.public_url and origin == settings.public_url.rstrip("/"):
        return True
    own = request_origin(request, settings)
    if origin == own:
        return True
    # Same host reached by http or ws on loopback with a different scheme label is still us.
    return origin.split("://", 1)[-1] == own.split("://", 1)[-1]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if not response.prepared:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Capability links carry tokens in the URL: never leak them to another site.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)"
        )
    return response
