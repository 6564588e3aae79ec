"""Butter: assign/unassign actions on the agent; a held number is refused (409)."""

from . import Refusal, Writes

WRITES = Writes(
    paths={
        "link": "/api/agents/{assistant}/assign-phone-number",
        "unlink": "/api/agents/{assistant}/unassign-phone-number/{number}",
    },
    moves_linked=False,
    refusals=(
        Refusal("link", 404, "PHONE_NUMBER_NOT_FOUND"),  # the agent exists: the number
        Refusal("link", 403, "FORBIDDEN"),
        Refusal("link", 409, "LINKED_ELSEWHERE"),
        Refusal("link", 400, "NOT_LINKABLE"),
        Refusal("unlink", 404, "ASSISTANT_NOT_FOUND"),
        Refusal("unlink", 403, "FORBIDDEN"),
        Refusal("unlink", 400, "NOT_LINKED"),
    ),
)
