"""Synthflow: the tests write through the outbound detach endpoint (the agent update that
links shares its path with a read, so it cannot be faulted alone)."""

from . import Refusal, Writes

DETACH = "/v2/assistants/{assistant}/phone_numbers/{number}"
WRITES = Writes(
    paths={"link": DETACH, "unlink": DETACH},
    moves_linked=False,
    refusals=(
        Refusal("unlink", 400, "NOT_LINKED"),
        Refusal("unlink", 404, "ASSISTANT_NOT_FOUND"),
    ),
    failing_op="unlink",
)
