"""The capability, carrier and locality filters of ``phoneNumbers``, and ``Assistant.phoneNumbers
(filter:)``, over real HTTP against ``switchboard serve --demo``.

Each filtered list is checked against the unfiltered list filtered here by the documented
rule: a flag matches only a number whose provider reports that value (null matches
neither true nor false), a carrier matches case-insensitively, a locality within the name, and an assistant's
filtered numbers are its unfiltered numbers that meet the same conditions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import Served, served

NUMBERS = """
query($filter: PhoneNumberFilter, $after: String) {
  phoneNumbers(first: 100, after: $after, filter: $filter) {
    totalCount
    nodes { id number status carrier locality capabilities { voice sms mms } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ASSISTANTS = """
query($filter: AssistantPhoneNumberFilter) {
  assistants(first: 30) {
    nodes {
      id
      all: phoneNumbers(first: 30) { nodes { id number status capabilities { sms voice } } }
      filtered: phoneNumbers(first: 30, filter: $filter) { totalCount nodes { id } }
    }
  }
}
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    log_path: Path = tmp_path_factory.mktemp("filters") / "server.log"
    env = {"SWITCHBOARD_LOG_LEVEL": "WARNING"}
    with served("serve", "--demo", env=env, ready="/readyz", log_path=log_path) as server:
        yield server


def post(server: Served, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        timeout=30,
        trust_env=False,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def numbers(server: Served, filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The whole filtered list, page by page; checks totalCount on the way."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        body = post(server, NUMBERS, filter=filter, after=after)
        assert "errors" not in body, body
        page = body["data"]["phoneNumbers"]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(found)
            return found
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize(("flag", "want"), [("sms", True), ("sms", False), ("voice", True)])
def test_a_capability_filter_keeps_exactly_the_numbers_reported_so(
    demo: Served, flag: str, want: bool
) -> None:
    everything = numbers(demo)
    expected = [n["id"] for n in everything if n["capabilities"][flag] is want]
    got = numbers(demo, {"capabilities": {flag: want}})
    assert [n["id"] for n in got] == expected
    assert expected, f"the demo has no number with {flag} = {want}: the test proves nothing"


def test_capability_flags_combine_and_null_is_no_condition(demo: Served) -> None:
    everything = numbers(demo)
    both = [
        n["id"]
        for n in everything
        if n["capabilities"]["sms"] is True and n["status"] == "ASSIGNED"
    ]
    got = numbers(demo, {"capabilities": {"sms": True, "voice": None}, "status": "ASSIGNED"})
    assert [n["id"] for n in got] == both
    assert numbers(demo, {"capabilities": {}}) == everything


def test_the_carrier_filter_is_case_insensitive_and_skips_unknown_carriers(demo: Served) -> None:
    everything = numbers(demo)
    carriers = {n["carrier"] for n in everything if n["carrier"]}
    assert carriers, "the demo reports no carrier: the test proves nothing"
    for carrier in sorted(carriers):
        expected = [n["id"] for n in everything if (n["carrier"] or "").lower() == carrier.lower()]
        got = numbers(demo, {"carrier": f"  {carrier.upper()} "})
        assert [n["id"] for n in got] == expected
    assert numbers(demo, {"carrier": "no-such-carrier"}) == []


def test_the_locality_filter_matches_within_and_skips_unknown_localities(demo: Served) -> None:
    everything = numbers(demo)
    places = sorted({n["locality"] for n in everything if n["locality"]})
    assert places, "the demo reports no locality: the test proves nothing"
    for place in places[:6]:
        part = place[1:4]  # within the name, and in another case
        expected = [
            n["id"] for n in everything if part.casefold() in (n["locality"] or "").casefold()
        ]
        got = numbers(demo, {"locality": part.upper()})
        assert [n["id"] for n in got] == expected
        assert len(expected) < len(everything)
    assert numbers(demo, {"locality": "no such place"}) == []


@pytest.mark.parametrize("name", ["carrier", "locality"])
def test_a_too_long_text_condition_is_bad_user_input(demo: Served, name: str) -> None:
    body = post(demo, NUMBERS, filter={name: "x" * 101})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


def test_a_cursor_belongs_to_its_filter(demo: Served) -> None:
    body = post(demo, NUMBERS, filter={"capabilities": {"sms": True}})
    cursor = (
        body["data"]["phoneNumbers"]["nodes"]
        and body["data"]["phoneNumbers"]["pageInfo"]["endCursor"]
    )
    other = post(demo, NUMBERS, filter={"capabilities": {"sms": False}}, after=cursor)
    assert [e["extensions"]["code"] for e in other["errors"]] == ["BAD_CURSOR"]
    same = post(demo, NUMBERS, filter={"capabilities": {"sms": True}}, after=cursor)
    assert "errors" not in same, same


@pytest.mark.parametrize(
    "filter",
    [
        {"status": "ASSIGNED"},
        {"capabilities": {"sms": True}},
        {"capabilities": {"sms": False}},
        {"search": "+1"},
    ],
    ids=["status", "sms", "not-sms", "search"],
)
def test_assistant_phone_numbers_take_the_same_filter(demo: Served, filter: dict[str, Any]) -> None:
    body = post(demo, ASSISTANTS, filter=filter)
    assert "errors" not in body, body
    kept = 0
    for assistant in body["data"]["assistants"]["nodes"]:
        every = assistant["all"]["nodes"]
        expected = [n["id"] for n in every if _meets(n, filter)]
        assert [n["id"] for n in assistant["filtered"]["nodes"]] == expected
        assert assistant["filtered"]["totalCount"] == len(expected)
        kept += len(expected)
    assert kept, f"no assistant's number meets {filter}: the test proves nothing"


def _meets(n: dict[str, Any], filter: dict[str, Any]) -> bool:
    if "status" in filter and n["status"] != filter["status"]:
        return False
    for flag, want in filter.get("capabilities", {}).items():
        if n["capabilities"][flag] is not want:
            return False
    return "search" not in filter or filter["search"].lstrip("+") in n["number"]
