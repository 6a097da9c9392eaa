// Entry for report.html: small extras on a page that works without JavaScript (print, copy).

import { copyText } from "./clipboard.js";

const printButton = document.getElementById("print-report");
if (printButton) {
  printButton.hidden = false;
  printButton.addEventListener("click", () => window.print());
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  const b = /** @type {HTMLButtonElement} */ (button);
  const source = document.getElementById(b.dataset.copy || "");
  if (!source || !navigator.clipboard) continue;
  b.hidden = false;
  b.addEventListener("click", async () => {
    b.textContent = (await copyText(source.textContent || "")) ? "Copied" : "Select and copy by hand";
    setTimeout(() => (b.textContent = "Copy"), 1500);
  });
}
