"""The simulator's settings, listed once for ``mturk_sim()``, ``Simulator`` and the marker.

:class:`SimulatorSettings` is the single source: type checkers read it to flag a
misspelt or mistyped setting, and :data:`NAMES` (its keys) is what the runtime
check and the marker's help text read, for untyped code and for
``@pytest.mark.mturk``, which no type checker sees.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import difflib
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, TypedDict

from ..core.errors import UsageError

if TYPE_CHECKING:
    # Only for the annotations: the plugin reads NAMES at pytest's start-up, which
    # should not pay for importing the model.
    from ..core.model import Environment
    from ..core.service import Settings


class SimulatorSettings(TypedDict, total=False):
    """The keyword settings of :func:`~pytest_mturk.mturk_sim`, :class:`~pytest_mturk.Simulator`
    and ``@pytest.mark.mturk``; every one is optional.

    Use it to type a helper that passes settings on::

        def make(**settings: Unpack[SimulatorSettings]) -> Simulator: ...
    """

    seed: int | str
    """IDs and results are deterministic for a seed (default 0)."""
    start: _dt.datetime | str | None
    """The simulated time at start: a datetime or ISO 8601 text (default: now, frozen)."""
    balance: Decimal | str | int | None
    """Production's starting balance, e.g. ``"500.00"`` (the sandbox always has 10000.00)."""
    access_keys: str | Iterable[str] | None
    """The only AWS access key IDs accepted (default: any well-formed key)."""
    strict_workers: bool
    """Only workers made with ``sim.worker()`` exist (default False)."""
    environment: Environment | Literal["sandbox", "production"]
    """What ``sim.client()`` and ``sim.balance`` mean (default ``"sandbox"``)."""
    fake_credentials: bool
    """A client that finds no AWS credentials of its own is handed the fallback key
    ``AKIAPYTESTMTURKNOKEY`` (default True), which ``access_keys`` refuses unless it lists
    it, saying that the client had no credentials; with False such a client gets
    botocore's ``NoCredentialsError``, as without pytest-mturk."""
    load: str | os.PathLike[str]
    """Start from the state saved in this file (``sim.save(path)``); given with it,
    ``seed``, ``start`` and ``balance`` must be the file's, the others apply from then on."""
    keep_calls: int | None
    """Keep only about the latest N calls and N events in ``sim.calls`` and ``sim.events``
    (at least N, at most 2N; default None: all). For long runs, whose logs cost memory
    and time."""


# In the order they are documented; the marker's help text and error messages list them so.
NAMES: tuple[str, ...] = tuple(SimulatorSettings.__annotations__)


def check_names(settings: Mapping[str, object]) -> None:
    """Raise :class:`UsageError` for a setting that does not exist, naming the likely one."""
    unknown = sorted(set(settings) - set(NAMES))
    if not unknown:
        return
    guesses = [
        f"{name!r} (did you mean {close[0]!r}?)"
        if (close := difflib.get_close_matches(name, NAMES, n=1))
        else repr(name)
        for name in unknown
    ]
    raise UsageError(
        f"Unknown simulator setting(s) {', '.join(guesses)}; the settings are: {', '.join(NAMES)}."
    )


def _start(value: object) -> _dt.datetime | None:
    start: _dt.datetime | None = None
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        start = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            # Python 3.10's fromisoformat does not read a trailing "Z".
            start = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if start is None:
        raise UsageError(
            f"start must be a datetime or ISO 8601 text such as "
            f"'2026-01-05T09:00:00+00:00', not {value!r}."
        )
    latest = latest_start()
    aware = start if start.tzinfo is not None else start.replace(tzinfo=_dt.timezone.utc)
    if aware > latest:
        raise UsageError(
            f"start must be {latest.isoformat()} or earlier (the dates a HIT's life "
            f"reaches from it must stay within year 9999), not {value!r}."
        )
    return start


def latest_start() -> _dt.datetime:
    """The latest simulated start from which every date the service computes stays
    representable: the longest chain of delays (a HIT's lifetime, an assignment's
    duration, the auto-approval delay, the review window and disposal) from it stays
    within ``datetime.max``."""
    # Imported here, not at the top: the plugin reads NAMES at pytest's start-up.
    from ..core.lifecycle import DISPOSAL_AFTER, OVERRIDE_WINDOW
    from ..operations.hits import DEFAULT_AUTO_APPROVAL, MAX_SECONDS

    longest = _dt.timedelta(seconds=2 * MAX_SECONDS + DEFAULT_AUTO_APPROVAL)
    longest += DISPOSAL_AFTER + OVERRIDE_WINDOW + _dt.timedelta(days=1)
    end = _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)
    return (end - longest).replace(hour=0, minute=0, second=0, microsecond=0)


