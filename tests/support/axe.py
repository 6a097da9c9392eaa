"""Accessibility audits with axe-core (npm, web/node_modules) on a Playwright page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from playwright.sync_api import Browser, Page

from support.browser import new_page
from support.paths import WEB

# Accessibility audits with axe-core (npm, web/node_modules). Our CSP (script-src 'self') blocks
# an injected script, so audit pages come from a context made with `bypass_csp=True` (see
# `audit_page`); never use such a context for a test that is about the CSP.
AXE_JS = WEB / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")

RUN_AXE = """async (exclude) => {
  const context = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) }
    : document;
  const result = await axe.run(context, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => [].concat(...n.target).join(" ") + " | " + n.failureSummary),
  }));
}"""


def audit_page(browser: Browser, *, color_scheme: str = "light", **context_options: Any) -> Page:
    """A page whose context bypasses the CSP, so `axe_violations` can inject axe-core."""
    return new_page(browser, bypass_csp=True, color_scheme=color_scheme, **context_options)


def axe_violations(
    page: Page, impacts: Sequence[str] = SERIOUS, exclude: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of the given impacts (serious and
    critical by default); each with its rule id, help text and the failing nodes. `exclude`:
    CSS selectors left out of the audit (say why at the call)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, list(exclude))
    return [v for v in found if v["impact"] in impacts]


def describe_violations(violations: Sequence[dict[str, Any]]) -> str:
    """A readable assertion message: rule, impact, help and the nodes that fail it."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"][:6])
    return "\n".join(lines)
