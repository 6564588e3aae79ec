"""Hot selections compiled to Python functions: no call, no path, no check per field.

The plain-field executor (executor.py) still walks each object's selection entry by
entry: a page of 50 numbers with their assistants' names is about 600 Python calls of
``_run``, ``_plain_field``, ``_object`` and ``_owns``, most of the time between the last
upstream answer and the response. A selection whose every field is plain (plain_fields.py)
is instead turned, the second time its shape is seen, into one function per object type
that reads the attributes and peeks, checks each value as the general path would accept
it, and builds the result dict: ``{ edges { node { id number } } }`` becomes a loop over
``edges`` calling the edge's function, which calls the node's.

Compiled code takes only what the general path would complete without a word: a string
attribute that is a ``str``, an object its type owns (an uncast instance of a class the
type's ``is_type_of`` accepted before), a null where null is allowed, a peek that knows.
On anything else (a null on a non-null field, a value a scalar must coerce or refuses, an
UNKNOWN peek, any exception) it raises, and the executor runs that object's selection the
general way, which reports every error at its path as graphql-core does. Reads are side
effect free (attributes, peeks), so reading again is safe.

Functions are kept per schema (in its extensions, dropped with it on reload), by shape:
the object type and, per entry, the response name, the field and the shape below it.
"""

from __future__ import annotations

import keyword
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import GraphQLObjectType
from graphql.pyutils import Undefined
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from .plain_fields import UNKNOWN, Plain

Compiled = Callable[[Any, Any], dict[str, Any]]


class Deviation(Exception):
    """A value compiled code does not take: the general path decides what it is."""


class Field(NamedTuple):
    """One entry of a selection to compile: its response name, plan (None: ``__typename``)
    and, for an object or a list of objects, the selection below it."""

    name: str
    field: str
    plain: Plain | None
    below: Selection | None


TYPENAME = "__typename"  # Apollo Client adds it to every selection


class Selection(NamedTuple):
    object_type: GraphQLObjectType
    fields: tuple[Field, ...]


def shape(selection: Selection) -> tuple[Any, ...]:
    """What the compiled code depends on: types, fields and response names, all the way
    down (the plans follow from the schema's type and field)."""
    return (
        selection.object_type.name,
        *((f.name, f.field, shape(f.below) if f.below is not None else None) for f in
          selection.fields),
    )  # fmt: skip


# Shapes kept per schema: a few hot documents' worth of object types.
KEPT = 512
# Times a shape is seen before it is compiled: a document run once is not worth a compile.
HOT = 2


