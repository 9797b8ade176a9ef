"""Money: USD amounts as ``Decimal``, the service's fee schedule, and its rounding."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MIN_FEE = Decimal("0.01")
BASE_RATE = Decimal("0.20")
TEN_PLUS_RATE = Decimal("0.20")  # extra, on rewards of HITs with 10 or more assignments
MASTERS_RATE = Decimal("0.05")  # extra, on rewards of HITs that require Masters

CURRENCY_PATTERN = re.compile(r"^[0-9]+(\.)?[0-9]{0,2}$")


def parse(text: str) -> Decimal:
    """A wire CurrencyAmount (already checked against the pattern) as Decimal."""
    return Decimal(text).quantize(CENT)


def fmt(amount: Decimal) -> str:
    """Two decimals, as the service writes amounts ("10000.00")."""
    return str(amount.quantize(CENT))


def cents(amount: Decimal) -> Decimal:
    """Round half up to the cent ($0.104 -> $0.10, $0.105 -> $0.11)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def assignment_fee(reward: Decimal, max_assignments: int, masters: bool) -> Decimal:
    """MTurk's commission on one assignment's reward."""
    rate = BASE_RATE
    if max_assignments >= 10:
        rate += TEN_PLUS_RATE
    if masters:
        rate += MASTERS_RATE
    return max(MIN_FEE, cents(reward * rate))


def bonus_fee(amount: Decimal) -> Decimal:
    """MTurk's commission on a bonus (20 %, at least one cent)."""
    return max(MIN_FEE, cents(amount * BASE_RATE))
