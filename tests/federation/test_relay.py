"""Relay's compiler accepts Switchboard's schema: the example fragments in
schema/operations use @connection and @refetchable, which only compile when the Node
interface, Query.node and the connections follow Relay's rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from graphql import parse, print_ast

from .conftest import HERE, ROOT, run_node

SCHEMA = ROOT / "schema" / "schema.graphql"
OPERATIONS = ROOT / "schema" / "operations"
RELAY = HERE / "node_modules" / "relay-compiler" / "cli.js"
RELAY_DIRECTIVES = re.compile(r"@(connection|refetchable)\b")


def relay_examples() -> list[Path]:
    return sorted(p for p in OPERATIONS.glob("*.graphql") if RELAY_DIRECTIVES.search(p.read_text()))


def as_module(document: str) -> str:
    """One graphql`` tag per definition, as Relay wants them in a source file."""
    tags = [print_ast(d) for d in parse(document).definitions]
    body = "\n\n".join(f"export const d{i} = graphql`\n{t}\n`;" for i, t in enumerate(tags))
    return 'import { graphql } from "react-relay";\n\n' + body + "\n"


def compile_relay(node: str, tmp: Path, modules: dict[str, str]) -> tuple[int, str]:
    src = tmp / "src"
    src.mkdir()
    for name, document in modules.items():
        (src / f"{name}.js").write_text(as_module(document))
    config = {
        "src": "./src",
        "schema": str(SCHEMA),
        "language": "javascript",
        "artifactDirectory": "./__generated__",
    }
    (tmp / "__generated__").mkdir()
    (tmp / "relay.config.json").write_text(json.dumps(config))
    result = run_node(node, str(RELAY), "relay.config.json", "--noWatchman", cwd=tmp)
    return result.returncode, result.stdout + result.stderr


def test_examples_exist() -> None:
    names = {p.stem for p in relay_examples()}
    assert {"PhoneNumberList", "PhoneNumberRow", "AssistantNumbers", "AssistantList"} <= names


def test_relay_compiler_accepts_the_examples(node: str, tmp_path: Path) -> None:
    modules = {p.stem: p.read_text() for p in relay_examples()}
    code, output = compile_relay(node, tmp_path, modules)
    assert code == 0, output
    generated = {p.name for p in (tmp_path / "__generated__").iterdir()}
    for artifact in (
        "PhoneNumberListPaginationQuery.graphql.js",  # @refetchable on Query + @connection
        "PhoneNumberRowRefetchQuery.graphql.js",  # @refetchable on a Node: via Query.node
        "AssistantNumbersPaginationQuery.graphql.js",  # a connection inside a Node
        "AssistantListPaginationQuery.graphql.js",  # bidirectional connection
        "SortedPhoneNumbersPaginationQuery.graphql.js",  # orderBy as a connection filter
        "PhoneNumberListQuery.graphql.js",
        "AssistantNumbersQuery.graphql.js",
    ):
        assert artifact in generated, (artifact, sorted(generated))
    pagination = tmp_path / "__generated__" / "AssistantNumbersPaginationQuery.graphql.js"
    assert "node(id: $id)" in pagination.read_text()


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        # @connection on a field that is not a connection
        (
            'fragment Bad_query on Query { providers @connection(key: "Bad_providers") { name } }',
            "@connection used on invalid field 'providers'",
        ),
        # a field the schema does not have
        ("fragment Bad_number on PhoneNumber { id monthlyCost }", "has no field `monthlyCost`"),
    ],
)
def test_relay_compiler_rejects_what_breaks_the_rules(
    node: str, tmp_path: Path, document: str, complaint: str
) -> None:
    code, output = compile_relay(node, tmp_path, {"Bad": document})
    assert code != 0
    assert complaint in output
