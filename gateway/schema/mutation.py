"""The root Mutation type: route phone numbers to assistants, Relay style.

Each mutation takes one ``input`` object and returns a payload with the objects it
changed and ``userErrors``. A refusal (a bad id, another provider's assistant, a number
linked elsewhere, an SMS number, …) is a user error with a stable ``code`` and nothing
else in the payload. An upstream failure is a GraphQL error with the usual codes, as for
queries. A write is sent at most once and never retried: after a timeout the change may
or may not have been made, and reading the number tells which.

Before writing, the gateway reads the number (one scan of the provider's list) and the
assistant afresh, past the page cache, so each provider's documented preconditions are
checked up front; the adapter maps the provider's own refusals for the rare case where
the state changed in between.

After a write, cached pages and the request's loader entries are dropped again, so the
payload and any later query read the new state.

Authorization (which tenant may change which provider, read-only keys) is not checked
here yet: every caller that can query can link.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated

import strawberry

from .. import model
from ..errors import UpstreamError, UserInputError
from ..providers.base import LinkError, LinkErrorCode, LinkingAdapter, LinkResult, linking
from .context import Info
from .docs import describe_values
from .ids import parse_global_id
from .types import Assistant, PhoneNumber

UserErrorCode = strawberry.enum(
    LinkErrorCode,
    name="UserErrorCode",
    description=(
        "Why a mutation did not do what its input asked. INVALID_ID: not an id of the "
        "expected type. PHONE_NUMBER_NOT_FOUND / ASSISTANT_NOT_FOUND: no such object at its "
        "provider. CROSS_PROVIDER: the number and the assistant belong to different "
        "providers. ALREADY_LINKED: the number is linked to this assistant already. "
        "LINKED_ELSEWHERE: another assistant holds the number and the provider does not "
        "move numbers (unlink it first). NOT_LINKED: the number is linked to no assistant. "
        "NOT_LINKABLE: the provider cannot route this number to an assistant (e.g. Teli SMS "
        "numbers, which go to users). NOT_SUPPORTED: the provider's API cannot make this "
        "change. FORBIDDEN: the provider refused the change for this account. "
        "UPSTREAM_ERROR: the provider failed (errors[] has its code); the change may or may "
        "not have been made."
    ),
)
describe_values(
    LinkErrorCode,
    {
        "INVALID_ID": "The id is malformed or not of the expected type (field says which).",
        "PHONE_NUMBER_NOT_FOUND": "No such number at its provider (or the provider is not "
        "configured for this tenant).",
        "ASSISTANT_NOT_FOUND": "No such assistant at its provider (or the provider is not "
        "configured for this tenant).",
        "CROSS_PROVIDER": "The number and the assistant belong to different providers; a "
        "number only routes to an assistant of its own provider.",
        "ALREADY_LINKED": "The number already routes to this assistant; nothing was changed.",
        "LINKED_ELSEWHERE": "Another assistant holds the number and this provider does not "
        "move numbers (Burki, Butter, Synthflow): unlink it first.",
        "NOT_LINKED": "unlinkPhoneNumber: the number routes to no assistant.",
        "NOT_LINKABLE": "The provider cannot route this number to an assistant (Teli SMS "
        "numbers go to users).",
        "NOT_SUPPORTED": "The provider's API cannot make this change.",
        "FORBIDDEN": "The provider refused the change for this account.",
        "UPSTREAM_ERROR": "The provider failed while the change was asked for; errors[] "
        "holds its code and provider at this mutation's path. Writes are never retried, so "
        "the change may or may not have been made: read the number before trying again.",
    },
)


@strawberry.type(description="Why a mutation did not do what its input asked.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "assistantId"]; '
        "null when no single field is."
    )
    message: str = strawberry.field(
        description="What was wrong, for people; switch on code, not on this text."
    )
    code: UserErrorCode = strawberry.field(  # type: ignore[valid-type]
        description="Why, as a stable code clients can switch on."
    )

    @classmethod
    def of(cls, error: LinkError) -> UserError:
        field = ["input", error.field] if error.field else None
        return cls(field=field, message=error.message, code=error.code)


class Refused(Exception):
    """One or more user errors: the mutation stops before (or instead of) writing."""

    def __init__(self, *errors: LinkError) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Outcome:
    provider: model.ProviderName
    result: LinkResult


@strawberry.input(description="Route a phone number to an assistant of the same provider.")
class LinkPhoneNumberInput:
    phone_number_id: strawberry.ID = strawberry.field(description="The PhoneNumber's id.")
    assistant_id: strawberry.ID = strawberry.field(description="The Assistant's id.")
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Echoed in the payload, for the client's bookkeeping."
    )


@strawberry.input(description="Detach a phone number from the assistant it routes to.")
class UnlinkPhoneNumberInput:
    phone_number_id: strawberry.ID = strawberry.field(description="The PhoneNumber's id.")
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Echoed in the payload, for the client's bookkeeping."
    )


async def _number_or_none(
    info: Info, provider: model.ProviderName, native_id: str | None
) -> PhoneNumber | None:
    if native_id is None:
        return None
    found = await info.context.loaders.number.load((provider, native_id))
    return PhoneNumber.of(found) if found else None


async def _assistant_or_none(
    info: Info, provider: model.ProviderName, native_id: str | None
) -> Assistant | None:
    if native_id is None:
        return None
    found = await info.context.loaders.assistant.load((provider, native_id))
    return Assistant.of(found) if found else None


@strawberry.type(description="The result of linkPhoneNumber.")
class LinkPhoneNumberPayload:
    client_mutation_id: str | None = strawberry.field(
        description="The input's clientMutationId, unchanged; null if none was sent."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was linked; empty on success."
    )
    outcome: strawberry.Private[Outcome | None]

    @strawberry.field(description="The number, now routed to the assistant; null on errors.")
    async def phone_number(self, info: Info) -> PhoneNumber | None:
        if self.outcome is None:
            return None
        return await _number_or_none(
            info, self.outcome.provider, self.outcome.result.phone_number_id
        )

    @strawberry.field(description="The assistant the number now routes to; null on errors.")
    async def assistant(self, info: Info) -> Assistant | None:
        if self.outcome is None:
            return None
        return await _assistant_or_none(
            info, self.outcome.provider, self.outcome.result.assistant_id
        )

    @strawberry.field(
        description="The assistant the number was taken from, where the provider moves a "
        "linked number instead of refusing (Flireo, Teli); null otherwise."
    )
    async def previous_assistant(self, info: Info) -> Assistant | None:
        if self.outcome is None:
            return None
        result = self.outcome.result
        return await _assistant_or_none(info, self.outcome.provider, result.previous_assistant_id)

    @strawberry.field(
        description="Numbers the assistant gave up for this one, where the provider lets an "
        "assistant hold one number (Flireo; Synthflow's inbound number)."
    )
    async def released_phone_numbers(self, info: Info) -> list[PhoneNumber]:
        if self.outcome is None:
            return []
        provider, ids = self.outcome.provider, self.outcome.result.released_phone_number_ids
        try:
            found = await asyncio.gather(*(_number_or_none(info, provider, i) for i in ids))
        except UpstreamError as exc:
            # The write went through; a failed read-back is an error beside the payload,
            # not a null payload (this list is non-null) that reads as a failed write.
            info.context.report(exc, info)
            return []
        return [n for n in found if n is not None]


@strawberry.type(description="The result of unlinkPhoneNumber.")
class UnlinkPhoneNumberPayload:
    client_mutation_id: str | None = strawberry.field(
        description="The input's clientMutationId, unchanged; null if none was sent."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was unlinked; empty on success."
    )
    outcome: strawberry.Private[Outcome | None]

    @strawberry.field(description="The number, now routed to no assistant; null on errors.")
    async def phone_number(self, info: Info) -> PhoneNumber | None:
        if self.outcome is None:
            return None
        return await _number_or_none(
            info, self.outcome.provider, self.outcome.result.phone_number_id
        )

    @strawberry.field(description="The assistant the number was detached from; null on errors.")
    async def assistant(self, info: Info) -> Assistant | None:
        if self.outcome is None:
            return None
        return await _assistant_or_none(
            info, self.outcome.provider, self.outcome.result.assistant_id
        )


def _parse(value: str, type_name: str, field: str) -> tuple[model.ProviderName, str]:
    """A global id of ``type_name`` -> (provider, native id), or an INVALID_ID refusal."""
    try:
        kind, provider, native_id = parse_global_id(value)
    except UserInputError:
        kind = None
    if kind != type_name:
        raise LinkError(
            LinkErrorCode.INVALID_ID, f"not the id of a {type_name}: {value[:64]!r}", field
        )
    return provider, native_id


def _parse_all(*specs: tuple[str, str, str]) -> list[tuple[model.ProviderName, str]]:
    """Every id of ``(value, type, field)``; all bad ones are reported together."""
    parsed, errors = [], []
    for value, type_name, field in specs:
        try:
            parsed.append(_parse(value, type_name, field))
        except LinkError as err:
            errors.append(err)
    if errors:
        raise Refused(*errors)
    return parsed


def _adapter(info: Info, provider: model.ProviderName) -> LinkingAdapter:
    adapter = info.context.runtime.adapters.get(provider)
    if adapter is None:  # a provider this gateway does not serve: nothing of it exists here
        raise LinkError(
            LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
            f"{provider.value} is not configured on this gateway",
            "phoneNumberId",
        )
    can = linking(adapter)
    if can is None:
        raise LinkError(
            LinkErrorCode.NOT_SUPPORTED, f"linking is not supported for {provider.value}"
        )
    return can


async def _number(info: Info, provider: model.ProviderName, native_id: str) -> model.PhoneNumber:
    found = await info.context.loaders.number.load((provider, native_id))
    if found is None:
        raise LinkError(
            LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
            f"{provider.value} has no phone number {native_id}",
            "phoneNumberId",
        )
    return found


async def _assistant(info: Info, provider: model.ProviderName, native_id: str) -> model.Assistant:
    found = await info.context.loaders.assistant.load((provider, native_id))
    if found is None:
        raise LinkError(
            LinkErrorCode.ASSISTANT_NOT_FOUND,
            f"{provider.value} has no assistant {native_id}",
            "assistantId",
        )
    return found


async def _both(
    number: Awaitable[model.PhoneNumber], assistant: Awaitable[model.Assistant]
) -> tuple[model.PhoneNumber, model.Assistant]:
    """Both records, read concurrently; both missing ids are reported together."""
    n, a = await asyncio.gather(number, assistant, return_exceptions=True)
    refusals = [r for r in (n, a) if isinstance(r, LinkError)]
    if refusals:
        raise Refused(*refusals)
    if isinstance(n, BaseException):
        raise n
    if isinstance(a, BaseException):
        raise a
    return n, a


async def forget(info: Info, provider: model.ProviderName) -> None:
    """Drop what could still show the state from before a write to ``provider``."""
    await info.context.runtime.invalidate(provider)
    info.context.forget()


async def _write(info: Info, provider: model.ProviderName, call: Awaitable[LinkResult]) -> Outcome:
    """Run one adapter write. Whatever happens, the old state is forgotten afterwards."""
    try:
        return Outcome(provider, await call)
    finally:
        await forget(info, provider)


async def link(info: Info, phone_number_id: str, assistant_id: str) -> Outcome:
    (provider, number_id), (other, assistant_native) = _parse_all(
        (phone_number_id, "PhoneNumber", "phoneNumberId"),
        (assistant_id, "Assistant", "assistantId"),
    )
    if other is not provider:
        raise LinkError(
            LinkErrorCode.CROSS_PROVIDER,
            f"the number is at {provider.value} and the assistant at {other.value}: "
            "a number links only to an assistant of its own provider",
            "assistantId",
        )
    adapter = _adapter(info, provider)
    await forget(info, provider)  # decide on the provider's current state, not on cached pages
    number, assistant = await _both(
        _number(info, provider, number_id), _assistant(info, provider, assistant_native)
    )
    return await _write(info, provider, adapter.link_phone_number(number, assistant))


async def unlink(info: Info, phone_number_id: str) -> Outcome:
    [(provider, number_id)] = _parse_all((phone_number_id, "PhoneNumber", "phoneNumberId"))
    adapter = _adapter(info, provider)
    await forget(info, provider)
    number = await _number(info, provider, number_id)
    return await _write(info, provider, adapter.unlink_phone_number(number))


def _refusals(exc: LinkError | Refused | UpstreamError, info: Info) -> list[UserError]:
    """The user errors of a mutation that did not do what it asked. An upstream failure
    is also reported at this mutation's path (its code, provider and status) and costs
    only this mutation: the other mutations of the request keep their payloads."""
    if isinstance(exc, UpstreamError):
        info.context.report(exc, info)
        return [UserError(field=None, message=exc.message, code=LinkErrorCode.UPSTREAM_ERROR)]
    errors = exc.errors if isinstance(exc, Refused) else (exc,)
    return [UserError.of(e) for e in errors]


@strawberry.type(
    description="Writes to the providers' routing. Each write is sent once, never retried, "
    "and needs a key that is not read-only (FORBIDDEN otherwise)."
)
class Mutation:
    @strawberry.mutation(
        description=(
            "Route a phone number to an assistant of the same provider. A number another "
            "assistant holds is moved where the provider does so (Flireo, Teli: see "
            "previousAssistant) and refused (LINKED_ELSEWHERE) where it does not (Burki, "
            "Butter, Synthflow). Never retried: after an upstream error the change may or "
            "may not have been made."
        )
    )
    async def link_phone_number(
        self,
        info: Info,
        input: Annotated[
            LinkPhoneNumberInput,
            strawberry.argument(description="The number and the assistant to route it to."),
        ],
    ) -> LinkPhoneNumberPayload:
        try:
            outcome = await link(info, input.phone_number_id, input.assistant_id)
        except (LinkError, Refused, UpstreamError) as exc:
            return LinkPhoneNumberPayload(
                client_mutation_id=input.client_mutation_id,
                user_errors=_refusals(exc, info),
                outcome=None,
            )
        return LinkPhoneNumberPayload(
            client_mutation_id=input.client_mutation_id, user_errors=[], outcome=outcome
        )

    @strawberry.mutation(
        description=(
            "Detach a phone number from the assistant it routes to, so it routes nowhere. "
            "Never retried: after an upstream error the change may or may not have been made."
        )
    )
    async def unlink_phone_number(
        self,
        info: Info,
        input: Annotated[
            UnlinkPhoneNumberInput,
            strawberry.argument(description="The number to detach."),
        ],
    ) -> UnlinkPhoneNumberPayload:
        try:
            outcome = await unlink(info, input.phone_number_id)
        except (LinkError, Refused, UpstreamError) as exc:
            return UnlinkPhoneNumberPayload(
                client_mutation_id=input.client_mutation_id,
                user_errors=_refusals(exc, info),
                outcome=None,
            )
        return UnlinkPhoneNumberPayload(
            client_mutation_id=input.client_mutation_id, user_errors=[], outcome=outcome
        )


__all__ = ["Mutation", "UserError"]
