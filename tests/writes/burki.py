"""Burki: assign/unassign under the assistant; a held number is refused."""

from . import Refusal, Writes

WRITES = Writes(
    paths={
        "link": "/api/v1/assistants/{assistant}/phone-numbers/{number}/assign",
        "unlink": "/api/v1/assistants/{assistant}/phone-numbers/{number}/unassign",
    },
    moves_linked=False,
    refusals=(
        Refusal("link", 404, "ASSISTANT_NOT_FOUND"),
        Refusal("unlink", 404, "ASSISTANT_NOT_FOUND"),
    ),
)
