"""Worker operations: blocks (CreateWorkerBlock, DeleteWorkerBlock, ListWorkerBlocks) and
NotifyWorkers (spec §5.14)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..core import catalogue
from ..core.model import HIT, Message, State, Worker
from ..core.service import Handler, Service
from ..core.validation import max_length
from . import _common, pagination

MAX_BLOCKS = 100_000
MAX_NOTIFY = 100
NOT_WORKED_FOR_YOU = "Cannot send a notification to a worker who has not done any work for you"


def create_worker_block(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    worker_id = p["WorkerId"]
    if worker_id not in state.blocks and len(state.blocks) >= MAX_BLOCKS:
        raise catalogue.TOO_MANY_BLOCKS(limit=MAX_BLOCKS)
    _common.worker(state, worker_id, strict=svc.settings.strict_workers)
    # Blocking again only updates the reason (the worker keeps their place in the list).
    state.blocks[worker_id] = p["Reason"]
    state.block_index.add(worker_id)
    return {}


def delete_worker_block(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    worker_id = p["WorkerId"]
    # The documented message; the family is the one MTurk answers an unknown WorkerId
    # with elsewhere (ParameterValidationError). A malformed ID never gets here.
    if svc.settings.strict_workers and worker_id not in state.workers:
        raise catalogue.WORKER_ID_INVALID()
    # Unblocking a worker who is not blocked succeeds.
    state.blocks.pop(worker_id, None)
    state.block_index.discard(worker_id)
    return {}


def list_worker_blocks(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    keys, token = pagination.page_index(state.block_index, p, "ListWorkerBlocks")
    blocks = [{"WorkerId": key, "Reason": state.blocks[key]} for key in keys]
    return pagination.response("WorkerBlocks", blocks, token)


def notify_workers(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    subject, text, worker_ids = p["Subject"], p["MessageText"], p["WorkerIds"]
    max_length("Subject", subject, 200)
    max_length("MessageText", text, 4096)
    if not 1 <= len(worker_ids) <= MAX_NOTIFY:
        raise catalogue.NUMBER_OF_VALUES(name="WorkerIds", count=len(worker_ids), high=MAX_NOTIFY)
    failures = []
    # Problems with single workers never fail the call: they are reported per worker.
    for worker_id in dict.fromkeys(worker_ids):
        worker = state.workers.get(worker_id)
        if worker is None or not (worker.approved or worker.rejected):
            failures.append(
                {
                    "NotifyWorkersFailureCode": "HardFailure",
                    "NotifyWorkersFailureMessage": NOT_WORKED_FOR_YOU,
                    "WorkerId": worker_id,
                }
            )
            continue
        state.messages.append(Message(worker_id, subject, text, now, state.environment))
    return {"NotifyWorkersFailureStatuses": failures}


def _block_check(svc: Service, state: State, hit: HIT, worker: Worker) -> str | None:
    if worker.worker_id not in state.blocks:
        return None
    return (
        f"Worker {worker.worker_id} is blocked by the requester (CreateWorkerBlock: "
        f"{state.blocks[worker.worker_id]!r}) and cannot accept their HITs."
    )


def install(service: Service) -> None:
    """A blocked worker cannot accept the requester's HITs."""
    service.accept_checks.append(_block_check)


OPERATIONS: dict[str, Handler] = {
    "CreateWorkerBlock": create_worker_block,
    "DeleteWorkerBlock": delete_worker_block,
    "ListWorkerBlocks": list_worker_blocks,
    "NotifyWorkers": notify_workers,
}
