"""GraphiQL, served offline: pinned UMD bundles from ``graphiql/node_modules``.

``make install`` runs ``npm ci`` in ``gateway/static/graphiql`` (versions pinned by its
package.json and package-lock.json). At start-up the gateway reads the four bundles plus
our ``boot.js`` into memory, hashes them for Subresource Integrity, and serves them under
``/graphiql/assets/``; the page references each with its ``integrity`` attribute and is
sent with a Content-Security-Policy that allows only same-origin scripts.

Without the installed assets (``npm ci`` not run) the page falls back to Strawberry's
own GraphiQL, which loads from a CDN and needs internet; a warning says so.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import html
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

log = logging.getLogger("switchboard.graphiql")

ASSET_DIR = Path(__file__).parent / "graphiql"
MODULES = ASSET_DIR / "node_modules"
ASSET_PREFIX = "/graphiql/assets"

# Served name -> (file, media type). Nothing else under node_modules is reachable.
ASSETS: dict[str, tuple[Path, str]] = {
    "react.production.min.js": (MODULES / "react/umd/react.production.min.js", "text/javascript"),
    "react-dom.production.min.js": (
        MODULES / "react-dom/umd/react-dom.production.min.js",
        "text/javascript",
    ),
    "graphiql.min.js": (MODULES / "graphiql/graphiql.min.js", "text/javascript"),
    "graphiql.min.css": (MODULES / "graphiql/graphiql.min.css", "text/css"),
    "boot.js": (ASSET_DIR / "boot.js", "text/javascript"),
}
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "boot.js")
STYLES = ("graphiql.min.css",)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # GraphiQL sets inline styles
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

DEFAULT_QUERY = """# Switchboard: one GraphQL API over several voice-AI platforms.
# Press the run button (or Ctrl-Enter). The docs panel lists every type and field.
query Providers {
  providers { name pagination nativeFilters }
}
"""


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    integrity: str
    etag: str


def _load(path: Path, media_type: str) -> Asset:
    body = path.read_bytes()
    digest = base64.b64encode(hashlib.sha384(body).digest()).decode()
    return Asset(body, media_type, f"sha384-{digest}", f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def versions() -> dict[str, str]:
    """The installed version of each npm package (for the page footer and the docs)."""
    found = {}
    for name in ("graphiql", "react", "react-dom"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            found[name] = json.loads((MODULES / name / "package.json").read_text())["version"]
    return found


@functools.cache
def load_assets() -> dict[str, Asset]:
    """Read and hash the bundles once per process; empty (and a warning) if not installed."""
    missing = [str(path) for path, _ in ASSETS.values() if not path.is_file()]
    if missing:
        log.warning(
            "GraphiQL assets are not installed (run `make install`); "
            "falling back to the CDN version, which needs internet",
            extra={"missing": missing},
        )
        return {}
    return {name: _load(path, media) for name, (path, media) in ASSETS.items()}


class GraphiQLAssets:
    """The loaded bundles with their SRI hashes, or ``available=False`` if not installed."""

    def __init__(self, default_query: str = DEFAULT_QUERY) -> None:
        self.default_query = default_query
        self.assets = load_assets()
        self.page = self._render_page() if self.assets else ""

    @property
    def available(self) -> bool:
        return bool(self.assets)

    def _render_page(self) -> str:
        def url(name: str) -> str:
            return f"{ASSET_PREFIX}/{name}?v={self.assets[name].etag.strip(chr(34))[:12]}"

        styles = "\n".join(
            f'    <link rel="stylesheet" href="{url(n)}" integrity="{self.assets[n].integrity}" '
            'crossorigin="anonymous" />'
            for n in STYLES
        )
        scripts = "\n".join(
            f'    <script src="{url(n)}" integrity="{self.assets[n].integrity}" '
            'crossorigin="anonymous"></script>'
            for n in SCRIPTS
        )
        # Read by boot.js; "<" escaped so the JSON can never close the script element.
        config = json.dumps({"defaultQuery": self.default_query}).replace("<", "\\u003c")
        title = "Switchboard GraphiQL " + html.escape(versions().get("graphiql", ""))
        return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>{title.strip()}</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" href="data:," />
{styles}
    <style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL...</div>
    <script type="application/json" id="switchboard-graphiql-config">{config}</script>
{scripts}
  </body>
</html>
"""

    def page_response(self) -> Response:
        return HTMLResponse(
            self.page,
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
        )

    async def serve(self, request: Request) -> Response:
        asset = self.assets.get(request.path_params["name"])
        if asset is None:
            return Response("not found", status_code=404, media_type="text/plain")
        headers = {
            "ETag": asset.etag,
            # The page links each file with ?v=<hash>, so a changed file gets a new URL.
            "Cache-Control": "public, max-age=86400",
            "X-Content-Type-Options": "nosniff",
        }
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    def routes(self) -> list[Route]:
        return [Route(ASSET_PREFIX + "/{name}", self.serve, methods=["GET", "HEAD"])]
