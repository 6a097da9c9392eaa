// The page a `#token=` link opens (and a reload lands on): the token is in the fragment, which
// never reaches the server, so this page trades it (as a bearer header) for a short-lived page
// ticket and loads the page with that. The token stays in this tab's sessionStorage and leaves
// the address bar (api.takeToken); the ticket is cleaned off the next page's address in turn.
//
// The hop is on the way to every room, so nothing is fetched before the ticket is asked for:
// this script is inlined at the top of the open page's document (open_page.py; web/build.mjs
// builds it alone, without shared chunks), so it runs as soon as it is parsed, ahead of the
// stylesheet (a script after one waits for it), asks for the ticket, and only then preloads
// what the next page loads (`data-next`: the server knows the room's mode, so a scripted room's link
// fetches the scripted page's bundle, a peer room's the room page's). The page is opened once
// both are in, so the next page finds its script in the cache instead of its fetches being cut
// off by the navigation and started again.
import { messageOf, request, roomIdOf, takeToken } from "./api.js";

// A stalled preload must not hold the room back: the next page fetches what is missing itself.
const PRELOAD_WAIT_MS = 3000;

const path = location.pathname;
const token = takeToken();

/** Runs `then` once the page's elements exist (this script runs at the top of the head).
 * @param {() => void} then */
function whenParsed(then) {
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", then, { once: true });
  } else then();
}

/** @param {string} title @param {string} message */
function refuse(title, message) {
  whenParsed(() => {
    const heading = document.getElementById("open-title");
    if (heading) heading.textContent = title;
    const text = document.getElementById("open-message");
    if (text) text.textContent = message;
    document.getElementById("open-home")?.removeAttribute("hidden");
  });
}

/** Fetches the next page's files into the cache; resolves when each has loaded or failed.
 * @param {string[]} urls @returns {Promise<unknown>} */
function preload(urls) {
  const loads = urls.map((href) => new Promise((resolve) => {
    const link = document.createElement("link");
    if (href.endsWith(".css")) {
      link.rel = "preload";
      link.as = "style";
    } else link.rel = "modulepreload";
    link.href = href;
    link.onload = link.onerror = resolve;
    document.head.append(link);
  }));
  return Promise.race([
    Promise.all(loads), new Promise((resolve) => { setTimeout(resolve, PRELOAD_WAIT_MS); }),
  ]);
}

if (!token) {
  refuse(
    "This address does not open the room",
    "Open the whole link you were sent (it ends with a long code). If you opened it in another " +
      "tab before, that tab still has the room.",
  );
} else {
  const ticket = request(`/api/rooms/${encodeURIComponent(roomIdOf(path))}/page-ticket`, {
    method: "POST",
    token,
  });
  const next = document.currentScript?.getAttribute("data-next") || "";
  const fetched = preload(next.split(" ").filter(Boolean));
  Promise.all([ticket, fetched])
    .then(([/** @type {{sig: string}} */ granted]) => {
      location.replace(`${path}?sig=${encodeURIComponent(granted.sig)}`);
    })
    .catch((err) => refuse("This link does not open the room", messageOf(err)));
}
