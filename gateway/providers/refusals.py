"""Upstream statuses of a write as refused links: one table per write, one function.

Providers differ in which statuses their link endpoints document and what each means,
not in how a status becomes a :class:`~gateway.providers.base.LinkError`. So an adapter
declares, per write, a :data:`StatusTable` (status -> :class:`Refused` or
:data:`WHICH_MISSING`), and :func:`refusal` applies it; a status the table does not
name stays the upstream error it was (reported with the provider's code, never retried).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import UpstreamError
from ..model import PhoneNumber
from .base import LinkError, LinkErrorCode, ProviderAdapter, which_missing


@dataclass(frozen=True, slots=True)
class Write:
    """What a refused write was about: the names a :class:`Refused` message may use."""

    adapter: ProviderAdapter
    number: PhoneNumber
    # The assistant the write was about: the one linked to, or the holder unlinked from.
    assistant_id: str
    # How the message names the write: "link", "assign", ...
    verb: str
    # What the account was refused doing, for FORBIDDEN; default "<verb> the number".
    action: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """One status as a refusal. ``message`` is a ``str.format`` template over
    ``{provider}``, ``{number}`` (E.164), ``{assistant}`` (its native id), ``{verb}`` and
    ``{action}``; ``field`` is the input at fault (None: neither input)."""

    code: LinkErrorCode
    message: str
    field: str | None = "phoneNumberId"

    def error(self, write: Write) -> LinkError:
        """This refusal, its message filled in from ``write``."""
        text = self.message.format(
            provider=write.adapter.name.value,
            number=write.number.number,
            assistant=write.assistant_id,
            verb=write.verb,
            action=write.action or f"{write.verb} the number",
        )
        return LinkError(self.code, text, self.field)


@dataclass(frozen=True, slots=True)
class WhichMissing:
    """A status (404) that may mean either id: the assistant is read to tell which.

    ``linking``: the assistant is the write's input (``assistantId``), not the holder."""

    linking: bool = True


WHICH_MISSING = WhichMissing()
# A 403: the account (or key) may not make this change. The same for every provider.
FORBIDDEN = Refused(
    LinkErrorCode.FORBIDDEN,
    "{provider} refused to {action}: this account may not change that number",
    None,
)

StatusTable = Mapping[int, Refused | WhichMissing]


async def refusal(table: StatusTable, exc: UpstreamError, write: Write) -> Exception:
    """``exc`` as ``table`` reads its status; ``exc`` itself where the table is silent.

    Only a read may follow (for :data:`WHICH_MISSING`): the write is never sent again.
    """
    entry = table.get(exc.status) if exc.status is not None else None
    if entry is None:
        return exc
    if isinstance(entry, WhichMissing):
        return await which_missing(write.adapter, write.assistant_id, linking=entry.linking)
    return entry.error(write)


__all__ = [
    "FORBIDDEN",
    "WHICH_MISSING",
    "Refused",
    "StatusTable",
    "WhichMissing",
    "Write",
    "refusal",
]
