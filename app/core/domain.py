"""The one error that services raise, and views turn into form errors (core.forms.apply)."""


class DomainError(ValueError):
    """A rule of the domain said no: the message is shown to the user, on the form field
    `field` names when there is one (a taken code, a missing reason)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field
