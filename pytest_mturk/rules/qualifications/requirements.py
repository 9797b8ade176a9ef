"""QualificationRequirements (spec §7): checked and echoed with defaults when HITs are
made, and evaluated against a worker when they look for, preview or accept work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...core import catalogue
from ...core.model import HIT, LOCALE, QualificationStatus, QualificationTypeStatus, State, Worker
from . import system_qualifications
from .system_qualifications import Value

MAX_REQUIREMENTS = 10
PRESENCE = frozenset({"Exists", "DoesNotExist"})
SETS = frozenset({"In", "NotIn"})
SINGLE_LOCALE = frozenset({"EqualTo", "NotEqualTo"})
_ACTION_FROM_PREVIEW = {True: "PreviewAndAccept", False: "Accept"}


def check_type_usable(state: State, type_id: str) -> None:
    """A requirement may name a system type of this environment or an active type of ours."""
    if system_qualifications.find(state.environment, type_id) is not None:
        return
    qtype = state.qualification_types.get(type_id)
    if qtype is None or qtype.status is QualificationTypeStatus.DISPOSING:
        raise catalogue.QUALIFICATION_TYPE_DOES_NOT_EXIST(type_id=type_id)
    if qtype.status is QualificationTypeStatus.INACTIVE:
        raise catalogue.QUALIFICATION_TYPE_INACTIVE(type_id=type_id)


def normalize(state: State, requirements: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The requirements as the service stores and returns them, or its error."""
    if not requirements:
        return []
    if len(requirements) > MAX_REQUIREMENTS:
        raise catalogue.TOO_MANY_REQUIREMENTS(count=len(requirements), limit=MAX_REQUIREMENTS)
    out = []
    for requirement in requirements:
        type_id = requirement["QualificationTypeId"]
        comparator = requirement["Comparator"]
        integers = requirement.get("IntegerValues")
        locales = requirement.get("LocaleValues")
        check_type_usable(state, type_id)
        if comparator in PRESENCE:
            if integers or locales:
                raise catalogue.PRESENCE_WITH_VALUES(comparator=comparator, type_id=type_id)
        elif type_id == LOCALE:
            _check_locales(type_id, comparator, integers, locales)
        else:
            _check_integers(type_id, comparator, integers, locales)
        item: dict[str, Any] = {"QualificationTypeId": type_id, "Comparator": comparator}
        if integers:
            item["IntegerValues"] = list(integers)
        if locales:
            item["LocaleValues"] = [dict(locale) for locale in locales]
        actions = requirement.get("ActionsGuarded")
        to_preview = requirement.get("RequiredToPreview")
        if actions is None:
            actions = _ACTION_FROM_PREVIEW[bool(to_preview)]
        item["RequiredToPreview"] = actions != "Accept"
        item["ActionsGuarded"] = actions
        out.append(item)
    return out


def _check_locales(
    type_id: str, comparator: str, integers: list[int] | None, locales: list[dict[str, str]] | None
) -> None:
    if integers:
        raise catalogue.LOCALE_WITH_INTEGERS(type_id=type_id)
    if not locales:
        raise catalogue.LOCALE_WITHOUT_LOCALES(type_id=type_id)
    if comparator in SINGLE_LOCALE:
        if len(locales) != 1:
            raise catalogue.ONE_LOCALE_VALUE(comparator=comparator)
    elif comparator in SETS:
        if len(locales) > 30:
            raise catalogue.AT_MOST_30_LOCALE_VALUES(comparator=comparator)
    else:
        raise catalogue.LOCALE_COMPARATOR(comparator=comparator)
    for locale in locales:
        country = locale.get("Country", "")
        subdivision = locale.get("Subdivision")
        if not (len(country) == 2 and country.isalpha() and country.isupper()):
            raise catalogue.INVALID_VALUE(name="Country", value=country)
        if subdivision is not None and not (len(subdivision) == 2 and subdivision.isalnum()):
            raise catalogue.INVALID_VALUE(name="Subdivision", value=subdivision)


def _check_integers(
    type_id: str, comparator: str, integers: list[int] | None, locales: list[dict[str, str]] | None
) -> None:
    if locales:
        raise catalogue.LOCALES_WITHOUT_LOCALE(type_id=type_id)
    if not integers:
        raise catalogue.INTEGERS_REQUIRED(comparator=comparator, type_id=type_id)
    if comparator in SETS:
        if len(integers) > 15:
            raise catalogue.AT_MOST_15_INTEGER_VALUES(comparator=comparator)
    elif len(integers) != 1:
        raise catalogue.ONE_INTEGER_VALUE(comparator=comparator)


