"""axe-core in the browser tests: run it on a loaded page, get back its violations as readable lines.

The engine is `axe.min.js` as shipped inside the `axe-playwright-python` wheel, pinned in requirements-dev.txt: it is
installed with the test tools and never fetched while the tests run.
"""

from axe_playwright_python.base import AXE_SCRIPT

# axe's impact levels, worst first; Token Lab's pages must have none of the first two.
BLOCKING = ("critical", "serious")


def axe_violations(page, *, impacts=BLOCKING) -> list[str]:
    """Run axe-core on the page as it is now; return one line per offending element for each violation of `impacts`.

    A line names the rule, its impact, the element (a CSS selector) and axe's own summary, so that a failing test
    says what to fix: `color-contrast (serious) at #bench-notes p: Fix any of the following: ...`.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in results["violations"]:
        if violation["impact"] not in impacts:
            continue
        for node in violation["nodes"]:
            target = " ".join(" > ".join(part) if isinstance(part, list) else part for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{violation['id']} ({violation['impact']}) at {target}: {summary}")
    return lines
