"""Vapi: PATCH of the number's assistantId; a held number moves (Vapi overwrites it)."""

from . import Refusal, Writes

NUMBER = "/phone-number/{number}"
WRITES = Writes(
    paths={"link": NUMBER, "unlink": NUMBER},
    moves_linked=True,
    refusals=(
        Refusal("link", 404, "PHONE_NUMBER_NOT_FOUND"),
        Refusal("link", 400, "NOT_LINKABLE"),
        Refusal("link", 403, "FORBIDDEN"),
        Refusal("unlink", 404, "PHONE_NUMBER_NOT_FOUND"),
    ),
)
