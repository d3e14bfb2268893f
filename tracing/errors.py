"""One exception type for every refusal, so the web layer, the API and the CLI render them alike."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action: ``field`` names the input (or "tilgang" for access), ``message_nb`` says why, in bokmål."""

    def __init__(self, field: str, message_nb: str) -> None:
        super().__init__(message_nb)
        self.field = field
        self.message_nb = message_nb


class AccessDenied(DomainError):
    def __init__(self, message_nb: str = "Du har ikke tilgang til dette.") -> None:
        super().__init__("tilgang", message_nb)


class StaleVersion(DomainError):
    """Someone else saved the record after this user loaded it: refuse, never overwrite silently."""

    def __init__(self) -> None:
        super().__init__("versjon", "Noen andre har endret dette i mellomtiden. Last inn siden på nytt og prøv igjen.")


class NotFound(DomainError):
    def __init__(self, what_nb: str) -> None:
        super().__init__("id", f"Fant ikke {what_nb}.")
