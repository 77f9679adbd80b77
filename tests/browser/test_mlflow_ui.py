"""The MLflow UI of the integration stack's server, in headless Chromium (Debian's, via Playwright).

The view users should open: /#/experiments/<id>/runs, expand the sweep's parent
run, Columns -> search/xtreme_r/score. (MLflow 3.17 opens an experiment on its GenAI
overview; the runs table is one link further.) Screenshot: test-output/.
Selectors follow MLflow 3.17.2's UI (pinned in requirements.lock).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import requests

from tests.integration.cluster_stack import REPO, Stack

pytestmark = pytest.mark.integration
CHROMIUM = "/usr/bin/chromium"
# No sandbox: the tests run as root in a container. The rest keeps Chromium off the network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
METRIC = "search/xtreme_r/score"
UI_TIMEOUT_MS = 90_000  # the first page load compiles a large bundle on 2 busy cores
SCREENSHOT = REPO / "test-output" / "mlflow-ui-smoke-runs.png"


def _expected_scores(stack: Stack) -> tuple[str, dict[str, float]]:
    api = f"{stack.mlflow_url}/api/2.0/mlflow"
    experiment = requests.get(f"{api}/experiments/get-by-name", params={"experiment_name": "xmix"},
                              timeout=30).json()["experiment"]["experiment_id"]
    body = {"experiment_ids": [experiment], "filter": "tags.`xmix.kind` = 'trial' and tags.`xmix.sweep` = 'smoke'"}
    runs = requests.post(f"{api}/runs/search", json=body, timeout=30).json()["runs"]
    return experiment, {run["info"]["run_name"]: next(m["value"] for m in run["data"]["metrics"] if m["key"] == METRIC)
                        for run in runs}


def _cell_texts(page, column_id: str) -> dict[str, str]:
    """{ag-grid row id: text} of one column; a row is split across pinned and scrolled containers."""
    # The last line: a run-name cell starts with its colour swatch's label ("#c82d4c").
    return {cell.evaluate("c => c.closest('.ag-row').getAttribute('row-id')"): cell.inner_text().strip().split("\n")[-1]
            for cell in page.locator(f'.ag-cell[col-id="{column_id}"]').all()}


def test_mlflow_ui_shows_the_child_runs_and_their_scores(cluster_sweep: Stack):
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    assert cluster_sweep.final_status == "SUCCEEDED", "the smoke sweep did not finish; see the e2e test"
    experiment, expected = _expected_scores(cluster_sweep)
    assert len(expected) == 3
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.goto(f"{cluster_sweep.mlflow_url}/#/experiments/{experiment}/runs")
            parent = page.get_by_role("link", name="smoke", exact=True)
            parent.wait_for()
            assistant = page.get_by_role("button", name="Close")  # the side panel hides the table's right half
            if assistant.count():
                assistant.first.click()
            # Nested runs start collapsed under their parent: expand it.
            page.locator(".ag-row", has=parent).locator('[data-component-id*="runnamecellrenderer"]').first.click()
            for run_name in expected:
                page.get_by_role("link", name=run_name, exact=True).wait_for()
            page.get_by_role("button", name="Columns", exact=True).click()
            page.get_by_placeholder("Search columns").fill(METRIC)
            # Exactly this metric's node: the search also lists the parent's best/search/xtreme_r/score.
            page.get_by_test_id("column-selector-tree").locator(".du-bois-light-tree-treenode").filter(
                has_text=re.compile(f"^{re.escape(METRIC)}$")).get_by_text(METRIC, exact=True).click()
            page.keyboard.press("Escape")
            page.locator(".ag-header-cell", has_text=METRIC).first.wait_for()

            names = _cell_texts(page, "attributes.`Run Name`")
            scores = _cell_texts(page, f"metrics.`{METRIC}`")
            shown = {names[row]: scores.get(row, "") for row in names if names[row] in expected}
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    print(f"\nscreenshot: {SCREENSHOT.relative_to(REPO)}; UI shows {shown}")
    assert set(shown) == set(expected), shown
    for run_name, score in expected.items():
        # The UI rounds long decimals; 0.01 is well below any difference between mixtures.
        assert abs(float(shown[run_name]) - score) < 0.01, (run_name, shown[run_name], score)
    assert Path(SCREENSHOT).stat().st_size > 10_000
