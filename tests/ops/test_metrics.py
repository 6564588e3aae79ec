"""/metrics over HTTP (ASGI): GraphQL operations, upstream calls, dataloader batches."""

from __future__ import annotations

from gateway.app import DEMO_QUERY
from gateway.model import PROVIDER_ORDER, ProviderName
from gateway.observability.metrics import ANONYMOUS, OTHER, OperationNames

from .conftest import OpsGateway, open_ops_gateway
from .promtext import samples, value

NUMBERS = "query Numbers { phoneNumbers(first: 3) { nodes { number assistant { name } } } }"
# A page that needs Flireo (the first three numbers of all providers may come from Burki).
FLIREO_NUMBERS = (
    "query Numbers { phoneNumbers(first: 3, filter: {providers: [FLIREO]}) { nodes { number } } }"
)


async def test_metrics_is_prometheus_text_with_the_families(ops: OpsGateway) -> None:
    text = await ops.metrics()
    names = {n for n, _, _ in samples(text)}  # parses: valid exposition format
    assert "switchboard_upstream_breaker_state" in names
    assert "process_cpu_seconds_total" in names or "python_info" in names
    for family in (
        "switchboard_graphql_requests_total",
        "switchboard_graphql_request_duration_seconds",
        "switchboard_graphql_errors_total",
        "switchboard_upstream_requests_total",
        "switchboard_upstream_request_duration_seconds",
        "switchboard_dataloader_batch_size",
    ):
        assert f"# TYPE {family} " in text


async def test_graphql_requests_and_latency_by_operation(ops: OpsGateway) -> None:
    for _ in range(2):
        response = await ops.client.post("/graphql", json={"query": NUMBERS})
        assert "errors" not in response.json()
    await ops.client.post("/graphql", json={"query": "{ providers { name } }"})
    text = await ops.metrics()
    assert value(text, "switchboard_graphql_requests_total", operation="Numbers") == 2
    assert value(text, "switchboard_graphql_requests_total", operation=ANONYMOUS) == 1
    assert (
        value(text, "switchboard_graphql_request_duration_seconds_count", operation="Numbers") == 2
    )
    assert value(text, "switchboard_graphql_request_duration_seconds_sum", operation="Numbers") > 0
    assert (
        value(
            text,
            "switchboard_graphql_request_duration_seconds_bucket",
            operation="Numbers",
            le="+Inf",
        )
        == 2
    )


async def test_errors_by_operation_and_code(ops: OpsGateway) -> None:
    await ops.client.post("/graphql", json={"query": "query Bad { nope }"})
    await ops.client.post("/graphql", json={"query": "query Broken {"})
    ops.emulators[ProviderName.FLIREO].state.control.faults.append(_fault(status=500))
    partial = await ops.client.post("/graphql", json={"query": FLIREO_NUMBERS})
    codes = {e["extensions"]["code"] for e in partial.json()["errors"]}
    text = await ops.metrics()
    assert (
        value(
            text,
            "switchboard_graphql_errors_total",
            operation="Bad",
            code="GRAPHQL_VALIDATION_FAILED",
        )
        == 1
    )
    assert value(text, "switchboard_graphql_errors_total", code="GRAPHQL_PARSE_FAILED") == 1
    for code in codes:
        assert value(text, "switchboard_graphql_errors_total", operation="Numbers", code=code) >= 1
    assert value(text, "switchboard_upstream_requests_total", provider="flireo", status="500") >= 1


async def test_upstream_requests_latency_and_status_by_provider(ops: OpsGateway) -> None:
    before = sum(app.state.control.requests.total() for app in ops.emulators.values())
    response = await ops.client.post("/graphql", json={"query": DEMO_QUERY})
    assert "errors" not in response.json()
    sent = sum(app.state.control.requests.total() for app in ops.emulators.values()) - before
    text = await ops.metrics()
    assert value(text, "switchboard_upstream_requests_total") == sent > 0
    for provider in PROVIDER_ORDER:
        ok = value(
            text, "switchboard_upstream_requests_total", provider=provider.value, status="200"
        )
        assert ok >= 1, provider
        assert (
            value(
                text, "switchboard_upstream_request_duration_seconds_count", provider=provider.value
            )
            == ok
        )


