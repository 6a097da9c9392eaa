"""`mockroom doctor URL`: check a deployment from outside, the way a student's browser meets it.

Each check prints ok / WARN / FAIL, and every WARN and FAIL comes with the fix. The checks follow
a join: TLS certificate, /healthz (and the clock, from its Date header), creating a room and the
links it hands out, the signaling WebSocket through the proxy, the Origin check, and TURN with
the fresh credentials the room hands out. It creates one room titled "mockroom doctor" (and
deletes it again where the server offers that).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import ssl
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .turn_check import TurnServer, allocate, turn_servers

OK, WARN, FAIL = "ok", "WARN", "FAIL"
MAX_SKEW_S = 5.0
RENEW_DAYS = 14
PROXY_WS_FIX = (
    "the proxy must pass WebSocket upgrades to MockRoom; nginx: `proxy_http_version 1.1; "
    'proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; '
    "proxy_read_timeout 3600s;` in the location that proxies MockRoom"
)
ORIGIN_FIX = (
    "MockRoom sees another host or scheme than the browser does: set "
    "MOCKROOM_PUBLIC_URL={origin}, or MOCKROOM_TRUST_PROXY=true with the proxy sending "
    "X-Forwarded-Proto and X-Forwarded-Host"
)


@dataclass
class Finding:
    status: str  # OK, WARN or FAIL
    check: str
    detail: str
    fix: str = ""


class DoctorError(Exception):
    """A check failed in a way that makes the later checks pointless."""


class Doctor:
    def __init__(self, url: str, ca_file: Path | None, timeout: float) -> None:
        parts = urlsplit(url.rstrip("/"))
        self.url = url.rstrip("/")
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout
        self.ssl = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        self.findings: list[Finding] = []
        self.room: dict[str, Any] | None = None

    def add(self, status: str, check: str, detail: str, fix: str = "") -> None:
        finding = Finding(status, check, detail, fix)
        self.findings.append(finding)
        print(f"  {status:<4}  {check}: {detail}")
        if fix:
            print(f"        fix: {fix}")

    # the checks, in the order a browser meets them ---------------------------------------
    async def run(self) -> list[Finding]:
        if self.scheme not in ("http", "https") or not self.host:
            self.add(FAIL, "url", f"{self.url!r} is not an http(s) URL", "pass e.g. https://host")
            return self.findings
        print(f"Checking {self.origin} …")
        if self.scheme == "https" and not await self.check_tls():
            return self.findings  # every later check would fail the same way
        if self.scheme == "http" and self.host not in ("localhost", "127.0.0.1", "::1"):
            self.add(
                WARN,
                "https",
                "plain http: browsers allow cameras and microphones only on https",
                "terminate TLS in a proxy, or run `mockroom serve --tls-cert … --tls-key …`",
            )
        connector = aiohttp.TCPConnector(ssl=self.ssl if self.scheme == "https" else False)
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            try:
                await self.check_health(http)
                await self.check_room(http)
                await self.check_websocket(http)
                await self.check_origin(http)
                await self.check_turn()
            except DoctorError:
                pass
            finally:
                await self.delete_room(http)
        return self.findings

    async def check_tls(self) -> bool:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=self.ssl), self.timeout
            )
        except ssl.SSLCertVerificationError as exc:
            detail = f"the certificate is not valid: {exc.verify_message}"
            self.add(FAIL, "tls", detail, _tls_fix(exc))
            return False
        except (OSError, TimeoutError) as exc:
            self.add(
                FAIL,
                "tls",
                f"cannot open a TLS connection to {self.host}:{self.port} ({exc})",
                "check that the server or proxy listens there and the firewall lets 443 in",
            )
            return False
        cert = writer.get_extra_info("peercert") or {}
        writer.close()
        expires = ssl.cert_time_to_seconds(cert["notAfter"]) if "notAfter" in cert else 0.0
        days = int((expires - time.time()) // 86400)
        when = time.strftime("%Y-%m-%d", time.gmtime(expires))
        if days < RENEW_DAYS:
            self.add(
                WARN,
                "tls",
                f"the certificate expires in {days} days ({when})",
                "renew it now (certbot renew, or let Caddy/Traefik renew) and reload the proxy",
            )
        else:
            self.add(OK, "tls", f"certificate valid for {self.host} until {when} ({days} days)")
        return True

    async def check_health(self, http: aiohttp.ClientSession) -> None:
        try:
            async with http.get(self.url + "/healthz") as resp:
                body = await resp.text()
                date = resp.headers.get("Date")
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.add(
                FAIL,
                "healthz",
                f"GET /healthz failed: {exc or type(exc).__name__}",
                "check that MockRoom runs and that the proxy forwards every path to it",
            )
            raise DoctorError from None
        if status == 503:
            self.add(WARN, "healthz", "the server is draining (restarting); try again shortly")
            raise DoctorError
        if status != 200 or '"ok": true' not in body.replace('"ok":true', '"ok": true'):
            self.add(
                FAIL,
                "healthz",
                f'GET /healthz answered {status}, not MockRoom\'s {{"ok": true}}',
                "the proxy must forward every path to MockRoom "
                "(location / { proxy_pass http://127.0.0.1:8080; })",
            )
            raise DoctorError
        self.add(OK, "healthz", "GET /healthz answered 200")
        self.check_clock(date)

    def check_clock(self, date: str | None) -> None:
        if not date:
            self.add(WARN, "clock", "no Date header: cannot compare clocks")
            return
        skew = email.utils.parsedate_to_datetime(date).timestamp() - time.time()
        if abs(skew) > MAX_SKEW_S:
            self.add(
                WARN,
                "clock",
                f"the server's clock is {skew:+.0f} s off this machine's",
                "run NTP on the server (timedatectl set-ntp true); expiring links and TURN "
                "credentials depend on the clock",
            )
        else:
            self.add(OK, "clock", f"the server's clock is within {MAX_SKEW_S:.0f} s of this one")

    async def check_room(self, http: aiohttp.ClientSession) -> None:
        body = {"mode": "peer", "media": "audio", "title": "mockroom doctor"}
        async with http.post(self.url + "/api/rooms", json=body) as resp:
            text = await resp.text()
            if resp.status == 429:
                self.add(WARN, "room", "room creation is rate limited right now; try later")
                raise DoctorError
            if resp.status != 201:
                self.add(FAIL, "room", f"POST /api/rooms answered {resp.status}: {text[:200]}")
                raise DoctorError
        room: dict[str, Any] = json.loads(text)
        room["tokens"] = {r: u.split("token=", 1)[1] for r, u in room["links"].items()}
        self.room = room
        link = room["links"]["candidate"]
        link_origin = "{0.scheme}://{0.netloc}".format(urlsplit(link)) if "://" in link else None
        if link_origin is not None and link_origin != self.origin:
            self.add(
                FAIL,
                "links",
                f"links point to {link_origin}, not {self.origin}",
                ORIGIN_FIX.format(origin=self.origin),
            )
        else:
            self.add(OK, "links", f"a new room's links open {link_origin or self.origin}")
        headers = {"Authorization": f"Bearer {room['tokens']['interviewer']}"}
        async with http.get(f"{self.url}/api/rooms/{room['room_id']}", headers=headers) as resp:
            info = await resp.json() if resp.status == 200 else {}
        room["ice_servers"] = info.get("ice_servers", [])

    def _ws_url(self) -> str:
        assert self.room is not None
        scheme = "wss" if self.scheme == "https" else "ws"
        return f"{scheme}://{urlsplit(self.url).netloc}/ws/rooms/{self.room['room_id']}"

    async def check_websocket(self, http: aiohttp.ClientSession) -> None:
        """The signaling socket as a page of this site opens it, then without an Origin.

        The Origin check answers before the upgrade, so when it refuses our own origin, a
        second try without Origin (allowed for non-browser clients) still tests the proxy.
        """
        status = await self._hello(http, self.origin)
        if status == 403:
            self.add(
                FAIL,
                "origin",
                f"the server refuses sockets from its own pages ({self.origin})",
                ORIGIN_FIX.format(origin=self.origin),
            )
            status = await self._hello(http, None)
        if status is not None:
            self.add(FAIL, "websocket", f"the upgrade was refused with {status}", PROXY_WS_FIX)
            raise DoctorError
        self.add(OK, "websocket", "the signaling socket upgrades and answers hello")

    async def _hello(self, http: aiohttp.ClientSession, origin: str | None) -> int | None:
        """None once `hello` got its welcome; else the HTTP status that refused the upgrade."""
        assert self.room is not None
        token = self.room["tokens"]["interviewer"]
        try:
            async with http.ws_connect(self._ws_url(), origin=origin) as ws:
                await ws.send_json({"type": "hello", "version": 1, "token": token})
                reply = json.loads(await ws.receive_str(timeout=self.timeout))
                await ws.send_json({"type": "bye"})
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status
        except (aiohttp.ClientError, TimeoutError, TypeError, ValueError) as exc:
            self.add(FAIL, "websocket", f"no answer on the signaling socket ({exc})", PROXY_WS_FIX)
            raise DoctorError from None
        if reply.get("type") != "welcome":
            self.add(FAIL, "websocket", f"hello got {reply.get('type')!r}: {reply.get('message')}")
            raise DoctorError
        return None

    async def check_origin(self, http: aiohttp.ClientSession) -> None:
        try:
            async with http.ws_connect(self._ws_url(), origin="https://doctor-check.invalid"):
                pass
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 403:
                self.add(OK, "origin", "sockets from another site's pages are refused")
                return
            self.add(WARN, "origin", f"a foreign Origin got {exc.status}, not 403")
            return
        self.add(
            FAIL,
            "origin",
            "a page of another site may open this server's sockets",
            "remove stray entries from MOCKROOM_ALLOWED_ORIGINS, and make sure the proxy "
            "passes the browser's Origin header unchanged",
        )

    async def check_turn(self) -> None:
        assert self.room is not None
        servers = turn_servers(self.room["ice_servers"])
        if not servers:
            self.add(
                WARN,
                "turn",
                "the server hands out no TURN server: people behind strict NATs or firewalls "
                "that block UDP will not connect",
                "run coturn with use-auth-secret and set MOCKROOM_TURN_SECRET and "
                "MOCKROOM_TURN_URLS (README: TURN)",
            )
            return
        for server in servers:
            await self._check_one_turn(server)

    async def _check_one_turn(self, server: TurnServer) -> None:
        if server.expires_at is None:
            self.add(
                WARN,
                "turn",
                f"{server.url}: a static username and password reach every browser",
                "use time-limited credentials: MOCKROOM_TURN_SECRET with coturn's use-auth-secret",
            )
        elif server.expires_at < time.time():
            self.add(FAIL, "turn", f"{server.url}: the credentials it hands out already expired")
            return
        error = await allocate(server, self.ssl, self.timeout)
        if error is None:
            self.add(OK, "turn", f"{server.url}: allocated a relay with fresh credentials")
        else:
            self.add(
                FAIL,
                "turn",
                f"{server.url}: {error}",
                "check that coturn runs, its port is open (UDP/TCP 3478, TCP 443 for turns:), "
                "and its static-auth-secret equals MOCKROOM_TURN_SECRET",
            )

    async def delete_room(self, http: aiohttp.ClientSession) -> None:
        if self.room is None:
            return
        headers = {"Authorization": f"Bearer {self.room['tokens']['interviewer']}"}
        try:
            url = f"{self.url}/api/rooms/{self.room['room_id']}"
            async with http.delete(url, headers=headers) as resp:
                deleted = resp.status < 300
        except (aiohttp.ClientError, TimeoutError):
            deleted = False
        note = "deleted it again" if deleted else "it expires like any unused room"
        print(f"  (created one room titled 'mockroom doctor' for these checks; {note})")


def _tls_fix(exc: ssl.SSLCertVerificationError) -> str:
    message = exc.verify_message or ""
    if "expired" in message:
        return "renew the certificate (certbot renew) and reload the proxy"
    if "self-signed" in message or "local issuer" in message:
        return (
            "use a certificate browsers trust (Let's Encrypt via certbot, Caddy or Traefik), "
            "and serve the full chain; for a lab CA, pass --ca-file to check against it"
        )
    if "mismatch" in message or "match" in message:
        return "the certificate does not name this host: issue one for it"
    return "serve a valid certificate with its full chain"


def run_doctor(url: str, *, ca_file: Path | None = None, timeout: float = 10.0) -> int:
    findings = asyncio.run(Doctor(url, ca_file, timeout).run())
    failed = sum(f.status == FAIL for f in findings)
    warned = sum(f.status == WARN for f in findings)
    print(f"{failed} problem(s), {warned} warning(s).", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0
