class ExportError(Exception):
    """A problem the user can fix; the CLI prints its message as one line and exits with 1."""


def first_line(e: BaseException) -> str:
    """The gist of a library's exception (often many lines) for a one-line ExportError."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
