"""The root of every domain error. Each domain subclasses it once and raises
specific subclasses; views catch the domain's base and show `message`."""


class DomainError(Exception):
    """A rule of the shop refused an action. `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
