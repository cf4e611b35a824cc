"""A simulated subscription business with known churn drivers: Tenure's demo dataset.

:func:`simulate` builds a :class:`Business` (every canonical table of :mod:`tenure.schema` plus the
ground truth of why each customer left); :meth:`Business.write` writes it as a dataset folder that
``tenure import`` reads. The planted mechanisms and their effect sizes are in
:mod:`tenure.simulate.effects`.

Examples
--------
>>> from tenure.simulate import simulate
>>> business = simulate(customers=200, months=6, seed=3, end="2025-01-01")
>>> business.tables["touches"].column_names
['touch_id', 'playbook', 'customer_id', 'touched_at', 'arm', 'action']
"""

from __future__ import annotations

from tenure.simulate.business import Business, simulate
from tenure.simulate.effects import DRIVERS, EFFECTS, Effects

__all__ = ["DRIVERS", "EFFECTS", "Business", "Effects", "simulate"]
