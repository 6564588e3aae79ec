"""GraphiQL in a real browser, offline: Debian's Chromium (headless) opens the gateway's
own GraphiQL page, runs the default (demo) query and the result panel shows phone numbers;
the demo's failure switch shows partial data there; and the documentation explorer, where
frontend developers read the API, shows every description the schema has (a description
the SDL test sees but the explorer does not render would still leave them guessing).

Skips only where Chromium is absent (``make test`` installs Debian's ``chromium`` when it
runs as root; tests/system_tools.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.static.ide import load_assets
from tests.processes import CLIENT_HEADERS
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


INTROSPECTION = """{
  __schema {
    types {
      name kind description
      fields { name description args { name description } }
      inputFields { name description }
      enumValues { name description }
    }
  }
}"""

# Walks the explorer in the page: every type listed at the root, then every field page of
# that type; returns {type: {"page": text, "fields": {field: text}}}.
WALK = """(async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const content = () => document.querySelector('.graphiql-doc-explorer-content');
  const title = () => {
    const t = document.querySelector('.graphiql-doc-explorer-title');
    return t ? t.innerText.trim() : '';
  };
  const until = async (name) => {
    for (let i = 0; i < 250; i++) {
      if (title() === name && content()) return;
      await sleep(20);
    }
    throw new Error(`explorer did not show ${name} (shows ${title()})`);
  };
  const back = async (name) => {
    document.querySelector('.graphiql-doc-explorer-back').click();
    await until(name);
  };
  const link = (selector, name) =>
    [...content().querySelectorAll(selector)].find((a) => a.innerText.trim() === name);
  const root = title();
  // The root page links the root types and then "All Schema Types".
  const names = [...content().querySelectorAll('a.graphiql-doc-explorer-type-name')]
    .map((a) => a.innerText.trim());
  const seen = {};
  for (const name of [...new Set(names)]) {
    link('a.graphiql-doc-explorer-type-name', name).click();
    await until(name);
    const page = { page: content().innerText, fields: {} };
    const fields = [...content().querySelectorAll('a.graphiql-doc-explorer-field-name')]
      .map((a) => a.innerText.trim());
    for (const field of fields) {
      link('a.graphiql-doc-explorer-field-name', field).click();
      await until(field);
      page.fields[field] = content().innerText;
      await back(name);
    }
    seen[name] = page;
    await back(root);
  }
  return JSON.stringify(seen);
})()"""

LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def words(text: str) -> str:
    """Text as the explorer renders it, reduced to what survives Markdown: letters and
    digits only (code spans, emphasis and link targets differ between source and page)."""
    return re.sub(r"[^0-9a-z]+", "", LINK.sub(r"\1", text).lower())


def first_paragraph(description: str) -> str:
    """What the explorer's previews show (the first block of the Markdown)."""
    return description.strip().split("\n\n", 1)[0]


def schema_types(url: str) -> dict[str, dict[str, Any]]:
    reply = httpx.post(
        f"{url}/graphql", json={"query": INTROSPECTION}, headers=CLIENT_HEADERS, timeout=30
    )
    reply.raise_for_status()
    types = reply.json()["data"]["__schema"]["types"]
    return {t["name"]: t for t in types if not t["name"].startswith("__")}


def test_the_docs_explorer_shows_every_description(served: str, browser: Browser) -> None:
    types = schema_types(served)
    page = browser.open_page(f"{served}/graphql")
    page.wait_for("!!document.querySelector('.graphiql-execute-button')")
    page.evaluate(
        "document.querySelector('button[aria-label=\"Show Documentation Explorer\"]').click()"
    )
    page.wait_for(
        "[...document.querySelectorAll('.graphiql-doc-explorer-section-title')]"
        ".some((t) => t.innerText.includes('All Schema Types'))"
    )
    shown: dict[str, dict[str, Any]] = json.loads(page.evaluate(WALK))

    missing_pages = sorted(
        name for name, t in types.items() if t["description"] and name not in shown
    )
    assert not missing_pages, f"types the explorer does not list: {missing_pages}"

    absent: list[str] = []

    def expect(where: str, description: str | None, text: str) -> None:
        if description and words(first_paragraph(description)) not in words(text):
            absent.append(f"{where}: {first_paragraph(description)[:80]!r}")

    checked = 0
    for name, t in types.items():
        if name not in shown:
            continue  # a built-in scalar without a description: nothing to show
        seen = shown[name]
        expect(name, t["description"], seen["page"])
        for f in t["fields"] or []:
            field_page = seen["fields"].get(f["name"], "")
            expect(f"{name}.{f['name']} (type page)", f["description"], seen["page"])
            # The field's own page carries the whole description, not a preview.
            if f["description"] and words(f["description"]) not in words(field_page):
                absent.append(f"{name}.{f['name']} (field page)")
            for a in f["args"]:
                expect(f"{name}.{f['name']}({a['name']})", a["description"], field_page)
                checked += 1
            checked += 1
        for member in (t["inputFields"] or []) + (t["enumValues"] or []):
            expect(f"{name}.{member['name']}", member["description"], seen["page"])
            checked += 1
    assert not absent, "descriptions the explorer does not show:\n" + "\n".join(absent)
    # The walk really read the schema (not a page that failed to render).
    assert checked > 100, checked
    assert {"Query", "PhoneNumber", "Assistant"} <= shown.keys(), sorted(shown)
