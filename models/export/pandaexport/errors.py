class ExportError(Exception):
    """A problem the user can fix; the CLI prints its message as one line and exits with 1."""
