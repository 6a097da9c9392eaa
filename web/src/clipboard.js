// Copy text to the clipboard; where the async API is refused (no permission, http: origin),
// fall back to a hidden textarea and execCommand. Resolves to whether it worked.

/** @param {string} text @returns {Promise<boolean>} */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch { /* nothing more to try */ }
    area.remove();
    return ok;
  }
}
