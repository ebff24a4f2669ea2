"""The root of every error the station agent raises."""


class StationError(Exception):
    """Something the agent cannot do; the message says what to fix."""


class NotEnrolledError(StationError):
    """The station has no identity yet: run `station enroll <central-url> <code>`."""


class CentralUnavailable(StationError):
    """The central could not be reached or answered with a server error; retry later."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class CentralRefused(StationError):
    """The central answered with a client error (4xx) that retrying will not fix."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ReplyRefused(CentralUnavailable):
    """A reply the agent will not take in (over its size limit, a compression bomb, the wrong length).

    It is read no further than the limit; retrying later (with back-off) may find the central fixed.
    """


class ManifestRejected(StationError):
    """A manifest that failed its signature check, is older than the applied one, or cannot be parsed."""


class AssetError(StationError):
    """An asset that could not be fetched or did not match its signed size and sha256."""


class PlayerError(StationError):
    """The player command could not be started."""
