"""The one error type users see.

Defined in the lowest layer (``evaluation``) so that ``training`` and ``sweep`` can
raise it without import cycles. The CLI catches ``XmixError`` alone, prints its
message and exits 2; any other exception is a bug and keeps its traceback.
"""


class XmixError(Exception):
    """Bad input: the message says what was given, what is allowed, and where."""
