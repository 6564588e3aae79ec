"""The graphql-http server audit (the GraphQL-over-HTTP spec's referee) against real gateways:
demo mode, and a gateway with tenants whose key every audit request carries in a header.

Every audit that is not ok is printed with the request it sent and the response it got
(``pytest -s`` shows them on success too); the bar is 0 warnings and 0 errors. MAY audits
(``notice``) are printed, not counted: demo mode keeps CSRF prevention for GETs without a
preflight header, which three MAY audits send.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.processes import served

from .conftest import Gateway, last_json_line, run_node


@pytest.fixture(scope="module")
def demo_url(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: ARG001 (asked for its skip where Node is missing)
    log_path = tmp_path_factory.mktemp("demo") / "serve.log"
    with served("serve", "--demo", log_path=log_path) as server:
        yield f"{server.url}/graphql"


def audit(node: str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    args = [f"--header={name}: {value}" for name, value in (headers or {}).items()]
    return last_json_line(run_node(node, "audit.mjs", url, *args))


def describe(result: dict[str, Any]) -> str:
    """One audit that is not ok: its id, name and reason, then the exchange behind it."""
    exchange = json.dumps(result.get("exchange"), indent=2)
    return f"[{result['status']}] {result['id']} {result['name']}: {result['reason']}\n{exchange}"


def report(where: str, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Print every audit that is not ok; return the warnings and errors."""
    counts = summary["counts"]
    print(f"\ngraphql-http audit, {where}: {counts}")
    not_ok = [r for r in summary["results"] if r["status"] != "ok"]
    for result in not_ok:
        print(describe(result))
    assert counts["total"] == len(summary["results"]) >= 61
    return [r for r in not_ok if r["status"] in {"warn", "error"}]


def test_audit_demo_mode(node: str, demo_url: str) -> None:
    summary = audit(node, demo_url)
    failing = report("demo mode", summary)
    assert not failing, "\n".join(f"{r['id']} {r['reason']}" for r in failing)
    # The only MAY audits that may fail here are GETs refused by CSRF prevention.
    for result in summary["results"]:
        if result["status"] == "notice":
            exchange = result["exchange"]
            assert exchange["request"]["method"] == "GET", describe(result)
            assert '"CSRF_PREVENTED"' in exchange["response"]["body"], describe(result)


def test_audit_with_api_key_header(node: str, keyed_gateway: Gateway) -> None:
    summary = audit(node, keyed_gateway.url, keyed_gateway.headers)
    failing = report("tenants, X-API-Key header", summary)
    assert not failing, "\n".join(f"{r['id']} {r['reason']}" for r in failing)
    # With the key in a header no GET is a CSRF risk: the MAY audits pass too (61 of 61).
    notices = [r for r in summary["results"] if r["status"] == "notice"]
    assert not notices, "\n".join(f"{r['id']} {r['reason']}" for r in notices)
