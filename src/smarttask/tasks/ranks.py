"""Task ranks: fractional indexing (base 62 strings that sort bytewise), from the
`fractional-indexing` library (a port of the algorithm Figma and Replicache use).

A rank between two others is always found without touching them; ranks only grow long when
cards are inserted again and again at one spot, and then the column is rebalanced.
"""

from __future__ import annotations

from fractional_indexing import generate_key_between, generate_n_keys_between

# Beyond this length the column's ranks are spread evenly again (tasks/ordering.py).
REBALANCE_LENGTH = 32
# The rank column holds at most this much (a rebalance comes long before).
MAX_LENGTH = 255


def between(before: str | None, after: str | None) -> str:
    """A rank sorting after `before` and before `after` (None: an open end)."""
    return str(generate_key_between(before, after))


def spread(count: int) -> list[str]:
    """`count` short ranks in increasing order, evenly spaced."""
    return [str(key) for key in generate_n_keys_between(None, None, count)]
