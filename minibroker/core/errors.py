"""Errors a user can act on: the CLI prints them as one line, without a traceback."""


class UserError(Exception):
    """Something the user can fix; the message says what is wrong and what to do."""


def one_line(text) -> str:
    """Text for a one-line-per-item report: control characters (a newline in a file name) and bytes
    that are not UTF-8 are shown escaped, never obeyed."""
    text = str(text).encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)
