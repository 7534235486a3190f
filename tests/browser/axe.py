"""axe-core on a page in the browser: every violation (whatever its impact) and every critical
"incomplete" result (what axe could not decide but would be critical if real), as readable lines."""

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()


def _lines(results: list[dict], label: str) -> list[str]:
    return [f"{label} {result['id']} ({result['impact']}): {result['help']} "
            f"{[node['target'] for node in result['nodes']][:5]}" for result in results]


def axe_problems(page) -> list[str]:
    """What axe finds wrong on the page as it stands (open folds, filled forms included): [] when none."""
    response = _AXE.run(page).response
    incomplete = [result for result in response["incomplete"] if result["impact"] == "critical"]
    return _lines(response["violations"], "violation") + _lines(incomplete, "incomplete")


def assert_accessible(page) -> None:
    problems = axe_problems(page)
    assert problems == [], f"{page.url}:\n" + "\n".join(problems)
