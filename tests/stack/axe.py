"""axe-core in the browser tests: the npm package pinned in tests/stack/package.json.

`make browser-deps` runs `npm ci` here; `axe_source()` runs it too when node_modules is missing,
so a plain pytest run needs only node and npm (no script is fetched by the page at run time).
The script is added as an init script (the DevTools protocol, outside the page's strict CSP).
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent
AXE_SCRIPT = PACKAGE_DIR / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("critical", "serious")


@cache
def axe_source() -> Path:
    """The path of axe.min.js, installed from the lock file on first use."""
    if not AXE_SCRIPT.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("accessibility tests need npm (apt-get install npm; make browser-deps)")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=PACKAGE_DIR, check=True, timeout=300
        )
    return AXE_SCRIPT


def violations(page: object) -> list[dict]:
    """axe's violations on the page as it is now (all rules of WCAG 2.x A/AA and best practice)."""
    return page.evaluate(  # type: ignore[attr-defined,no-any-return]
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
                html: v.nodes.map(n => n.html.slice(0, 160)),
            }));
        }"""
    )


def describe(url: str, found: list[dict]) -> list[str]:
    """One line per critical or serious violation: page, rule, elements."""
    return [
        f"{url}: [{v['impact']}] {v['id']} ({v['help']}) on {len(v['targets'])} element(s): "
        + "; ".join(
            f"{target} {html}" for target, html in zip(v["targets"][:3], v["html"][:3], strict=True)
        )
        + (" …" if len(v["targets"]) > 3 else "")
        for v in found
        if v["impact"] in BLOCKING_IMPACTS
    ]
