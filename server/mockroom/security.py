"""Browser-facing safety: Origin checks for sockets, CSP and other headers on every response."""

from __future__ import annotations

from aiohttp import web

from .keys import SETTINGS
from .settings import Settings

# Scripts and styles come only from us; media may be blob: (recordings) and mediastream:.
# connect-src 'self' covers ws:/wss: to this same host (CSP Level 3), and nothing else: an
# injected script could not send tokens to a socket elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# A year, without includeSubDomains: other hosts of the operator's domain are not ours to pin.
HSTS = "max-age=31536000"


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
    request forgery does not apply to them; they still need a valid token. The whole origin
    counts, scheme included: https://host is another origin than http://host.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    if origin in settings.allowed_origins:
        return True
    if settings.public_url and origin == _origin_of(settings.public_url):
        return True
    return origin == request_origin(request, settings)


def _origin_of(url: str) -> str:
    """scheme://host[:port] of a URL: PUBLIC_URL may carry a path (a sub-path deployment)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _serves_https(request: web.Request, settings: Settings) -> bool:
    public = settings.public_url or ""
    return public.startswith("https://") or request_origin(request, settings).startswith("https:")


def _carries_token(request: web.Request) -> bool:
    """Pages opened with a capability link, the API and the sockets: nothing a cache may keep."""
    return "token" in request.query or request.path.startswith(("/api/", "/rooms/", "/ws/"))


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Runs for every response, errors and unknown paths included (a middleware misses those)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Capability links carry tokens in the URL: never leak them to another site.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)"
    )
    if _carries_token(request):
        # Overrides a handler's own caching: a recording or a report must not sit in a disk
        # cache of a shared computer, nor in a proxy.
        headers["Cache-Control"] = "no-store"
    settings = request.app[SETTINGS]
    if _serves_https(request, settings):
        headers.setdefault("Strict-Transport-Security", HSTS)


def setup_security(app: web.Application) -> None:
    app.on_response_prepare.append(_add_headers)
