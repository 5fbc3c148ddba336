"""Printing what strangers wrote: every value the desk shows that came from an anonymous sender
or from the server (which is not trusted either: docs/envelope.md, section 15) goes through here.

rich reads ``[bold]`` and ``[link=…]`` in a string as markup and ``:name:`` as an emoji, and no
terminal should receive a sender's escape sequence (ESC, OSC 8 hyperlinks), carriage return,
backspace or bidirectional override. So a value is shown with each such character written as
``\\u{XXXX}`` (``desk.names.visible``, as verification.json records names: section 16) and
handed to rich as a ``Text`` (never parsed as markup) or, inside the desk's own markup, escaped.
Message text keeps its lines and goes through ``envelope.names.display_text`` (section 17) in
desk.thread instead.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from .names import visible

__all__ = ["cell", "markup", "plain", "row"]


def plain(value: object) -> str:
    """One line of untrusted text for ``click.echo`` or an exception: every control, invisible,
    bidirectional or line-breaking character written as ``\\u{XXXX}``."""
    return visible(str(value))


def cell(value: object, style: str = "") -> Text:
    """Untrusted text as a rich ``Text`` (a table cell, or ``console.print``): no markup, no emoji
    code is read in it."""
    return Text(plain(value), style=style)


def markup(value: object) -> str:
    """Untrusted text to put inside an f-string that ``console.print`` reads as markup: shown as
    written, never as a style or a link. (Consoles of the desk are made with ``emoji=False``.)"""
    return escape(plain(value))


def row(table, *values: object) -> None:
    """``table.add_row`` with every value shown as written (``cell``)."""
    table.add_row(*(cell(v) for v in values))
