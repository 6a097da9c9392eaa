// The interviewer's "Manage links": withdraw a candidate or observer link that went to the wrong
// person and get a fresh one (POST /api/rooms/{id}/links/{role}/renew). Rendered into a container
// that room.html provides only for the interviewer.

/**
 * @param {HTMLElement} container
 * @param {{roomId: string, token: string}} ctx
 */
export function mountLinksPanel(container, { roomId, token }) {
  const output = /** @type {HTMLElement} */ (container.querySelector("[data-links-output]"));
  for (const button of container.querySelectorAll("button[data-renew]")) {
    button.addEventListener("click", async () => {
      const renewRole = /** @type {HTMLElement} */ (button).dataset.renew || "";
      if (!confirm(`Withdraw the current ${renewRole} link? Anyone using it is refused from now on.`)) {
        return;
      }
      output.textContent = "Renewing…";
      try {
        const response = await fetch(`/api/rooms/${roomId}/links/${renewRole}/renew`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}` },
        });
        const body = await response.json();
        if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
        showLink(output, renewRole, body.link);
      } catch (err) {
        output.textContent = `Could not renew the link: ${err instanceof Error ? err.message : err}`;
      }
    });
  }
}

/**
 * @param {HTMLElement} output
 * @param {string} renewRole
 * @param {string} link
 */
function showLink(output, renewRole, link) {
  output.replaceChildren();
  const label = document.createElement("label");
  label.className = "field";
  label.textContent = `New ${renewRole} link (the old one no longer works)`;
  const input = document.createElement("input");
  input.readOnly = true;
  input.value = link;
  input.dataset.testid = `renewed-${renewRole}-link`;
  label.append(input);
  const copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = "Copy";
  copy.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(link);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select and copy";
    }
  });
  output.append(label, copy);
}
