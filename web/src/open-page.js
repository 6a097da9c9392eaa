// The page a `#token=` link opens (and a reload lands on): the token is in the fragment, which
// never reaches the server, so this page trades it (as a bearer header) for a short-lived page
// ticket and loads the page with that. The token stays in this tab's sessionStorage and leaves
// the address bar (api.takeToken); the ticket is cleaned off the next page's address in turn.
import { messageOf, request, roomIdOf, takeToken } from "./api.js";
import { $ } from "./dom.js";

const path = location.pathname;
const token = takeToken();

/** @param {string} title @param {string} message */
function refuse(title, message) {
  const heading = $("open-title");
  if (heading) heading.textContent = title;
  const text = $("open-message");
  if (text) text.textContent = message;
  $("open-home")?.removeAttribute("hidden");
}

if (!token) {
  refuse(
    "This address does not open the room",
    "Open the whole link you were sent (it ends with a long code). If you opened it in another " +
      "tab before, that tab still has the room.",
  );
} else {
  request(`/api/rooms/${encodeURIComponent(roomIdOf(path))}/page-ticket`, {
    method: "POST",
    token,
  })
    .then((/** @type {{sig: string}} */ ticket) => {
      location.replace(`${path}?sig=${encodeURIComponent(ticket.sig)}`);
    })
    .catch((err) => refuse("This link does not open the room", messageOf(err)));
}
