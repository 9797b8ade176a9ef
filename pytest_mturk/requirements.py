"""QualificationRequirements on HITs and HIT types: checked, and echoed with defaults (spec §7)."""

from __future__ import annotations

from typing import Any

from . import errors
from .model import (
    ADULT,
    LOCALE,
    NUMBER_HITS_APPROVED,
    PERCENT_APPROVED,
    QualificationTypeStatus,
    State,
)

MAX_REQUIREMENTS = 10
SYSTEM_TYPES = frozenset({NUMBER_HITS_APPROVED, LOCALE, ADULT, PERCENT_APPROVED})
PRESENCE = frozenset({"Exists", "DoesNotExist"})
SETS = frozenset({"In", "NotIn"})
SINGLE_LOCALE = frozenset({"EqualTo", "NotEqualTo"})
_ACTION_FROM_PREVIEW = {True: "PreviewAndAccept", False: "Accept"}


def _bad(message: str) -> errors.ServiceError:
    return errors.parameter_error(message)


def check_type_usable(state: State, type_id: str) -> None:
    """A requirement may name a system type of this environment or an active type of ours."""
    if type_id in SYSTEM_TYPES or type_id == state.masters_id:
        return
    qtype = state.qualification_types.get(type_id)
    if qtype is None or qtype.status is QualificationTypeStatus.DISPOSING:
        raise errors.qualification_type_does_not_exist(type_id)
    if qtype.status is QualificationTypeStatus.INACTIVE:
        raise errors.request_error(
            f"QualificationType [{type_id}] is inactive. HITs cannot be created with "
            "requirements based on an inactive QualificationType.",
            "InvalidQualificationTypeState",
        )


def normalize(state: State, requirements: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The requirements as the service stores and returns them, or its error."""
    if not requirements:
        return []
    if len(requirements) > MAX_REQUIREMENTS:
        raise _bad(
            f"The number of QualificationRequirements ({len(requirements)}) exceeds the "
            f"maximum of {MAX_REQUIREMENTS}."
        )
    out = []
    for requirement in requirements:
        type_id = requirement["QualificationTypeId"]
        comparator = requirement["Comparator"]
        integers = requirement.get("IntegerValues")
        locales = requirement.get("LocaleValues")
        check_type_usable(state, type_id)
        if comparator in PRESENCE:
            if integers or locales:
                raise _bad(
                    f"The comparator {comparator} cannot be used with IntegerValues or "
                    f"LocaleValues (QualificationTypeId {type_id})."
                )
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
        raise _bad(
            f"IntegerValues cannot be used with the Worker_Locale QualificationType ({type_id})."
        )
    if not locales:
        raise _bad(
            f"LocaleValues are required for the Worker_Locale QualificationType ({type_id})."
        )
    if comparator in SINGLE_LOCALE:
        if len(locales) != 1:
            raise _bad(f"The comparator {comparator} takes exactly one LocaleValue.")
    elif comparator in SETS:
        if len(locales) > 30:
            raise _bad(f"The comparator {comparator} takes at most 30 LocaleValues.")
    else:
        raise _bad(
            f"The comparator {comparator} cannot be used with the Worker_Locale "
            "QualificationType; use EqualTo, NotEqualTo, In or NotIn."
        )
    for locale in locales:
        country = locale.get("Country", "")
        subdivision = locale.get("Subdivision")
        if not (len(country) == 2 and country.isalpha() and country.isupper()):
            raise errors.invalid_value("Country", country)
        if subdivision is not None and not (len(subdivision) == 2 and subdivision.isalnum()):
            raise errors.invalid_value("Subdivision", subdivision)


def _check_integers(
    type_id: str, comparator: str, integers: list[int] | None, locales: list[dict[str, str]] | None
) -> None:
    if locales:
        raise _bad(
            f"LocaleValues can only be used with the Worker_Locale QualificationType ({type_id})."
        )
    if not integers:
        raise _bad(
            f"The comparator {comparator} requires IntegerValues (QualificationTypeId {type_id})."
        )
    if comparator in SETS:
        if len(integers) > 15:
            raise _bad(f"The comparator {comparator} takes at most 15 IntegerValues.")
    elif len(integers) != 1:
        raise _bad(f"The comparator {comparator} takes exactly one IntegerValue.")