def _balance(value: object) -> Decimal:
    """An amount as the service writes one: digits, at most two decimals (so never
    negative, NaN or infinite), that ``Decimal`` holds to the cent."""
    from ..core.money import CURRENCY_PATTERN

    text = format(value, "f") if isinstance(value, Decimal) and value.is_finite() else str(value)
    if not isinstance(value, bool) and CURRENCY_PATTERN.match(text):
        with contextlib.suppress(ArithmeticError):
            return Decimal(text).quantize(Decimal("0.01"))
    raise UsageError(f"balance must be an amount such as '500.00', not {value!r}.")


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be True or False, not {value!r}.")
    return value


def _access_keys(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    given = [value] if isinstance(value, str) or not isinstance(value, Iterable) else list(value)
    keys = [key for key in given if isinstance(key, str)]
    if len(keys) != len(given):
        raise UsageError(f"access_keys must be an access key ID or a list of them, not {value!r}.")
    return frozenset(keys)


def resolve(settings: SimulatorSettings) -> Settings:
    """The settings given, checked and with the defaults filled in.

    Every value is checked here too: untyped code and the pytest marker reach this
    without a type checker's help.
    """
    # Imported here, not at the top: the plugin reads NAMES at pytest's start-up.
    from ..core.model import Environment
    from ..core.service import Settings

    check_names(settings)
    seed = settings.get("seed", 0)
    if not isinstance(seed, (int, str)):
        raise UsageError(f"seed must be an int or a str, not {seed!r}.")
    environment = settings.get("environment", Environment.SANDBOX)
    try:
        env = Environment(environment)
    except ValueError:
        raise UsageError(
            f"environment must be 'sandbox' or 'production', not {environment!r}."
        ) from None
    balance = settings.get("balance")
    amount = _balance(balance) if balance is not None else None
    keep_calls = settings.get("keep_calls")
    if keep_calls is not None and (
        not isinstance(keep_calls, int) or isinstance(keep_calls, bool) or keep_calls < 1
    ):
        raise UsageError(
            f"keep_calls must be a number of calls, 1 or more (or None: all), not {keep_calls!r}."
        )
    load = settings.get("load")
    if load is not None and not isinstance(load, (str, os.PathLike)):
        raise UsageError(f"load must be the path of a saved state file, not {load!r}.")
    return Settings(
        seed=seed,
        start=_start(settings.get("start")),
        balance=amount if amount is not None else Decimal("10000.00"),
        access_keys=_access_keys(settings.get("access_keys")),
        strict_workers=_flag("strict_workers", settings.get("strict_workers", False)),
        environment=env,
        fake_credentials=_flag("fake_credentials", settings.get("fake_credentials", True)),
        load=os.fspath(load) if load is not None else None,
        keep_calls=keep_calls,
    )


WORLD = ("seed", "start", "balance")


def loaded(saved: Settings, given: SimulatorSettings, path: str) -> Settings:
    """The settings of a simulator loaded from ``path``, saved with ``saved``: those
    given apply from now on, except that ``seed``, ``start`` and ``balance``, which
    shaped the saved state, must be the file's."""
    resolved = resolve(given)
    clash = [
        name
        for name in WORLD
        if name in given
        and (str(getattr(resolved, name)) if name == "seed" else getattr(resolved, name))
        != (str(saved.seed) if name == "seed" else getattr(saved, name))
    ]
    if clash:
        start = saved.start.isoformat() if saved.start is not None else None
        shown = f"seed={saved.seed!r}, start={start}, balance={saved.balance}"
        raise UsageError(
            f"A simulator loaded from {path} keeps the seed, start and balance it was saved "
            f"with ({shown}); {', '.join(clash)} given differently. Leave them out."
        )
    others = {name: getattr(resolved, name) for name in given if name not in WORLD}
    return dataclasses.replace(saved, **others)


def same_world(one: Settings, other: Settings) -> bool:
    """Whether two simulators' settings make the same world: the same IDs (seed), clock
    (start) and production balance. Only then can one carry on from the other's state."""
    # The seed is read as text (IDs come from f"ids:{seed}"): 0 and "0" are one seed.
    return (str(one.seed), one.start, one.balance) == (str(other.seed), other.start, other.balance)