class Compiler:
    """A schema's compiled selections, and the classes each object type owns."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[Any, ...], Compiled | int] = OrderedDict()
        # object type -> the classes whose uncast instances its is_type_of accepted
        self.owned: dict[GraphQLObjectType, set[type]] = {}

    def owned_by(self, object_type: GraphQLObjectType) -> set[type]:
        owned = self.owned.get(object_type)
        if owned is None:
            owned = self.owned[object_type] = set()
        return owned

    def get(self, selection: Selection) -> Compiled | None:
        """The compiled function of ``selection``, once its shape is hot; else None."""
        key = shape(selection)
        kept = self._kept.get(key)
        if callable(kept):
            self._kept.move_to_end(key)
            return kept
        seen = (kept or 0) + 1
        if seen < HOT:
            self._kept[key] = seen
            self._bound()
            return None
        return self._made(selection, key)

    def _made(self, selection: Selection, key: tuple[Any, ...]) -> Compiled:
        kept = self._kept.get(key)
        if callable(kept):
            return kept
        below = {
            index: self._made(f.below, shape(f.below))
            for index, f in enumerate(selection.fields)
            if f.below is not None
        }
        compiled = _generate(selection, below, self)
        self._kept[key] = compiled
        self._bound()
        return compiled

    def _bound(self) -> None:
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)


def _identifier(name: str | None) -> bool:
    return name is not None and name.isidentifier() and not keyword.iskeyword(name)


def compilable(plain: Plain) -> bool:
    """Whether compiled code can read this field (its attribute is a plain name)."""
    return plain.attribute is None or _identifier(plain.attribute)


def _owner_check(
    value: str, object_type: GraphQLObjectType, owned: str, *, maybe_null: bool
) -> list[str]:
    """Lines raising unless ``value`` is one the general path would complete as
    ``object_type`` without an error."""
    if object_type.is_type_of is None:
        return [f"if {value} is None: raise D"] if maybe_null else []
    return [
        f"if type({value}) not in {owned} or getattr({value}, CAST, None) is not None:",
        "    raise D",
    ]


def _field_lines(index: int, plain: Plain, object_type: GraphQLObjectType | None) -> list[str]:
    """The lines that read field ``index`` of the source ``v`` into ``r``."""
    key = f"N{index}"
    if plain.attribute is not None:
        lines = [f"x = v.{plain.attribute}"]
    else:
        lines = [f"x = P{index}(v, c)", "if x is UNKNOWN: raise D"]
    null = [f"    r[{key}] = None"] if plain.nullable else ["    raise D"]
    if plain.leaf is not None and plain.same is not None:
        allowed = " and x is not None" if plain.nullable else ""
        return [*lines, f"if type(x) is not S{index}{allowed}: raise D", f"r[{key}] = x"]
    lines += ["if x is None:", *null, "else:"]
    if plain.leaf is not None:
        return [
            *lines,
            f"    y = L{index}(x)",
            "    if y is None or y is Undefined: raise D",
            f"    r[{key}] = y",
        ]
    assert object_type is not None
    listed = plain.item is not None
    check = _owner_check("y" if listed else "x", object_type, f"O{index}", maybe_null=listed)
    if not listed:
        return [*lines, *("    " + line for line in check), f"    r[{key}] = F{index}(x, c)"]
    return [
        *lines,
        "    if not isinstance(x, list): raise D",
        "    l = []",
        "    for y in x:",
        *("        " + line for line in check),
        f"        l.append(F{index}(y, c))",
        f"    r[{key}] = l",
    ]


def _generate(selection: Selection, below: dict[int, Compiled], compiler: Compiler) -> Compiled:
    namespace: dict[str, Any] = {
        "D": Deviation,
        "UNKNOWN": UNKNOWN,
        "Undefined": Undefined,
        "CAST": TYPE_CAST_ATTRIBUTE,
    }
    body: list[str] = []
    for index, f in enumerate(selection.fields):
        plain = f.plain
        namespace[f"N{index}"] = f.name
        if plain is None:  # __typename: the object type's name
            namespace[f"T{index}"] = selection.object_type.name
            body.append(f"r[N{index}] = T{index}")
            continue
        if plain.peek is not None:
            namespace[f"P{index}"] = plain.peek
        if plain.same is not None:
            namespace[f"S{index}"] = plain.same
        if plain.leaf is not None:
            namespace[f"L{index}"] = plain.leaf.coerce_output_value
        nested = plain.object or plain.item
        if nested is not None:
            namespace[f"F{index}"] = below[index]
            namespace[f"O{index}"] = compiler.owned_by(nested)
        body += _field_lines(index, plain, nested)
    name = f"complete_{selection.object_type.name}"
    source = "\n".join(
        [f"def {name}(v, c):", "    r = {}", *("    " + line for line in body), "    return r"]
    )
    code = compile(source, f"<compiled selection of {selection.object_type.name}>", "exec")
    exec(code, namespace)
    compiled: Compiled = namespace[name]
    compiled.__doc__ = source  # what it does, for a reader in a debugger
    return compiled


__all__ = [
    "HOT",
    "TYPENAME",
    "Compiled",
    "Compiler",
    "Deviation",
    "Field",
    "Selection",
    "compilable",
]