async def test_upstream_transport_failures_are_counted(ops: OpsGateway) -> None:
    ops.emulators[ProviderName.TELI].state.control.faults.append(_fault(drop=True))
    teli = FLIREO_NUMBERS.replace("FLIREO", "TELI")  # a page that needs Teli
    await ops.client.post("/graphql", json={"query": teli})
    text = await ops.metrics()
    assert value(text, "switchboard_upstream_requests_total", provider="teli", status="error") >= 1


async def test_dataloader_batch_sizes(ops: OpsGateway) -> None:
    # Each assistant's numbers come through a loader (a page of numbers' own assistants
    # are answered from the list the look-ahead read, without one).
    query = (
        "query Assistants { assistants(first: 3, filter: {providers: [BUTTER]})"
        " { nodes { name phoneNumbers(first: 2) { nodes { number } } } } }"
    )
    assert "errors" not in (await ops.client.post("/graphql", json={"query": query})).json()
    text = await ops.metrics()
    assert value(text, "switchboard_dataloader_batch_size_count", loader="pages") >= 1
    # Three assistants' numbers are loaded in batches, not one call per assistant.
    linked = [
        (n, v)
        for n, ls, v in samples(text)
        if n.startswith("switchboard_dataloader_batch_size_") and ls["loader"] != "pages"
    ]
    batches = sum(v for n, v in linked if n.endswith("_count"))
    keys = sum(v for n, v in linked if n.endswith("_sum"))
    assert batches >= 1
    assert keys >= batches


def test_operation_label_is_bounded() -> None:
    names = OperationNames(limit=2)
    assert names.label(None) == ANONYMOUS
    assert names.label("A") == "A"
    assert names.label("B") == "B"
    assert names.label("C") == OTHER
    assert names.label("A") == "A"
    assert names.label("not a name; DROP") == OTHER
    assert names.label("x" * 65) == OTHER


def test_each_app_has_its_own_registry() -> None:
    from gateway.app import create_app
    from gateway.config import Settings

    first = create_app(Settings(demo=True)).state.metrics
    second = create_app(Settings(demo=True)).state.metrics
    assert first.registry is not second.registry


def _fault(**kwargs: object) -> object:
    from gateway.emulators.common import Fault

    return Fault(**kwargs)  # type: ignore[arg-type]


async def test_resilience_counters_and_breaker_state_are_exported() -> None:
    async with open_ops_gateway() as gw:  # default settings: the shared page cache is on
        for _ in range(2):
            await gw.client.post("/graphql", json={"query": NUMBERS})
        text = await gw.metrics()
    calls = value(text, "switchboard_upstream_calls_total")
    assert calls >= value(text, "switchboard_upstream_requests_total") > 0
    hits = value(text, "switchboard_upstream_cache_hits_total")
    assert hits > 0
    assert value(text, "switchboard_page_cache_hits_total") > 0
    assert value(text, "switchboard_page_cache_entries") > 0
    for name in ("retries", "coalesced", "short_circuited"):
        assert f"switchboard_upstream_{name}_total" in text
    states = {
        ls["state"] for n, ls, _ in samples(text) if n == "switchboard_upstream_breaker_state"
    }
    assert states == {"closed"}


async def test_the_look_ahead_list_joins_the_pages_batch(ops: OpsGateway) -> None:
    # Butter's numbers do not embed their assistants' names: the page of numbers and the
    # first page of the assistant list the look-ahead starts go out in one batch, so in
    # the same step of the event loop rather than one after the other.
    query = (
        "query Linked { phoneNumbers(first: 5, filter: {providers: [BUTTER]})"
        " { nodes { number assistant { name } } } }"
    )

    def pages(text: str) -> tuple[float, float]:
        count = value(text, "switchboard_dataloader_batch_size_count", loader="pages") or 0
        keys = value(text, "switchboard_dataloader_batch_size_sum", loader="pages") or 0
        return count, keys

    before = pages(await ops.metrics())
    body = (await ops.client.post("/graphql", json={"query": query})).json()
    assert "errors" not in body, body
    assert any(n["assistant"] for n in body["data"]["phoneNumbers"]["nodes"])
    count, keys = pages(await ops.metrics())
    assert (count - before[0], keys - before[1]) == (1, 2)
