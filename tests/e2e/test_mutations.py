"""linkPhoneNumber / unlinkPhoneNumber over HTTP, for every provider: link, read back through
phoneNumbers, Assistant.phoneNumbers and PhoneNumber.assistant, unlink, and the errors."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.model import PROVIDER_ORDER, ProviderName
from tests.writes import Op, providers_where, writes

from .conftest import Gateway

BURKI, BUTTER, FLIREO, SYNTHFLOW, TELI = (
    ProviderName.BURKI,
    ProviderName.BUTTER,
    ProviderName.FLIREO,
    ProviderName.SYNTHFLOW,
    ProviderName.TELI,
)
PROVIDERS = pytest.mark.parametrize(
    "provider", PROVIDER_ORDER, ids=[p.value for p in PROVIDER_ORDER]
)

PAYLOAD_NUMBER = "phoneNumber { id status assistant { id } }"
LINK = f"""
mutation($n: ID!, $a: ID!, $c: String) {{
  linkPhoneNumber(input: {{phoneNumberId: $n, assistantId: $a, clientMutationId: $c}}) {{
    clientMutationId
    userErrors {{ field message code }}
    {PAYLOAD_NUMBER}
    assistant {{ id phoneNumbers(first: 100) {{ nodes {{ id }} }} }}
    previousAssistant {{ id phoneNumbers(first: 100) {{ nodes {{ id }} }} }}
    releasedPhoneNumbers {{ id status assistant {{ id }} }}
  }}
}}
"""
UNLINK = f"""
mutation($n: ID!, $c: String) {{
  unlinkPhoneNumber(input: {{phoneNumberId: $n, clientMutationId: $c}}) {{
    clientMutationId
    userErrors {{ field message code }}
    {PAYLOAD_NUMBER}
    assistant {{ id phoneNumbers(first: 100) {{ nodes {{ id }} }} }}
  }}
}}
"""
NUMBERS = """
query($p: [Provider!], $s: NumberStatus) {
  phoneNumbers(first: 100, filter: {providers: $p, status: $s}) {
    nodes { id nativeId number status capabilities { voice sms } assistant { id } }
  }
}
"""
ASSISTANTS = """
query($p: [Provider!]) {
  assistants(first: 100, filter: {providers: $p}) {
    nodes { id nativeId phoneNumbers(first: 100) { nodes { id } } }
  }
}
"""
# The HTTP methods a write may use (a PATCH of the number is a write too).
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ASSISTANT_NUMBERS = """
query($id: ID!) { node(id: $id) { ... on Assistant { phoneNumbers(first: 100) { nodes { id } } } } }
"""


def gid(type_name: str, provider: ProviderName, native_id: str) -> str:
    return base64.b64encode(f"{type_name}:{provider.value}:{native_id}".encode()).decode()


def ids(connection: dict[str, Any]) -> set[str]:
    return {n["id"] for n in connection["nodes"]}


@dataclass
class World:
    """What the gateway shows of one provider, read over HTTP."""

    numbers: list[dict[str, Any]]
    assistants: list[dict[str, Any]]

    def number(self, number_id: str) -> dict[str, Any]:
        return next(n for n in self.numbers if n["id"] == number_id)

    def free(self, gw: Gateway, provider: ProviderName) -> dict[str, Any]:
        """A number that can be linked: free, voice-capable, with a working integration."""
        butter: Any = gw.emulators[BUTTER].state.data
        return next(
            n
            for n in self.numbers
            if n["assistant"] is None
            and not (n["capabilities"]["sms"] and not n["capabilities"]["voice"])
            and not (provider is BUTTER and n["nativeId"] in butter.no_integration)
        )

    def held(self) -> dict[str, Any]:
        return next(n for n in self.numbers if n["assistant"] is not None)

    def other_than(self, assistant_id: str) -> dict[str, Any]:
        return next(a for a in self.assistants if a["id"] != assistant_id)


async def read(gw: Gateway, provider: ProviderName) -> World:
    numbers = (await gw.data(NUMBERS, p=[provider.name]))["phoneNumbers"]["nodes"]
    assistants = (await gw.data(ASSISTANTS, p=[provider.name]))["assistants"]["nodes"]
    return World(numbers, assistants)


async def link(gw: Gateway, number_id: str, assistant_id: str) -> dict[str, Any]:
    body = await gw.data(LINK, n=number_id, a=assistant_id, c="cm-1")
    payload: dict[str, Any] = body["linkPhoneNumber"]
    assert payload["clientMutationId"] == "cm-1"
    return payload


async def unlink(gw: Gateway, number_id: str) -> dict[str, Any]:
    body = await gw.data(UNLINK, n=number_id, c="cm-2")
    payload: dict[str, Any] = body["unlinkPhoneNumber"]
    assert payload["clientMutationId"] == "cm-2"
    return payload


def refused(payload: dict[str, Any], *codes: str) -> list[dict[str, Any]]:
    """The payload carries exactly ``codes`` and no data."""
    errors: list[dict[str, Any]] = payload["userErrors"]
    assert [e["code"] for e in errors] == list(codes), errors
    assert payload["phoneNumber"] is None
    assert all(isinstance(e["message"], str) and e["message"] for e in errors)
    return errors


async def assistant_numbers(gw: Gateway, assistant_id: str) -> set[str]:
    return ids((await gw.data(ASSISTANT_NUMBERS, id=assistant_id))["node"]["phoneNumbers"])


def record_writes(gw: Gateway) -> list[str]:
    """From now on, every write an emulator receives, as ``"<METHOD> <path>"``: a request
    other than GET, except to the paths its provider reads by POST (``read_paths``)."""
    log: list[str] = []
    for provider, app in gw.emulators.items():
        inner = app.middleware_stack or app.build_middleware_stack()
        reads = writes(provider).read_paths | {"/__emulator__"}

        async def logged(
            scope: Any, receive: Any, send: Any, inner: Any = inner, reads: Any = reads
        ) -> None:
            path = scope.get("path", "")
            read = scope.get("method") == "GET" or any(path.startswith(r) for r in reads)
            if scope["type"] == "http" and not read:
                log.append(f"{scope['method']} {path}")
            await inner(scope, receive, send)

        app.middleware_stack = logged
    return log


# --- the round trip ---------------------------------------------------------------------


@PROVIDERS
async def test_link_read_back_unlink(gateway: Gateway, provider: ProviderName) -> None:
    before = await read(gateway, provider)  # also fills the page cache
    log = record_writes(gateway)
    number = before.free(gateway, provider)
    target = before.assistants[-1]
    assert number["status"] == "AVAILABLE"

    payload = await link(gateway, number["id"], target["id"])
    assert payload["userErrors"] == []
    assert payload["phoneNumber"] == {
        "id": number["id"],
        "status": "ASSIGNED",
        "assistant": {"id": target["id"]},
    }
    assert payload["assistant"]["id"] == target["id"]
    assert number["id"] in ids(payload["assistant"]["phoneNumbers"])
    assert payload["previousAssistant"] is None

    after = await read(gateway, provider)
    assert after.number(number["id"])["status"] == "ASSIGNED"
    assert after.number(number["id"])["assistant"] == {"id": target["id"]}
    assert number["id"] in await assistant_numbers(gateway, target["id"])
    assigned = await gateway.data(NUMBERS, p=[provider.name], s="ASSIGNED")
    assert number["id"] in ids(assigned["phoneNumbers"])

    payload = await unlink(gateway, number["id"])
    assert payload["userErrors"] == []
    assert len(log) >= 2
    assert all(w.split()[0] in WRITE_METHODS for w in log)
    assert payload["phoneNumber"] == {"id": number["id"], "status": "AVAILABLE", "assistant": None}
    assert payload["assistant"]["id"] == target["id"]
    assert number["id"] not in ids(payload["assistant"]["phoneNumbers"])

    again = await read(gateway, provider)
    assert again.number(number["id"])["status"] == "AVAILABLE"
    assert again.number(number["id"])["assistant"] is None
    assert number["id"] not in await assistant_numbers(gateway, target["id"])
    available = await gateway.data(NUMBERS, p=[provider.name], s="AVAILABLE")
    assert number["id"] in ids(available["phoneNumbers"])


# --- refusals the gateway finds itself ----------------------------------------------------


@PROVIDERS
async def test_common_user_errors(gateway: Gateway, provider: ProviderName) -> None:
    world = await read(gateway, provider)
    held, free = world.held(), world.free(gateway, provider)
    holder = held["assistant"]["id"]
    log = record_writes(gateway)

    errors = refused(await link(gateway, "garbage", held["id"]), "INVALID_ID", "INVALID_ID")
    assert [e["field"] for e in errors] == [["input", "phoneNumberId"], ["input", "assistantId"]]
    errors = refused(await unlink(gateway, holder), "INVALID_ID")
    assert errors[0]["field"] == ["input", "phoneNumberId"]

    missing_number = gid("PhoneNumber", provider, "999999")
    missing_assistant = gid("Assistant", provider, "999999")
    errors = refused(await link(gateway, missing_number, holder), "PHONE_NUMBER_NOT_FOUND")
    assert errors[0]["field"] == ["input", "phoneNumberId"]
    errors = refused(await link(gateway, free["id"], missing_assistant), "ASSISTANT_NOT_FOUND")
    assert errors[0]["field"] == ["input", "assistantId"]
    refused(
        await link(gateway, missing_number, missing_assistant),
        "PHONE_NUMBER_NOT_FOUND",
        "ASSISTANT_NOT_FOUND",
    )
    refused(await unlink(gateway, missing_number), "PHONE_NUMBER_NOT_FOUND")

    errors = refused(await link(gateway, held["id"], holder), "ALREADY_LINKED")
    assert errors[0]["field"] == ["input", "phoneNumberId"]
    refused(await unlink(gateway, free["id"]), "NOT_LINKED")

    assert log == []  # every refusal came before any write
    assert await read(gateway, provider) == world


async def test_cross_provider_is_refused_without_upstream_calls(gateway: Gateway) -> None:
    burki = await read(gateway, BURKI)
    butter = await read(gateway, BUTTER)
    gateway.reset_counts()
    payload = await link(gateway, burki.free(gateway, BURKI)["id"], butter.assistants[0]["id"])
    [error] = refused(payload, "CROSS_PROVIDER")
    assert error["field"] == ["input", "assistantId"]
    assert sum(gateway.upstream_requests().values()) == 0


# --- a number linked elsewhere, per provider ----------------------------------------------


REFUSING = providers_where(lambda w: not w.moves_linked)
MOVING = providers_where(lambda w: w.moves_linked)


@pytest.mark.parametrize("provider", REFUSING, ids=[p.value for p in REFUSING])
async def test_linked_elsewhere_is_refused(gateway: Gateway, provider: ProviderName) -> None:
    world = await read(gateway, provider)
    held = world.held()
    other = world.other_than(held["assistant"]["id"])
    log = record_writes(gateway)
    [error] = refused(await link(gateway, held["id"], other["id"]), "LINKED_ELSEWHERE")
    assert error["field"] == ["input", "phoneNumberId"]
    assert log == []
    assert (await read(gateway, provider)).number(held["id"]) == held


async def test_the_precheck_reads_past_the_page_cache(gateway: Gateway) -> None:
    """Burki itself would overwrite the link: the gateway's check must see the current one."""
    world = await read(gateway, BURKI)  # the pages are cached now
    number = world.free(gateway, BURKI)
    state: Any = gateway.emulators[BURKI].state.data
    state.set_assistant(int(number["nativeId"]), 1)  # linked outside the gateway
    target = next(a for a in world.assistants if a["nativeId"] != "1")
    log = record_writes(gateway)
    refused(await link(gateway, number["id"], target["id"]), "LINKED_ELSEWHERE")
    assert log == []
    assert state.numbers[state.number_pos[int(number["nativeId"])]]["assistant"]["id"] == 1


