// "Links and invites" on the scripted and review pages: one import in the page's entry and one
// `<section data-links-mount data-room-id=… data-title=…>` in its template. Only the room's
// owner (the candidate) sees it; for a reviewer the API answers 403 and the section stays hidden.

import { takeToken } from "./api.js";
import { mountLinksPanel } from "./links-panel.js";

const host = /** @type {HTMLElement|null} */ (document.querySelector("[data-links-mount]"));
if (host) {
  const token = takeToken();
  const details = document.createElement("details");
  details.className = "links-panel";
  const summary = document.createElement("summary");
  summary.textContent = "Links and invites (the reviewer link for a coach)";
  const body = document.createElement("div");
  details.append(summary, body);
  host.replaceChildren(details);
  mountLinksPanel(body, {
    roomId: host.dataset.roomId || "", token, title: host.dataset.title || "", host,
    renewable: ["reviewer"], // a coach's link shared too widely can be withdrawn
  });
}
