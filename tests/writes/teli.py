"""Teli: update-agent on the number, keyed by its E.164; a held number moves."""

from . import Refusal, Writes

UPDATE_AGENT = "/v1/voice/phone-numbers/{e164}/update-agent"
WRITES = Writes(
    paths={"link": UPDATE_AGENT, "unlink": UPDATE_AGENT},
    moves_linked=True,
    refusals=(
        Refusal("link", 404, "PHONE_NUMBER_NOT_FOUND"),
        Refusal("link", 400, "NOT_LINKABLE"),
        Refusal("unlink", 404, "PHONE_NUMBER_NOT_FOUND"),
        Refusal("link", 403, "FORBIDDEN"),
    ),
    number_list_calls=2,  # SMS and voice numbers are two lists
)
