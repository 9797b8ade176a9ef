"""Money: USD amounts as ``Decimal``, the service's fee schedule, and its rounding."""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from . import catalogue

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MIN_FEE = Decimal("0.01")
BASE_RATE = Decimal("0.20")
TEN_PLUS_RATE = Decimal("0.20")  # extra, on rewards of HITs with 10 or more assignments
MASTERS_RATE = Decimal("0.05")  # extra, on rewards of HITs that require Masters

CURRENCY_PATTERN = re.compile(r"^[0-9]+(\.)?[0-9]{0,2}$")


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Decimal:
    """A wire CurrencyAmount (already checked against the pattern) as Decimal."""
    return Decimal(text).quantize(CENT)


def amount(name: str, text: str) -> Decimal:
    """A request's CurrencyAmount member as Decimal, or the service's invalid-value error.

    The generic validator has checked the pattern; an amount too large to carry
    cents (more than 26 digits before the point) is refused the same way rather
    than overflowing ``Decimal``'s precision.
    """
    try:
        return parse(text)
    except InvalidOperation:
        raise catalogue.INVALID_VALUE(name=name, value=text) from None


@functools.lru_cache(maxsize=4096)
def fmt(amount: Decimal) -> str:
    """Two decimals, as the service writes amounts ("10000.00")."""
    return str(amount.quantize(CENT))


def cents(amount: Decimal) -> Decimal:
    """Round half up to the cent ($0.104 -> $0.10, $0.105 -> $0.11)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def assignment_fee(reward: Decimal, max_assignments: int, masters: bool) -> Decimal:
    """MTurk's commission on one assignment's reward."""
    return _assignment_fee(reward, max_assignments >= 10, masters)


@functools.lru_cache(maxsize=1024)
def _assignment_fee(reward: Decimal, ten_plus: bool, masters: bool) -> Decimal:
    # A handful of distinct rewards per suite: worth remembering.
    rate = BASE_RATE
    if ten_plus:
        rate += TEN_PLUS_RATE
    if masters:
        rate += MASTERS_RATE
    return max(MIN_FEE, cents(reward * rate))


def bonus_fee(amount: Decimal) -> Decimal:
    """MTurk's commission on a bonus (20 %, at least one cent)."""
    return max(MIN_FEE, cents(amount * BASE_RATE))