@pytest.mark.parametrize("provider", MOVING, ids=[p.value for p in MOVING])
async def test_linked_elsewhere_is_moved(gateway: Gateway, provider: ProviderName) -> None:
    world = await read(gateway, provider)
    held = world.held()
    previous = held["assistant"]["id"]
    target = world.other_than(previous)
    payload = await link(gateway, held["id"], target["id"])
    assert payload["userErrors"] == []
    assert payload["phoneNumber"]["assistant"] == {"id": target["id"]}
    assert payload["previousAssistant"]["id"] == previous
    assert held["id"] not in ids(payload["previousAssistant"]["phoneNumbers"])
    assert held["id"] not in await assistant_numbers(gateway, previous)
    assert held["id"] in await assistant_numbers(gateway, target["id"])


# --- provider-specific semantics ------------------------------------------------------------


async def test_flireo_replaces_the_assistants_number(gateway: Gateway) -> None:
    data: Any = gateway.emulators[FLIREO].state.data
    world = await read(gateway, FLIREO)
    target_native = next(a for a, linked in data.linked.items() if linked)
    shown = data.linked[target_native][0]
    target = gid("Assistant", FLIREO, target_native)
    number = world.free(gateway, FLIREO)
    payload = await link(gateway, number["id"], target)
    assert payload["userErrors"] == []
    assert payload["releasedPhoneNumbers"] == [
        {"id": gid("PhoneNumber", FLIREO, shown), "status": "AVAILABLE", "assistant": None}
    ]
    assert gid("PhoneNumber", FLIREO, shown) not in await assistant_numbers(gateway, target)


