"""The GraphiQL page and its bundles over HTTP: local, pinned, with SRI hashes and a CSP."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from gateway.app import DEMO_QUERY
from gateway.static.ide import ASSET_DIR, DEFAULT_QUERY, SCRIPTS, STYLES, GraphiQLAssets

from .conftest import OpsGateway

HTML = {"Accept": "text/html"}
PINNED = re.compile(r"^\d+\.\d+\.\d+$")


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


async def test_page_links_local_bundles_with_matching_integrity(ops: OpsGateway) -> None:
    page = await ops.client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert "https://" not in html
    assert "http://" not in html  # nothing from a CDN
    links = re.findall(r'(?:src|href)="(/graphiql/assets/[^"]+)" integrity="([^"]+)"', html)
    assert {url.split("/")[-1].split("?")[0] for url, _ in links} == {*SCRIPTS, *STYLES}
    for url, integrity in links:
        asset = await ops.client.get(url)
        assert asset.status_code == 200, url
        assert integrity == sri(asset.content), url
        assert asset.headers["x-content-type-options"] == "nosniff"
        again = await ops.client.get(url, headers={"If-None-Match": asset.headers["etag"]})
        assert again.status_code == 304


async def test_demo_default_query_is_the_demo_query(ops: OpsGateway) -> None:
    html = (await ops.client.get("/graphql", headers=HTML)).text
    raw = re.search(r'id="switchboard-graphiql-config">(.*?)</script>', html, re.S)
    assert raw is not None
    assert json.loads(raw.group(1))["defaultQuery"] == DEMO_QUERY


def test_default_query_outside_demo_mode_and_script_safe_config() -> None:
    assets = GraphiQLAssets("# </script><script>alert(1)</script>\n" + DEFAULT_QUERY)
    assert "</script><script>alert" not in assets.page
    raw = re.search(r'id="switchboard-graphiql-config">(.*?)</script>', assets.page, re.S)
    assert raw is not None
    assert json.loads(raw.group(1))["defaultQuery"].endswith(DEFAULT_QUERY)


async def test_only_the_listed_assets_are_served(ops: OpsGateway) -> None:
    for name in ("package.json", "..%2Fpackage.json", "graphiql.js", "nope.js"):
        assert (await ops.client.get(f"/graphiql/assets/{name}")).status_code == 404


def test_npm_packages_are_pinned_and_locked() -> None:
    package = json.loads((ASSET_DIR / "package.json").read_text())
    lock = json.loads((ASSET_DIR / "package-lock.json").read_text())
    for name, version in package["dependencies"].items():
        assert PINNED.match(version), f"{name} must be pinned to an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
        assert lock["packages"][f"node_modules/{name}"]["integrity"].startswith("sha512-")
