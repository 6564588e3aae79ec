"""Switchboard composed into a supergraph with Apollo's tools, served by @apollo/gateway.

supergraph.mjs reads ``_service { sdl }`` from a real ``switchboard serve --demo``,
composes it with the billing subgraph (billing.graphql, which extends PhoneNumber) using
@apollo/composition, serves @apollo/gateway over both on loopback and compares the
answers of queries that need both subgraphs with what Switchboard answers directly.
"""

from __future__ import annotations

from pathlib import Path

from graphql import parse, print_ast

from gateway.model import PROVIDER_ORDER

from .conftest import HERE, ROOT, last_json_line, run_node

# The providers billed, as supergraph.mjs reports them (sorted by name).
PROVIDERS = sorted(p.name for p in PROVIDER_ORDER)


def test_composes_and_the_gateway_answers_across_both_subgraphs(
    node: str, switchboard: str, tmp_path: Path
) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    result = run_node(
        node, "supergraph.mjs", "--switchboard", switchboard, "--supergraph-out", str(supergraph)
    )
    # Exit 1 on any composition error, any gateway error, or data that differs.
    assert result.returncode == 0, result.stderr[-6000:]
    summary = last_json_line(result)

    assert summary["federationLink"] == "https://specs.apollo.dev/federation/v2.9"
    # Composition hints are not errors, but a warning means a subgraph needs fixing.
    assert summary["hints"] == [], summary["hints"]
    assert summary["supergraph"] == {
        "entities": ["Assistant", "PhoneNumber"],
        "listSize": True,
        "cost": True,
    }
    # Switchboard root field, then billing's _entities (monthlyCost @requires numberType).
    numbers = summary["numbersWithCost"]
    assert isinstance(numbers, dict)
    assert numbers["numbers"] == 10
    assert len(numbers["prices"]) > 1  # billing got each number's own numberType
    # Billing root field, then Switchboard's _entities for numbers of every provider
    # and the assistants billed, then billing again.
    invoice = summary["invoice"]
    assert isinstance(invoice, dict)
    assert invoice["lines"] == 6 * len(PROVIDER_ORDER)  # six numbers a provider
    assert invoice["providers"] == PROVIDERS
    assert invoice["assistants"] > 0

    sdl = supergraph.read_text()
    assert '@join__graph(name: "switchboard", url: "' + switchboard + '")' in sdl
    assert '@join__type(graph: SWITCHBOARD, key: "id")' in sdl
    assert "monthlyCost: Money! @join__field(graph: BILLING" in sdl


def test_a_composition_error_fails_the_check(node: str, switchboard: str, tmp_path: Path) -> None:
    # billing claims PhoneNumber.number with another type: the subgraphs cannot compose.
    bad = (
        (HERE / "billing.graphql")
        .read_text()
        .replace("  id: ID!\n", "  id: ID!\n  number: Int!\n", 1)
    )
    (tmp_path / "bad.graphql").write_text(bad)
    result = run_node(
        node,
        "supergraph.mjs",
        "--switchboard",
        switchboard,
        "--billing-sdl",
        str(tmp_path / "bad.graphql"),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "composition error" in result.stderr
    assert "composition failed" in result.stderr


def _graphql_blocks(markdown: str) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    inside = False
    for line in markdown.splitlines():
        if line.strip() == "```graphql":
            inside, current = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    return blocks


def test_the_documented_example_is_the_tested_one() -> None:
    """docs/federation.md shows the billing subgraph and the queries this test runs."""
    docs = (ROOT / "docs" / "federation.md").read_text()
    documented = {print_ast(parse(b)) for b in _graphql_blocks(docs)}
    assert print_ast(parse((HERE / "billing.graphql").read_text())) in documented
    script = (HERE / "supergraph.mjs").read_text()
    for name in ("NUMBERS_WITH_COST", "INVOICE"):
        query = script.split(f"const {name} = `", 1)[1].split("`;", 1)[0]
        assert print_ast(parse(query)) in documented, name