# -- evaluation against a worker (spec §7.1) ---------------------------------------

DISCOVER, PREVIEW, ACCEPT = "Discover", "Preview", "Accept"
_GUARDS = {
    "Accept": frozenset({ACCEPT}),
    "PreviewAndAccept": frozenset({PREVIEW, ACCEPT}),
    "DiscoverPreviewAndAccept": frozenset({DISCOVER, PREVIEW, ACCEPT}),
}


def value_of(state: State, worker: Worker, type_id: str) -> Value | None:
    """The worker's value for a qualification type; ``None`` when they do not have it.

    System types come from the worker's profile and history; other types from
    the qualifications granted to them (a revoked one counts as absent).
    """
    system = system_qualifications.find(state.environment, type_id)
    if system is not None:
        return system.value(worker)
    held = state.qualifications.get(type_id, {}).get(worker.worker_id)
    if held is None or held.status is not QualificationStatus.GRANTED:
        return None
    return Value(held.integer_value)


def _locale_matches(value: Value, locale: dict[str, str]) -> bool:
    if value.country != locale.get("Country"):
        return False
    subdivision = locale.get("Subdivision")
    return subdivision is None or subdivision == value.subdivision


_INTEGER_TESTS: dict[str, Callable[[int, int], bool]] = {
    "LessThan": lambda held, wanted: held < wanted,
    "LessThanOrEqualTo": lambda held, wanted: held <= wanted,
    "GreaterThan": lambda held, wanted: held > wanted,
    "GreaterThanOrEqualTo": lambda held, wanted: held >= wanted,
    "EqualTo": lambda held, wanted: held == wanted,
    "NotEqualTo": lambda held, wanted: held != wanted,
}


def meets(requirement: dict[str, Any], value: Value | None) -> bool:
    """Whether a worker holding ``value`` (``None``: nothing) meets one requirement.

    Every comparator but DoesNotExist needs the worker to hold the
    qualification: a worker without it fails even ``NotEqualTo`` and ``NotIn``.
    """
    comparator = requirement["Comparator"]
    if comparator == "DoesNotExist":
        return value is None
    if value is None:
        return False
    if comparator == "Exists":
        return True
    locales = requirement.get("LocaleValues")
    if locales:
        found = any(_locale_matches(value, locale) for locale in locales)
        return found if comparator in ("EqualTo", "In") else not found
    integers = requirement.get("IntegerValues") or []
    held = value.integer
    if held is None:
        return False
    if comparator == "In":
        return held in integers
    if comparator == "NotIn":
        return held not in integers
    return _INTEGER_TESTS[comparator](held, integers[0])


def guards(requirement: dict[str, Any], action: str) -> bool:
    """Whether the requirement must be met to discover, preview or accept."""
    return action in _GUARDS[requirement.get("ActionsGuarded") or "Accept"]


def type_name(state: State, type_id: str) -> str:
    """The type's name as a person reads it (a requester's own in quotes)."""
    system = system_qualifications.find(state.environment, type_id)
    if system is not None:
        return system.name
    qtype = state.qualification_types.get(type_id)
    return f"{qtype.name!r}" if qtype is not None else type_id


def describe(requirement: dict[str, Any]) -> str:
    """A requirement as a person reads it, e.g. ``Worker_Locale In US, CA-QC``."""
    comparator = requirement["Comparator"]
    if requirement.get("LocaleValues"):
        values = ", ".join(
            f"{loc['Country']}-{loc['Subdivision']}" if loc.get("Subdivision") else loc["Country"]
            for loc in requirement["LocaleValues"]
        )
        return f"{comparator} {values}"
    if requirement.get("IntegerValues"):
        return f"{comparator} {', '.join(str(v) for v in requirement['IntegerValues'])}"
    return str(comparator)


def unmet(state: State, worker: Worker, hit: HIT, action: str) -> list[str]:
    """Why ``worker`` may not ``action`` ("Discover", "Preview", "Accept") ``hit``: one
    sentence per requirement guarding that action which they fail (empty: allowed)."""
    reasons = []
    for requirement in hit.hit_type.qualification_requirements:
        if not guards(requirement, action):
            continue
        type_id = requirement["QualificationTypeId"]
        value = value_of(state, worker, type_id)
        if not meets(requirement, value):
            held = "none" if value is None else str(value)
            reasons.append(
                f"{type_name(state, type_id)} {describe(requirement)} (the worker has: {held})"
            )
    return reasons
