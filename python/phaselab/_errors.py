"""Exceptions of the phaselab package."""


class Error(Exception):
    """An error reported by libphaselab (invalid parameter, unknown experiment, store error,
    ...), with the library's message; `status` is the library's status text."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class LibraryNotFound(Error, ImportError):
    """libphaselab.so could not be found or loaded; the message lists what was searched."""
