"""Retell: PATCH of the number's agent lists, by E.164; a held number moves (Retell
overwrites the lists). Not found is the documented 422 (404 read the same way)."""

from . import Refusal, Writes

NUMBER = "/update-phone-number/{e164}"
WRITES = Writes(
    paths={"link": NUMBER, "unlink": NUMBER},
    moves_linked=True,
    read_paths=frozenset({"/v2/list-agents"}),
    refusals=(
        Refusal("link", 422, "PHONE_NUMBER_NOT_FOUND"),
        Refusal("link", 404, "PHONE_NUMBER_NOT_FOUND"),
        Refusal("link", 400, "NOT_LINKABLE"),
        Refusal("link", 403, "FORBIDDEN"),
        Refusal("unlink", 422, "PHONE_NUMBER_NOT_FOUND"),
    ),
)
