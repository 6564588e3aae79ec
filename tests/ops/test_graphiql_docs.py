"""GraphiQL's documentation explorer, in a real browser, shows every description the
schema has: the explorer is where frontend developers read the API, so a description
that the SDL test (tests/test_schema_docs.py) sees but the explorer does not render
would still leave them guessing.

The browser walks the explorer as a person would: from the schema root to every type
under "All Schema Types", and from each type to each of its fields' pages (where the
arguments are). What each page shows is compared with the introspected descriptions.
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
    reason=missing("chromium", f"the GraphiQL docs explorer test (no {CHROMIUM})", HOW_CHROMIUM),
)

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


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert load_assets(), "GraphiQL assets are not installed: run `make graphiql`"
    log_path = tmp_path_factory.mktemp("graphiql-docs") / "server.log"
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
