// The browser's JSON API client (DESIGN.md, "JSON API"): the link's token from the URL, the
// socket URL of a server path, one authorized fetch, and error bodies (`{"error": code, "message": text}`) turned into an
// ApiError that carries the server's message, code and HTTP status. No DOM here: recorder.js
// runs on it under Node with an injected fetch.

/**
 * The capability token of the link this page was opened with: `?token=` or `#token=` (a
 * fragment never reaches server logs, so shared links may carry it there).
 * @param {{search: string, hash: string}} [where] defaults to the page's location
 * @returns {string} "" when the link has none
 */
export function readToken(where = globalThis.location) {
  if (!where) return "";
  return new URLSearchParams(where.search).get("token") ||
    new URLSearchParams(where.hash.slice(1)).get("token") || "";
}

/** The room id of a page path `/rooms/{id}[/…]`, or "". @param {string} path */
export function roomIdOf(path) {
  const match = /^\/rooms\/([^/]+)/.exec(path);
  return match ? decodeURIComponent(match[1]) : "";
}

/** @type {Map<string, string>} tokens already taken out of this tab's address */
const taken = new Map();

/**
 * The token of the link this tab opened (security review M7). Taken from `?token=` or
 * `#token=` the first time, kept in this tab's sessionStorage (a reload, or the report opened
 * from the room, finds it there), and removed from the address bar, and so from this history
 * entry, together with the page ticket (`?sig=`) the page was loaded with.
 * @returns {string} "" when neither the address nor this tab has one
 */
export function takeToken() {
  const where = globalThis.location;
  if (!where) return "";
  const roomId = roomIdOf(where.pathname);
  const key = `mockroom.token.${roomId}`;
  const fromAddress = readToken(where);
  /** @type {Storage|null} */
  let storage = null;
  try {
    storage = globalThis.sessionStorage;
  } catch {
    // Storage blocked by the browser's settings: the token lives only as long as the page.
  }
  if (fromAddress) {
    taken.set(key, fromAddress);
    storage?.setItem(key, fromAddress);
  }
  if (!taken.has("hashchange")) {
    taken.set("hashchange", "");
    // A link pasted into this tab's address bar while it shows the room (a renewed link, say)
    // only changes the fragment, which loads nothing: load the room again with that token.
    globalThis.addEventListener?.("hashchange", () => {
      const pasted = readToken(globalThis.location);
      if (!pasted) return;
      taken.set(key, pasted);
      storage?.setItem(key, pasted);
      globalThis.location.reload();
    });
  }
  cleanAddress(where);
  return taken.get(key) || storage?.getItem(key) || "";
}

/** @param {Location} where */
function cleanAddress(where) {
  const url = new URL(where.href);
  const hash = new URLSearchParams(url.hash.slice(1));
  if (!url.searchParams.has("token") && !url.searchParams.has("sig") && !hash.has("token")) return;
  url.searchParams.delete("token");
  url.searchParams.delete("sig");
  hash.delete("token");
  url.hash = hash.toString();
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
}

/**
 * Turns "/ws/rooms/x" or "http(s)://host/ws/…" into a ws(s) URL, against `base`.
 * @param {string} url @param {string} [base] default: the page's URL
 */
export function socketUrl(url, base) {
  const against = base || (globalThis.location ? globalThis.location.href : "http://localhost/");
  const u = new URL(url, against);
  if (u.protocol === "http:") u.protocol = "ws:";
  if (u.protocol === "https:") u.protocol = "wss:";
  return u.toString();
}

/** @typedef {{error?: string, message?: string, [field: string]: unknown}} ErrorBody */

/** A refused request: `message` is written for people, `code` is the server's error code. */
export class ApiError extends Error {
  /** @param {number} status @param {any} body the parsed body, or null @param {string} fallback */
  constructor(status, body, fallback) {
    super((body && typeof body.message === "string" && body.message) || fallback);
    this.name = "ApiError";
    this.status = status;
    /** @type {string} */
    this.code = (body && typeof body.error === "string" && body.error) || "";
    /** @type {any} the whole body (e.g. a 409's `expected` chunk) */
    this.body = body;
  }
}

/**
 * @typedef {object} RequestOptions
 * @property {string} [method] default GET
 * @property {string} [token] sent as `Authorization: Bearer …` when set
 * @property {unknown} [json] a body sent as JSON
 * @property {Blob} [blob] a body sent as bytes
 * @property {string} [contentType] of the blob (default application/octet-stream)
 * @property {RequestCache} [cache]
 * @property {(status: number) => string} [fallback] the message when the body has none
 * @property {typeof fetch} [fetchImpl] tests inject one (default: the global fetch)
 */

/**
 * Sends one request and parses the JSON answer. Resolves with the body (null when it is not
 * JSON); rejects with an ApiError for a 4xx/5xx, or with the network's TypeError.
 * @param {string} url @param {RequestOptions} [options] @returns {Promise<any>}
 */
export async function request(url, options = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  /** @type {BodyInit|undefined} */
  let body;
  if (options.blob !== undefined) {
    headers["Content-Type"] = options.contentType || "application/octet-stream";
    body = options.blob;
  } else if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const doFetch = options.fetchImpl || globalThis.fetch;
  /** @type {RequestInit} */
  const init = { method: options.method || "GET", headers, body };
  if (options.cache) init.cache = options.cache;
  const response = await doFetch(url, init);
  const data = await response.json().catch(() => /** @type {any} */ (null));
  if (!response.ok) {
    const fallback = options.fallback || ((status) => `HTTP ${status}`);
    throw new ApiError(response.status, data, fallback(response.status));
  }
  return data;
}

/** The message of anything thrown, for a status line. @param {unknown} err */
export function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}
