"""The scenario every client runs (clients.mjs; gql here), and what each step must show.

Steps: page1 (first 3 phone numbers), page2 (after page1's endCursor), node (a refetch of
page1's first number by id), link and unlink (a Burki number to a Burki assistant and back),
badCursor (an error with ``extensions.code`` BAD_CURSOR). A step's outcome is
``{"data"?, "errors"?, "thrown"?}``; ``thrown`` is what a client raised without GraphQL errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from graphql import parse, print_ast

from .conftest import APP_ORIGIN, HERE, Gateway, last_json_line, run_node

OPERATIONS = HERE / "operations.graphql"
PAGE_SIZE = 3
STEPS = ("page1", "page2", "node", "link", "unlink", "badCursor")

FREE_BURKI = """
query { phoneNumbers(first: 100, filter: {providers: [BURKI], status: AVAILABLE}) {
  nodes { id capabilities { voice } } } }
"""
BURKI_ASSISTANT = "query { assistants(first: 1, filter: {providers: [BURKI]}) { nodes { id } } }"
REFERENCE = """
query($n: Int!, $after: String) { phoneNumbers(first: $n, after: $after) {
  nodes { id number provider } pageInfo { endCursor } } }
"""


def operations() -> dict[str, str]:
    """The operations of operations.graphql, by name."""
    document = parse(OPERATIONS.read_text())
    return {d.name.value: print_ast(d) for d in document.definitions}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class World:
    """What the steps must return, read with plain POSTs before any client runs."""

    first_numbers: list[dict[str, Any]]  # the first two pages, in order
    # Per client: a free voice number and an assistant to link; the cursor after page 1 and
    # the first number's id, for page2 and node when the client's page1 failed.
    plans: list[dict[str, str]]

    @classmethod
    def read(cls, gateway: Gateway, clients: int) -> World:
        page1 = gateway.post(REFERENCE, n=PAGE_SIZE)["data"]["phoneNumbers"]
        after = page1["pageInfo"]["endCursor"]
        page2 = gateway.post(REFERENCE, n=PAGE_SIZE, after=after)["data"]["phoneNumbers"]
        numbers = page1["nodes"] + page2["nodes"]
        free = gateway.post(FREE_BURKI)["data"]["phoneNumbers"]["nodes"]
        voice = [n["id"] for n in free if n["capabilities"]["voice"]]
        [assistant] = gateway.post(BURKI_ASSISTANT)["data"]["assistants"]["nodes"]
        assert len(voice) >= clients, free
        reference = {"assistant": assistant["id"], "after": after, "nodeId": numbers[0]["id"]}
        plans = [{"number": n, **reference} for n in voice[:clients]]
        return cls(numbers, plans)


def run_npm_client(
    node: str, client: str, gateway: Gateway, plan: dict[str, str], artifacts: Path | None = None
) -> dict[str, Any]:
    """One npm client through the scenario (clients.mjs): its steps and its HTTP exchanges."""
    args = [f"--header={name}: {value}" for name, value in gateway.headers.items()]
    args.append(f"--plan={json.dumps(plan)}")
    if artifacts is not None:  # relay's compiled operations
        args.append(f"--artifacts={artifacts}")
    return last_json_line(run_node(node, "clients.mjs", client, gateway.url, *args))


def compile_relay(node: str, tmp: Path) -> Path:
    """relay-compiler's artifacts for operations.graphql (module ``Clients``), in ``tmp``."""
    src, generated = tmp / "src", tmp / "__generated__"
    src.mkdir()
    generated.mkdir()
    tags = [f"export const {name} = graphql`\n{text}\n`;" for name, text in operations().items()]
    header = 'import { graphql } from "relay-runtime";\n\n'
    (src / "Clients.js").write_text(header + "\n\n".join(tags) + "\n")
    config = {
        "src": "./src",
        "schema": str(HERE.parent.parent / "schema" / "schema.graphql"),
        "language": "javascript",
        "artifactDirectory": "./__generated__",
    }
    (tmp / "relay.config.json").write_text(json.dumps(config))
    compiler = HERE / "node_modules" / "relay-compiler" / "cli.js"
    result = run_node(node, str(compiler), "relay.config.json", "--noWatchman", cwd=tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    return generated


def failure(client: str, step: str, outcome: dict[str, Any], run: dict[str, Any]) -> str:
    """Why a step is wrong: its outcome and every HTTP exchange the client made in it."""
    exchanges = [e for e in run.get("exchanges", []) if e.get("step") == step]
    return (
        f"{client} {step}: {json.dumps(outcome)}\n"
        f"HTTP exchanges of this step:\n{json.dumps(exchanges, indent=2)}"
    )


def check_step(
    world: World, plan: dict[str, str], step: str, run: dict[str, Any], client: str
) -> None:
    """Assert that ``run``'s ``step`` returned what the gateway's data says it must."""
    steps: dict[str, Any] = run["steps"]
    outcome = steps.get(step)
    assert outcome is not None, failure(client, step, {"missing": list(steps)}, run)
    why = failure(client, step, outcome, run)
    if step == "badCursor":
        assert "thrown" not in outcome, why
        assert [e["code"] for e in outcome.get("errors", [])] == ["BAD_CURSOR"], why
        assert not outcome.get("data"), why
        return
    assert "errors" not in outcome, why
    assert "thrown" not in outcome, why
    data = outcome["data"]
    if step in {"page1", "page2"}:
        connection = data["phoneNumbers"]
        start = 0 if step == "page1" else PAGE_SIZE
        assert strip(connection["nodes"]) == world.first_numbers[start : start + PAGE_SIZE], why
        assert connection["pageInfo"]["hasNextPage"] is True, why
        assert isinstance(connection["pageInfo"]["endCursor"], str), why
    elif step == "node":
        assert strip([data["node"]]) == world.first_numbers[:1], why
        if "stored" in data:  # relay: the refetched record is in its store
            assert data["stored"] == {"number": world.first_numbers[0]["number"]}, why
    elif step == "link":
        payload = data["linkPhoneNumber"]
        assert payload["userErrors"] == [], why
        assert payload["clientMutationId"] == "clients", why
        number = payload["phoneNumber"]
        assert number["id"] == plan["number"], why
        assert number["status"] == "ASSIGNED", why
        assert number["assistant"]["id"] == plan["assistant"], why
    elif step == "unlink":
        payload = data["unlinkPhoneNumber"]
        assert payload["userErrors"] == [], why
        number = payload["phoneNumber"]
        assert number["id"] == plan["number"], why
        assert number["status"] == "AVAILABLE", why
        assert number["assistant"] is None, why


def strip(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nodes without the ``__typename`` some clients add."""
    return [{k: v for k, v in n.items() if k != "__typename"} for n in nodes]


# Headers a browser sends without asking in a preflight (the Fetch spec's CORS-safelisted ones;
# content-type only with a form or text value, never application/json).
SAFELISTED = {"accept", "accept-language", "content-language"}


def sent_headers(runs: dict[str, dict[str, Any]]) -> set[str]:
    """Every header name the clients set on a request that a browser must preflight."""
    return {
        name
        for run in runs.values()
        for exchange in run["exchanges"]
        for name in exchange["request"]["headers"]
        if name not in SAFELISTED
    }


def check_preflight(gateway: Gateway, method: str, headers: set[str]) -> None:
    """A browser's preflight from the allowed origin for ``method`` with ``headers`` passes."""
    response = httpx.options(
        gateway.url,
        headers={
            "Origin": APP_ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": ", ".join(sorted(headers)),
        },
        timeout=10,
        trust_env=False,
    )
    why = f"OPTIONS {method} {sorted(headers)} -> {response.status_code} {dict(response.headers)}"
    assert response.status_code == 200, why
    assert response.headers.get("access-control-allow-origin") == APP_ORIGIN, why
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert headers <= allowed, f"not allowed: {sorted(headers - allowed)}; {why}"
    assert method in response.headers["access-control-allow-methods"], why
    assert int(response.headers.get("access-control-max-age", "0")) > 0, why
