"""Holdout groups: which eligible customers an action treats and which it keeps out, at random.

The assignment is a stable hash of (playbook, customer), so it never changes between runs, needs no
stored state, and the demo business can reproduce it.
"""

from __future__ import annotations

import hashlib
from typing import Literal

Arm = Literal["treated", "holdout"]


def assign_arm(playbook: str, customer_id: str, holdout: float) -> Arm:
    """Put ``customer_id`` in the treated or holdout arm of ``playbook``.

    The customer is held out when a uniform number drawn from SHA-256(playbook, customer) falls below
    ``holdout``, so about that share of customers is held out and the choice never changes.

    Examples
    --------
    >>> assign_arm("winback", "c1", 0.0)
    'treated'
    >>> assign_arm("winback", "c1", 1.0)
    'holdout'
    """
    if not 0.0 <= holdout <= 1.0:
        raise ValueError(f"holdout share must be between 0 and 1, got {holdout}")
    digest = hashlib.sha256(f"{playbook}\x1f{customer_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    return "holdout" if u < holdout else "treated"
