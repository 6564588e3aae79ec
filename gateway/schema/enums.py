"""The GraphQL enums, over the model's own enums.

Apart from ``types.py`` so that the filter inputs (filters.py), which ``types.py``
imports, can name them directly. Named lazily instead (``strawberry.lazy``), they cost
each request that passes a filter a module lookup and a ``stat`` of two files per enum
argument (Strawberry's ``LazyType.resolve_type`` compares the module with ``__main__``).
"""

from __future__ import annotations

import strawberry

from .. import model
from ..paging import Pagination
from ..providers import specs
from .docs import describe_values

Provider = strawberry.enum(model.ProviderName, name="Provider", description="A voice-AI platform.")
NumberStatus = strawberry.enum(
    model.NumberStatus,
    description="AVAILABLE: not routed to an assistant (or user); ASSIGNED: in use.",
)
NumberType = strawberry.enum(
    model.NumberType,
    description="What kind of number the provider sells it as, where it says (today: Flireo).",
)
RouteDirection = strawberry.enum(
    model.RouteDirection, description="Which calls or messages a route of a number takes."
)
RouteChannel = strawberry.enum(
    model.RouteChannel, description="Whether a route takes calls or text messages."
)
PaginationStyle = strawberry.enum(
    Pagination, name="PaginationStyle", description="How a provider's list endpoint pages."
)

# Each provider describes itself in its spec (gateway/providers/<name>.py).
describe_values(model.ProviderName, {s.name.name: s.description for s in specs().values()})
describe_values(
    model.NumberStatus,
    {
        "AVAILABLE": "Routed to no assistant (Teli SMS: to no user); free to link.",
        "ASSIGNED": "Routed to an assistant (Teli SMS: to a user).",
    },
)
describe_values(
    model.NumberType,
    {
        "LOCAL": "A geographic number of a local area.",
        "MOBILE": "A mobile number.",
        "NATIONAL": "A non-geographic number with national reach.",
        "TOLL_FREE": "A toll-free number (free for the caller).",
    },
)
describe_values(
    model.RouteDirection,
    {
        "INBOUND": "Calls (or messages) the number receives (e.g. Vapi, Teli's inbound agent).",
        "OUTBOUND": "Calls (or messages) placed from the number (e.g. Teli's outbound agent).",
        "UNSPECIFIED": (
            "The provider links the number to one assistant and its docs do not say for "
            "which direction (Burki, Butter, Flireo; Synthflow, whose agents hold a number "
            "for inbound or for outbound calls, is not told apart here)."
        ),
    },
)
describe_values(
    model.RouteChannel,
    {
        "VOICE": "Phone calls.",
        "SMS": "Text messages, where a provider routes them to an assistant.",
    },
)
describe_values(
    Pagination,
    {
        "NONE": "One call returns the whole list (Burki, Teli).",
        "OFFSET": "limit + offset: any page can be read directly, forwards or backwards.",
        "CURSOR": (
            "An opaque next-page token, forward only (Butter, Retell): paging backwards walks "
            "forward from the start."
        ),
    },
)
