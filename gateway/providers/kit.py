"""Everything a provider module uses from the rest of the gateway, in one namespace.

An adapter module writes ``from . import kit`` and names what it uses as ``kit.X``: the
normalized records it returns, the paging types of its signatures, the errors it
raises, the helpers it shares (``parse``, the link checks, the refusal tables, the auth
schemes, the list endpoints) and the :class:`ProviderSpec` it declares. One import
instead of eight blocks repeated in every adapter, and a reader sees at each use that a
name is shared rather than the adapter's own.
"""

from __future__ import annotations

from ..config import ProviderSettings
from ..errors import UpstreamBadResponse, UpstreamError, UpstreamHTTPError
from ..model import (
    Assistant,
    AssistantRef,
    Capabilities,
    NumberStatus,
    NumberType,
    PhoneNumber,
    ProviderName,
    Route,
    RouteChannel,
    RouteDirection,
    RouteKind,
    primary_route,
)
from ..pagination import fill
from ..paging import ByCreation
from ..upstream import UpstreamClient
from .auth import BEARER, AuthScheme
from .base import (
    LOOKUP_ABSENT,
    AdapterInfo,
    ClientAdapter,
    LinkError,
    LinkErrorCode,
    LinkResult,
    NumberFilter,
    Page,
    PageRequest,
    Pagination,
    UpstreamModel,
    check_link,
    check_unlink,
    decoder,
    get_json_or_none,
    naming,
    parse,
    parse_list,
)
from .lists import Cursor, LimitOffset, ListEndpoint, PageNumber
from .refusals import FORBIDDEN, WHICH_MISSING, Refused, StatusTable, WhichMissing, Write, refusal
from .spec import ProviderSpec

__all__ = [
    "BEARER",
    "FORBIDDEN",
    "LOOKUP_ABSENT",
    "WHICH_MISSING",
    "AdapterInfo",
    "Assistant",
    "AssistantRef",
    "AuthScheme",
    "ByCreation",
    "Capabilities",
    "ClientAdapter",
    "Cursor",
    "LimitOffset",
    "LinkError",
    "LinkErrorCode",
    "LinkResult",
    "ListEndpoint",
    "NumberFilter",
    "NumberStatus",
    "NumberType",
    "Page",
    "PageNumber",
    "PageRequest",
    "Pagination",
    "PhoneNumber",
    "ProviderName",
    "ProviderSettings",
    "ProviderSpec",
    "Refused",
    "Route",
    "RouteChannel",
    "RouteDirection",
    "RouteKind",
    "StatusTable",
    "UpstreamBadResponse",
    "UpstreamClient",
    "UpstreamError",
    "UpstreamHTTPError",
    "UpstreamModel",
    "WhichMissing",
    "Write",
    "check_link",
    "check_unlink",
    "decoder",
    "fill",
    "get_json_or_none",
    "naming",
    "parse",
    "parse_list",
    "primary_route",
    "refusal",
]
