"""Errors that services raise and views turn into form errors."""


class DuplicateError(ValueError):
    """A value that must be unique is taken; `field` names the form field to mark."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field