async def test_flireo_cannot_unlink_an_older_second_number(gateway: Gateway) -> None:
    data: Any = gateway.emulators[FLIREO].state.data
    holder = next(a for a, linked in data.linked.items() if len(linked) >= 2)
    older = gid("PhoneNumber", FLIREO, data.linked[holder][1])
    [error] = refused(await unlink(gateway, older), "NOT_SUPPORTED")
    assert error["field"] == ["input", "phoneNumberId"]
    world = await read(gateway, FLIREO)
    assert world.number(older)["assistant"] == {"id": gid("Assistant", FLIREO, holder)}
    # The number the assistant shows unlinks fine.
    shown = gid("PhoneNumber", FLIREO, data.linked[holder][0])
    assert (await unlink(gateway, shown))["userErrors"] == []


async def test_synthflow_inbound_number_is_replaced(gateway: Gateway) -> None:
    state: Any = gateway.emulators[SYNTHFLOW].state.data
    agent = next(a for a in state.assistants if a["phone_number"])
    old = gid("PhoneNumber", SYNTHFLOW, agent["phone_number"][1:])
    target = gid("Assistant", SYNTHFLOW, agent["model_id"])
    number = (await read(gateway, SYNTHFLOW)).free(gateway, SYNTHFLOW)
    payload = await link(gateway, number["id"], target)
    assert payload["userErrors"] == []
    assert payload["releasedPhoneNumbers"] == [
        {"id": old, "status": "AVAILABLE", "assistant": None}
    ]
    assert ids(payload["assistant"]["phoneNumbers"]) >= {number["id"]}
    assert old not in ids(payload["assistant"]["phoneNumbers"])


