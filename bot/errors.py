"""Problems to tell the person who asked, as opposed to crashes.

Handlers let these propagate; the one error handler in ``handlers/errors.py`` answers them
ephemerally. ``usage`` is the command's usage line when the problem is how it was typed.
"""


class ProdbotError(Exception):
    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage


class NotFound(ProdbotError):
    """An unknown line, shift, or nothing to act on."""


class NotAllowed(ProdbotError):
    """The caller's role does not permit this."""


class NoPlantLoaded(ProdbotError):
    def __init__(self) -> None:
        super().__init__(
            "No plant is set up yet. An admin loads it with `prodbot plant load plant.toml`."
        )
