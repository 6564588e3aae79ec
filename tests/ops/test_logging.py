"""Request ids (accepted, generated, returned, sent upstream) and JSON logs without keys."""

from __future__ import annotations

import json
import logging

import pytest

from gateway.app import DEMO_QUERY
from gateway.model import ProviderName
from gateway.observability.logging import REDACTED, JsonFormatter, Redactor, TextFormatter
from gateway.observability.requestid import accept_request_id

from .conftest import DEMO_KEY, Logs, OpsGateway


async def test_request_id_is_accepted_returned_and_sent_upstream(
    ops: OpsGateway, json_logs: Logs
) -> None:
    response = await ops.client.post(
        "/graphql", json={"query": DEMO_QUERY}, headers={"X-Request-Id": "req-abc.123"}
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-abc.123"
    assert ops.upstream_headers, "no upstream call was made"
    assert {h.get("x-request-id") for h in ops.upstream_headers} == {"req-abc.123"}
    records = json_logs.records()
    mine = [r for r in records if r.get("request_id") == "req-abc.123"]
    access = [r for r in mine if r["logger"] == "switchboard.access"]
    assert len(access) == 1
    assert access[0]["status"] == 200
    assert access[0]["path"] == "/graphql"
    assert access[0]["operation"] == "Demo"
    upstream = [r for r in mine if r["logger"] == "switchboard.upstream"]
    assert {r["provider"] for r in upstream} == {p.value for p in ProviderName}


async def test_request_id_is_generated_when_absent_or_malformed(ops: OpsGateway) -> None:
    first = await ops.client.get("/healthz")
    second = await ops.client.get("/healthz")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert len(first.headers["x-request-id"]) == 32
    forged = await ops.client.get("/healthz", headers={"X-Request-Id": 'x" injected\tline'})
    assert forged.headers["x-request-id"] != 'x" injected\tline'
    assert accept_request_id("a" * 129) != "a" * 129
    assert accept_request_id("4bf92f3577b34da6a3ce929d0e0e4736") == (
        "4bf92f3577b34da6a3ce929d0e0e4736"
    )


async def test_each_request_gets_its_own_id_upstream(ops: OpsGateway) -> None:
    query = "{ phoneNumbers(first: 2, filter: {providers: [TELI]}) { nodes { number } } }"
    for rid in ("one", "two"):
        ops.upstream_headers.clear()
        await ops.client.post("/graphql", json={"query": query}, headers={"X-Request-Id": rid})
        assert {h["x-request-id"] for h in ops.upstream_headers} == {rid}


async def test_logs_are_json_and_never_contain_the_api_key(
    ops: OpsGateway, json_logs: Logs
) -> None:
    # Success, upstream failures (401, 500, dropped connection), bad queries: all logged.
    await ops.client.post("/graphql", json={"query": DEMO_QUERY})
    control = {p: app.state.control for p, app in ops.emulators.items()}
    from gateway.emulators.common import Fault

    control[ProviderName.TELI].faults.append(Fault(status=401))
    control[ProviderName.FLIREO].faults.append(Fault(status=500))
    control[ProviderName.BUTTER].faults.append(Fault(drop=True))
    await ops.client.post("/graphql", json={"query": DEMO_QUERY})
    await ops.client.post("/graphql", json={"query": "{ nope"})
    logging.getLogger("switchboard.test").info(
        "a careless line", extra={"api_key": DEMO_KEY, "headers": {"Authorization": "x"}}
    )
    assert ops.upstream_headers, "no upstream call was made"
    assert any(DEMO_KEY in str(h) for h in ops.upstream_headers)  # the key did go upstream
    records = json_logs.records()  # every line parses as JSON
    assert any(r["level"] == "warning" and r["logger"] == "switchboard.upstream" for r in records)
    assert DEMO_KEY not in json_logs.text
    assert REDACTED in json_logs.text


def test_redactor_scrubs_known_secrets_and_credential_shapes() -> None:
    redact = Redactor()
    redact.add(["s3cr3t-value", None, "abc"])  # too short values are ignored
    assert redact("key s3cr3t-value!") == f"key {REDACTED}!"
    assert redact("abc") == "abc"
    assert redact("Authorization: Bearer eyJhbGciOi.xyz") == f"Authorization: Bearer {REDACTED}"
    assert redact('{"X-API-Key": "k-123456"}') == f'{{"X-API-Key": "{REDACTED}"}}'
    assert redact("https://x/y?api_key=zzz999&page=2") == f"https://x/y?api_key={REDACTED}&page=2"
    assert redact("password=hunter22") == f"password={REDACTED}"
    assert redact("nothing to hide, status=200") == "nothing to hide, status=200"


def test_formatters_include_request_id_and_redact() -> None:
    from gateway.observability.logging import redact

    redact.add(["formatter-secret"])
    record = logging.makeLogRecord(
        {
            "name": "t",
            "levelno": 20,
            "levelname": "INFO",
            "msg": "k=%s",
            "args": ("formatter-secret",),
        }
    )
    record.request_id = "rid-1"
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "rid-1"
    assert line["msg"] == f"k={REDACTED}"
    text = TextFormatter().format(record)
    assert "[rid-1]" in text
    assert "formatter-secret" not in text


def test_serve_rejects_a_bad_log_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gateway.cli import main

    monkeypatch.setenv("SWITCHBOARD_LOG_FORMAT", "xml")
    assert main(["serve", "--demo", "--port", "1"]) == 2
    assert "SWITCHBOARD_LOG_FORMAT" in capsys.readouterr().err
    monkeypatch.setenv("SWITCHBOARD_LOG_FORMAT", "json")
    monkeypatch.setenv("SWITCHBOARD_LOG_LEVEL", "chatty")
    assert main(["serve", "--demo", "--port", "1"]) == 2
