"""The one base class of refusals by a business rule: views turn any DomainError into a message, never a 500."""


class DomainError(Exception):
    """A rule refused the change; str(error) is shown to the person as it is."""
