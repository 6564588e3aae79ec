"""schema/schema.graphql is the client contract. The SDL the code exports must be exactly
the checked-in one, so every schema change shows up in review; graphql-core's
find_breaking_changes / find_dangerous_changes say which kind of change it is.

Compare against any earlier version too (exit status 1 if something breaks)::

    git show origin/main:schema/schema.graphql > /tmp/base.graphql
    .venv/bin/python -m tests.test_schema_contract /tmp/base.graphql
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

from gateway.schema import print_sdl

CHECKED_IN = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


@dataclass
class Report:
    breaking: list[str] = field(default_factory=list)
    dangerous: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = []
        for title, items in (
            ("BREAKING", self.breaking),
            ("dangerous", self.dangerous),
            ("added", self.added),
        ):
            lines += [f"{title}: {item}" for item in items]
        return "\n".join(lines) or "no schema changes"


def _fields(schema: GraphQLSchema) -> set[str]:
    names = set()
    for type_name, type_ in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        names.add(type_name)
        if isinstance(type_, GraphQLObjectType):
            names.update(f"{type_name}.{f}" for f in type_.fields)
    return names


def compare(old_sdl: str, new_sdl: str) -> Report:
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    return Report(
        breaking=[f"{c.type.name}: {c.description}" for c in find_breaking_changes(old, new)],
        dangerous=[f"{c.type.name}: {c.description}" for c in find_dangerous_changes(old, new)],
        added=sorted(_fields(new) - _fields(old)),
    )


def test_checked_in_schema_is_the_exported_one() -> None:
    exported, checked_in = print_sdl(), CHECKED_IN.read_text()
    if exported != checked_in:
        diff = "".join(
            difflib.unified_diff(
                checked_in.splitlines(keepends=True),
                exported.splitlines(keepends=True),
                "schema/schema.graphql",
                "switchboard schema",
            )
        )
        raise AssertionError(
            "schema/schema.graphql is not what the code exports. If the change is "
            "deliberate, run `make schema` and commit it.\n"
            f"{compare(checked_in, exported)}\n\n{diff[:6000]}"
        )


def _without_field(sdl: str, line: str) -> str:
    """``sdl`` with the field declared by ``line`` removed, its description included."""
    described = re.compile(r'(  """(?:(?!""").)*"""\n)?' + re.escape(line), re.DOTALL)
    removed, count = described.subn("", sdl)
    assert count == 1, f"{line!r} is not in the SDL once"
    return removed


def test_the_comparison_tells_breaking_from_safe() -> None:
    sdl = print_sdl()
    removed = _without_field(sdl, "  carrier: String\n")
    tightened = sdl.replace("  displayName: String\n", "  displayName: String!\n")
    added = sdl.replace("  carrier: String\n", "  carrier: String\n  color: String\n")
    assert compare(sdl, sdl).breaking == []
    assert compare(sdl, removed).breaking == [
        "FIELD_REMOVED: Field PhoneNumber.carrier was removed."
    ]
    assert compare(sdl, tightened).breaking == []  # nullable -> non-null output: safe
    assert compare(tightened, sdl).breaking == [
        "FIELD_CHANGED_KIND: Field PhoneNumber.displayName changed type from String! to String."
    ]
    report = compare(sdl, added)
    assert (report.breaking, report.dangerous, report.added) == ([], [], ["PhoneNumber.color"])


def main(argv: list[str]) -> int:
    base = Path(argv[0]) if argv else CHECKED_IN
    report = compare(base.read_text(), print_sdl())
    print(report)
    return 1 if report.breaking else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
