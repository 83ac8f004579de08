"""One base class for refusals by a business rule: views show the message, never a 500."""


class DomainError(Exception):
    """A business rule refused the change; the message is shown to the user as it is."""
