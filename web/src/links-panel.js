// "Links of this room": the room's owner (interviewer in peer rooms, candidate in scripted rooms)
// sees and copies every current link from inside the room (GET /api/rooms/{id}/links), with a
// ready-to-paste invite message, and can withdraw one and get a fresh one (POST …/renew) after
// an in-page confirmation. Anyone else gets nothing (the API answers 403 and the panel hides).

import { ApiError, messageOf, request } from "./api.js";
import { copyText } from "./clipboard.js";
import { h } from "./dom.js";
import { inviteMessage } from "./invite-message.js";

/**
 * @typedef {{roomId: string, token: string, title?: string, renewable?: string[],
 *            host?: HTMLElement}} LinksContext  host: what to hide for a reader who is not the
 *            owner, and to show once the links arrived (default: the container)
 */

/** @type {Record<string, string>} */
const ROLE_WORDS = {
  interviewer: "interviewer",
  candidate: "candidate",
  observer: "observer",
  reviewer: "reviewer",
};

/** @param {HTMLButtonElement} button @param {string} text @param {string} label */
async function copyWithFeedback(button, text, label) {
  const ok = await copyText(text);
  button.textContent = ok ? "Copied" : "Select and copy";
  setTimeout(() => (button.textContent = label), 1500);
}

/**
 * @param {HTMLElement} container an element to fill (its content is replaced)
 * @param {LinksContext} ctx
 */
export function mountLinksPanel(container, ctx) {
  const host = ctx.host || container;
  const list = h("ul", { class: "room-link-list", "data-testid": "room-links" });
  const status = h("p", { class: "small muted", "aria-live": "polite" });
  container.replaceChildren(list, status);
  /** @type {Record<string, string>} */
  let links = {};
  let owner = "";

  async function refresh() {
    try {
      const body = await request(`/api/rooms/${encodeURIComponent(ctx.roomId)}/links`, {
        token: ctx.token, cache: "no-store",
      });
      links = body.links;
      owner = body.owner;
      host.hidden = false;
      render();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 401)) {
        host.hidden = true; // not the owner: there is nothing to show
        return links;
      }
      status.textContent = `Could not load the links: ${messageOf(err)}`;
    }
    return links;
  }

  function render() {
    list.replaceChildren(...Object.entries(links).map(([role, link]) => linkItem(role, link)));
  }

  /** @param {string} role @param {string} link */
  function linkItem(role, link) {
    const id = `room-link-${role}`;
    const input = /** @type {HTMLInputElement} */ (h("input", {
      id, readonly: "", value: link, "data-testid": `room-link-${role}`,
    }));
    input.value = link;
    input.addEventListener("focus", () => input.select());
    const copy = /** @type {HTMLButtonElement} */ (h("button", {
      type: "button", text: "Copy link", "aria-label": `Copy link: ${role}`,
      "data-testid": `copy-${role}-link`,
    }));
    copy.addEventListener("click", () => copyWithFeedback(copy, link, "Copy link"));
    const row = h("div", { class: "link-row" }, input, copy);
    const item = h("li", { "data-role": role },
      h("label", { for: id, class: "link-label", text: `Link for the ${ROLE_WORDS[role] || role}` +
        (role === owner ? " (yours — keep it)" : "") }),
      row);
    if (role !== owner) {
      const invite = /** @type {HTMLButtonElement} */ (h("button", {
        type: "button", text: "Copy invite message", "data-testid": `copy-${role}-invite`,
        "aria-label": `Copy invite message for the ${role}`,
      }));
      invite.addEventListener("click", () =>
        copyWithFeedback(invite, inviteMessage(role, link, ctx.title), "Copy invite message"));
      row.append(invite);
    }
    if ((ctx.renewable || []).includes(role)) item.append(renewControl(role));
    return item;
  }

  /** "New candidate link" → an in-page confirmation → the new link replaces the old one.
   * @param {string} role */
  function renewControl(role) {
    const box = h("div", { class: "renew" });
    const ask = /** @type {HTMLButtonElement} */ (h("button", {
      type: "button", class: "small-button", text: `New ${role} link`, "data-testid": `renew-${role}`,
    }));
    const confirmBox = h("div", { class: "confirm", role: "group", "aria-label": `Withdraw the ${role} link?`, hidden: "" },
    h("p", { class: "small", text: `Withdraw the current ${role} link? Anyone using it is refused ` +
        "from now on, and you send the new one instead." }));
    const yes = /** @type {HTMLButtonElement} */ (h("button", {
      type: "button", class: "danger", text: "Withdraw and make a new link",
      "data-testid": `confirm-renew-${role}`,
    }));
    const no = /** @type {HTMLButtonElement} */ (h("button", { type: "button", text: "Keep it" }));
    confirmBox.append(h("p", { class: "confirm-actions" }, yes, no));
    ask.addEventListener("click", () => {
      confirmBox.hidden = false;
      ask.hidden = true;
      yes.focus();
    });
    no.addEventListener("click", () => {
      confirmBox.hidden = true;
      ask.hidden = false;
      ask.focus();
    });
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      status.textContent = "Renewing…";
      try {
        const body = await request(
          `/api/rooms/${encodeURIComponent(ctx.roomId)}/links/${role}/renew`,
          { method: "POST", token: ctx.token });
        links = { ...links, [role]: body.link };
        render();
        status.textContent = `New ${role} link made; the old one no longer works. Send this one.`;
        const fresh = /** @type {HTMLInputElement|null} */ (list.querySelector(`#room-link-${role}`));
        if (fresh) {
          fresh.dataset.testid = `renewed-${role}-link`;
          fresh.focus();
        }
      } catch (err) {
        yes.disabled = false;
        status.textContent = `Could not renew the link: ${messageOf(err)}`;
      }
    });
    box.append(ask, confirmBox);
    return box;
  }

  const ready = refresh();
  return {
    refresh,
    /** Copies one role's link (e.g. from "Waiting for others… Copy the candidate link").
     * @param {string} role */
    async copy(role) {
      const current = links[role] ? links : await ready;
      return current[role] ? copyText(current[role]) : false;
    },
  };
}