async def test_synthflow_outbound_number_is_detached(gateway: Gateway) -> None:
    state: Any = gateway.emulators[SYNTHFLOW].state.data
    agent = next(a for a in state.assistants if a["attached_phone_numbers"])
    attached = gid("PhoneNumber", SYNTHFLOW, agent["attached_phone_numbers"][0]["slug"])
    holder = gid("Assistant", SYNTHFLOW, agent["model_id"])
    assert attached in await assistant_numbers(gateway, holder)
    payload = await unlink(gateway, attached)
    assert payload["userErrors"] == []
    assert payload["assistant"]["id"] == holder
    assert payload["phoneNumber"]["status"] == "AVAILABLE"
    assert attached not in await assistant_numbers(gateway, holder)


async def test_teli_sms_numbers_are_not_linkable(gateway: Gateway) -> None:
    world = await read(gateway, TELI)
    sms = [n for n in world.numbers if n["capabilities"]["sms"]]
    assigned = next(n for n in sms if n["status"] == "ASSIGNED")  # to a user, not an agent
    for number in (sms[0], assigned):
        errors = refused(
            await link(gateway, number["id"], world.assistants[0]["id"]), "NOT_LINKABLE"
        )
        assert errors[0]["field"] == ["input", "phoneNumberId"]
        assert "users" in errors[0]["message"]
    refused(await unlink(gateway, assigned["id"]), "NOT_LINKABLE")


async def test_butter_twilio_number_without_integration(gateway: Gateway) -> None:
    state: Any = gateway.emulators[BUTTER].state.data
    native = sorted(state.no_integration)[0]
    number = gid("PhoneNumber", BUTTER, native)
    world = await read(gateway, BUTTER)
    if world.number(number)["assistant"] is not None:
        assert (await unlink(gateway, number))["userErrors"] == []
    [error] = refused(await link(gateway, number, world.assistants[0]["id"]), "NOT_LINKABLE")
    assert "integration" in error["message"]


# --- the providers' own refusals, when the state changed after the gateway read it --------


@dataclass(frozen=True)
class Refusal:
    provider: ProviderName
    op: Op
    status: int
    code: str

    def __str__(self) -> str:
        return f"{self.provider.value}-{self.op}-{self.status}"


REFUSALS = [Refusal(p, r.op, r.status, r.code) for p in PROVIDER_ORDER for r in writes(p).refusals]


