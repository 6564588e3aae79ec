"""GraphiQL in a real browser, offline: Debian's Chromium (headless) opens the gateway's
own GraphiQL page, runs the default (demo) query and the result panel shows phone numbers.

Skips only where Chromium is absent (``make test`` installs Debian's ``chromium`` when it
runs as root; tests/system_tools.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.static.ide import load_assets
from tests.processes import served as serve
from tests.system_tools import HOW_CHROMIUM, missing

from .cdp import CHROMIUM, Browser

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=missing("chromium", f"the GraphiQL browser tests (no {CHROMIUM})", HOW_CHROMIUM),
)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")

RESULT_TEXT = """(() => {
  const el = document.querySelector('.graphiql-response .CodeMirror');
  return el && el.CodeMirror ? el.CodeMirror.getValue() : '';
})()"""

QUERY_TEXT = """(() => {
  const el = document.querySelector('.graphiql-query-editor .CodeMirror');
  return el && el.CodeMirror ? el.CodeMirror.getValue() : '';
})()"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert load_assets(), "GraphiQL assets are not installed: run `make graphiql`"
    log_path = tmp_path_factory.mktemp("graphiql") / "server.log"
    env = {"SWITCHBOARD_LOG_LEVEL": "WARNING"}
    with serve("serve", "--demo", env=env, ready="/readyz", log_path=log_path) as server:
        yield server.url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    b = Browser(tmp_path)
    try:
        yield b
    finally:
        b.close()


def test_graphiql_runs_the_demo_query_offline(served: str, browser: Browser) -> None:
    page = browser.open_page(f"{served}/graphql")
    page.wait_for("!!document.querySelector('.graphiql-execute-button')")
    query = page.wait_for(QUERY_TEXT)
    assert "query Demo" in query, query
    assert "phoneNumbers" in query, query

    page.evaluate("document.querySelector('.graphiql-execute-button').click()")
    text = page.wait_for(
        f"(() => {{ const t = {RESULT_TEXT}; return t.includes('edges') && t }})()"
    )
    result = json.loads(text)
    assert "errors" not in result, result
    numbers = [e["node"]["number"] for e in result["data"]["phoneNumbers"]["edges"]]
    assert numbers, result
    assert all(E164.match(n) for n in numbers), numbers
    # And they are on screen, not only in the editor's model.
    shown = page.evaluate("document.querySelector('.graphiql-response').innerText")
    assert any(n in shown for n in numbers), shown[:2000]

    # Offline: every request the page made went to the gateway itself.
    urls = [p["request"]["url"] for p in page.events("Network.requestWillBeSent")]
    assert urls, "no network activity recorded"
    foreign = [u for u in urls if not u.startswith((served, "data:", "about:"))]
    assert not foreign, foreign
    # Every bundle came with integrity checked (a mismatch would have blocked it).
    problems = [
        p["entry"]["text"]
        for p in page.events("Log.entryAdded")
        if p["entry"].get("level") == "error"
    ]
    assert not problems, page.diagnostics()


def test_the_failure_switch_shows_partial_data_in_graphiql(served: str, browser: Browser) -> None:
    """The demo's failure switch, as a user meets it: flireo switched to failing on
    /demo/faults, then GraphiQL's demo query shows the others' numbers and flireo's error."""
    control = browser.open_page(f"{served}/demo/faults")
    control.wait_for("!!document.querySelector('#mode-flireo')")
    control.evaluate(
        "document.querySelector('#mode-flireo').parentElement"
        ".querySelector('button[value=failing]').click()"
    )
    control.wait_for("(document.querySelector('#mode-flireo') || {}).textContent === 'failing'")
    try:
        page = browser.open_page(f"{served}/graphql")
        page.wait_for("!!document.querySelector('.graphiql-execute-button')")
        page.wait_for(QUERY_TEXT)
        page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        text = page.wait_for(
            f"(() => {{ const t = {RESULT_TEXT}; return t.includes('errors') && t }})()"
        )
        result = json.loads(text)
        assert result["data"]["phoneNumbers"]["edges"], result
        providers = {e["extensions"].get("provider") for e in result["errors"]}
        assert providers == {"flireo"}, result["errors"]
        codes = {e["extensions"]["code"] for e in result["errors"]}
        assert codes <= {"UPSTREAM_UNAVAILABLE", "UPSTREAM_HTTP_ERROR"}, codes
    finally:
        httpx.post(f"{served}/demo/faults", json={"provider": "flireo", "mode": "ok"}, timeout=10)
