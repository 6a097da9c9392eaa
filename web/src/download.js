// Downloads that need the link's token: fetched with a bearer header and saved from a blob, so
// the token never sits in an href, the history or a proxy log (security review M7).
import { ApiError } from "./api.js";

/**
 * Makes `a` download `url` as `filename` with `token()` as the bearer. A refusal is shown on the
 * link itself (its title and data-error), and the page stays where it is.
 * @param {HTMLAnchorElement} a @param {string} url @param {() => string} token
 * @param {string} filename
 */
export function bearerDownload(a, url, token, filename) {
  a.href = url;
  a.setAttribute("download", filename);
  a.addEventListener("click", async (event) => {
    event.preventDefault();
    try {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${token()}` } });
      if (!response.ok) {
        const body = await response.json().catch(() => /** @type {unknown} */ (null));
        throw new ApiError(response.status, body, `The download failed (${response.status}).`);
      }
      const href = URL.createObjectURL(await response.blob());
      const save = document.createElement("a");
      save.href = href;
      save.download = filename;
      document.body.append(save);
      save.click();
      save.remove();
      // The browser has read the blob once the click is handled; keep it a moment regardless.
      setTimeout(() => URL.revokeObjectURL(href), 60_000);
      delete a.dataset.error;
      a.removeAttribute("title");
    } catch (err) {
      a.dataset.error = err instanceof Error ? err.message : String(err);
      a.title = a.dataset.error;
    }
  });
}