async def write_target(gw: Gateway, provider: ProviderName, op: Op) -> tuple[str, str, str]:
    """(number id, assistant id, the write's path) for one link or unlink of ``provider``."""
    world = await read(gw, provider)
    if provider is SYNTHFLOW:  # the detach endpoint: the agent update shares a path with GET
        state: Any = gw.emulators[SYNTHFLOW].state.data
        agent = next(a for a in state.assistants if a["attached_phone_numbers"])
        slug = agent["attached_phone_numbers"][0]["slug"]
        number, assistant = {"nativeId": slug}, {"nativeId": agent["model_id"]}
        return (
            gid("PhoneNumber", SYNTHFLOW, slug),
            gid("Assistant", SYNTHFLOW, agent["model_id"]),
            writes(SYNTHFLOW).path(op, number, assistant),
        )
    if op == "link":
        number = world.free(gw, provider)
        assistant = world.assistants[0]
    else:
        number = world.held()
        if provider is TELI:
            number = next(n for n in world.numbers if n["assistant"] and n["capabilities"]["voice"])
        assistant = next(a for a in world.assistants if a["id"] == number["assistant"]["id"])
    return number["id"], assistant["id"], writes(provider).path(op, number, assistant)


@pytest.mark.parametrize("case", REFUSALS, ids=str)
async def test_provider_refusals_are_user_errors(gateway: Gateway, case: Refusal) -> None:
    number, assistant, path = await write_target(gateway, case.provider, case.op)
    before = await read(gateway, case.provider)
    gateway.fault(case.provider, status=case.status, path_prefix=path, times=1)
    log = record_writes(gateway)
    if case.op == "link":
        payload = await link(gateway, number, assistant)
    else:
        payload = await unlink(gateway, number)
    refused(payload, case.code)
    assert [w.split()[1] for w in log] == [path]  # one write, refused, not repeated
    assert await read(gateway, case.provider) == before


# --- never retried ------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDER_ORDER, ids=[p.value for p in PROVIDER_ORDER])
async def test_a_failed_write_is_reported_not_repeated(
    gateway: Gateway, provider: ProviderName
) -> None:
    op = writes(provider).failing_op
    number, assistant, path = await write_target(gateway, provider, op)
    before = await read(gateway, provider)
    gateway.fault(provider, status=503, path_prefix=path)  # until cleared: a retry would fail too
    log = record_writes(gateway)
    if op == "link":
        body = await gateway.query(LINK, n=number, a=assistant, c="x")
    else:
        body = await gateway.query(UNLINK, n=number, c="x")
    # The failure costs this mutation only: its payload says so (UPSTREAM_ERROR, no
    # outcome) and errors[] has the provider's code at its path.
    field = "linkPhoneNumber" if op == "link" else "unlinkPhoneNumber"
    payload = body["data"][field]
    assert payload["clientMutationId"] == "x"
    assert [e["code"] for e in payload["userErrors"]] == ["UPSTREAM_ERROR"]
    assert payload["phoneNumber"] is None
    [error] = body["errors"]
    assert error["path"] == [field]
    assert error["extensions"]["code"] == "UPSTREAM_HTTP_ERROR"
    assert error["extensions"]["provider"] == provider.value
    assert error["extensions"]["upstreamStatus"] == 503
    assert [w.split()[1] for w in log] == [path]
    gateway.emulators[provider].state.control.faults.clear()
    assert await read(gateway, provider) == before


async def test_one_failed_write_does_not_wipe_the_others(gateway: Gateway) -> None:
    """Two writes in one request, to two providers; one provider fails: the other write's
    payload comes back whole."""
    ok_number, ok_assistant, _ = await write_target(gateway, BURKI, "link")
    bad_number, bad_assistant, bad_path = await write_target(gateway, FLIREO, "link")
    gateway.fault(FLIREO, status=503, path_prefix=bad_path)
    both = """
    mutation($a: ID!, $x: ID!, $b: ID!, $y: ID!) {
      ok: linkPhoneNumber(input: {phoneNumberId: $a, assistantId: $x}) {
        userErrors { code } phoneNumber { id assistant { id } } }
      bad: linkPhoneNumber(input: {phoneNumberId: $b, assistantId: $y}) {
        userErrors { code } phoneNumber { id } }
    }"""
    body = await gateway.query(both, a=ok_number, x=ok_assistant, b=bad_number, y=bad_assistant)
    ok, bad = body["data"]["ok"], body["data"]["bad"]
    assert ok["userErrors"] == []
    assert ok["phoneNumber"]["assistant"]["id"] == ok_assistant
    assert [e["code"] for e in bad["userErrors"]] == ["UPSTREAM_ERROR"]
    assert [(e["path"], e["extensions"]["provider"]) for e in body["errors"]] == [
        (["bad"], "flireo")
    ]
