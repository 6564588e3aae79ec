"""Flireo: the assistant's one phone-number field; a held number moves."""

from . import Refusal, Writes

ASSISTANT_NUMBER = "/v1/assistants/{assistant}/phone-number"
WRITES = Writes(
    paths={"link": ASSISTANT_NUMBER, "unlink": ASSISTANT_NUMBER},
    moves_linked=True,
    refusals=(
        Refusal("link", 400, "ALREADY_LINKED"),
        Refusal("link", 404, "PHONE_NUMBER_NOT_FOUND"),
        Refusal("link", 403, "FORBIDDEN"),
    ),
)
