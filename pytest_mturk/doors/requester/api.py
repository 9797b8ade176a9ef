"""The requester API, ``/requester/api/...``, for scripts: HTTP Basic with an access key
of the server's credentials file and its secret.

* ``GET /requester/api/links/<HITGroupId>`` -- ``{"url": <the participant link>}``;
* ``GET /requester/api/results.csv?groupId=<HITGroupId>`` -- the group's batch results;
* ``GET /requester/api/payments.csv`` -- what each worker is owed.

Each takes ``world=production`` (the default) or ``world=sandbox``.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ...core.service import Service
from ..http.areas import json_response
from ..pages import reads
from . import links, results
from .area import Refused, Visit
from .pages import world_of

__all__ = ["link", "payments", "results_download"]


def _csv(text: str, name: str) -> Response:
    response = Response(text.encode("utf-8"), 200, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _known(visit: Visit, group_id: str, world_value: str | None) -> None:
    world = world_of(world_value)

    def read(service: Service) -> bool:
        return any(
            hit.hit_type.hit_group_id == group_id for hit in service.states[world].hits.values()
        )

    if not group_id or not visit.backend.look(read):
        raise Refused(404, "NotFound", f"There is no HIT group {group_id!r} in {world.value}.")


def link(visit: Visit, group_id: str) -> Response:
    if visit.backend.look(lambda service: reads.group_type(service, group_id)) is None:
        raise Refused(404, "NotFound", f"There is no HIT group {group_id!r}.")
    return json_response({"url": links.link(visit.public_url, visit.hosting.secret, group_id)})


def results_download(visit: Visit) -> Response:
    args = visit.request.args
    group_id = args.get("groupId") or ""
    _known(visit, group_id, args.get("world"))
    world = world_of(args.get("world"))
    text = visit.backend.look(
        lambda service: results.results_csv(service.states[world], group_id, service.clock.now())
    )
    return _csv(text, f"{group_id}_batch_results.csv")


def payments(visit: Visit) -> Response:
    world = world_of(visit.request.args.get("world"))
    participants = dict(visit.hosting.participants)
    text = visit.backend.look(
        lambda service: results.payments_csv(service.states[world], participants)
    )
    return _csv(text, f"payments_{world.value}.csv")
