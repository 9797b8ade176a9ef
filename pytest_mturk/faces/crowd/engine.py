"""A crowd at work: visits, choices of HIT, and each assignment's course.

Every step a crowd worker takes is a :class:`~pytest_mturk.SimulatedWorker`'s: it
accepts through ``take()`` (the same checks and lifecycle rule as ``accept()``), submits
through ``submit()``, returns through ``return_()`` and requests qualifications
through ``request_qualification()``; an assignment walked away from is abandoned by the
service's own deadline. Nothing the crowd does goes around the rules a single worker
obeys; each step is a transaction of its own.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import itertools
import math
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ...core.clock import as_utc, epoch_ms
from ...core.errors import CrowdError, UsageError, WorkerActionError
from ...core.model import HIT, Assignment, AssignmentStatus, Environment, State
from ...core.roster import Profile
from ...rules.qualifications import grants, requirements
from ..worker import enlist
from .knobs import Behaviour, Population, arrival_rates
from .market import Group, Market
from .population import Member, recruit
from .summary import Summary
from .tasks import Task, default_answer

if TYPE_CHECKING:
    from ..worker import SimulatedWorker
    from .stage import Stage

AnswerFunction = Callable[[Task, Member], "Mapping[str, Any] | str | None"]
_PROFILE = frozenset(Profile.__dataclass_fields__)
_HOUR_MS = 3_600_000
_SCAN = 200  # HITs of a group a worker looks down before trying another group


class Crowd:
    """A population of simulated workers who find, accept, work on, return and abandon
    HITs as the simulator's clock moves (``sim.advance()``, :meth:`run`).

    Made by ``sim.crowd(...)``; see ``docs/crowd.md`` for every setting and its default.
    """

    def __init__(
        self,
        stage: Stage,
        registry: dict[str, SimulatedWorker],
        *,
        environment: Environment,
        seed: int | str,
        answer: AnswerFunction | None,
        arrivals: Any,
        behaviour: Behaviour,
        population: Population,
    ) -> None:
        if answer is not None and not callable(answer):
            raise CrowdError(f"answer must be a function(task, worker), not {answer!r}.")
        rates = arrival_rates(arrivals)
        service = stage.service
        self._stage = stage
        self._service = service
        self.environment = environment
        self.seed = seed
        self.behaviour = behaviour
        self.population = population
        self.rates = rates
        self._answer: AnswerFunction = answer or default_answer
        index = len(stage.crowds)
        self._key = f"crowd:{service.settings.seed}:{seed}:{index}"
        self._rng = random.Random(self._key)
        self._hour: tuple[int, list[int]] = (-1, [])
        self.members: tuple[Member, ...] = tuple(
            recruit(service, registry, self._rng, population, behaviour, environment)
        )
        self._by_id = {member.worker_id: member for member in self.members}
        self._registry = registry
        self._weights = list(itertools.accumulate(member.activity for member in self.members))
        self._market = Market(service, service.states[environment])
        self.started = service.now()
        self.visits: list[int] = []  # when each visit began (epoch ms)
        self._pending: set[int] = set()  # assignments (by id()) still to be settled
        self._returned: dict[int, _dt.datetime] = {}  # when each (by id()) was returned
        stage.crowds.append(self)
        self._next_visit(epoch_ms(self.started) - 1)

    def __repr__(self) -> str:
        return (
            f"<Crowd seed={self.seed!r} of {len(self.members)} workers in "
            f"{self.environment.value}; {len(self.visits)} visits>"
        )

    # -- the user's handles ------------------------------------------------------------

    def member(self, worker_id: str) -> Member:
        """The crowd's worker with this ID."""
        try:
            return self._by_id[worker_id]
        except KeyError:
            raise UsageError(f"Worker {worker_id!r} is not in this crowd.") from None

    def tune(self, worker_id: str, **knobs: Any) -> Member:
        """Change one worker: their behaviour (``accuracy=0.2``, ``return_rate=0.5``...,
        any :class:`Behaviour` setting) and their profile (``locale``, ``adult``,
        ``masters``, ``approved``, ``rejected``, as ``sim.worker()`` takes them)."""
        member = self.member(worker_id)
        profile = {key: knobs.pop(key) for key in list(knobs) if key in _PROFILE}
        behaviour = member.behaviour.replace(**knobs)  # checked before anything changes
        if profile:
            member.worker = enlist(self._service, self._registry, worker_id, profile)
            member.profile = member.worker.profile
        member.behaviour = behaviour
        if "accuracy" in knobs:
            member.accuracy = behaviour.accuracy
        return member

    def run(self, until: _dt.datetime | _dt.timedelta) -> _dt.datetime:
        """Play the crowd (and every other crowd, and the service's own deadlines) until
        ``until``, a time or a span from now; the clock ends there. Returns it."""
        target = self._target(until)
        return self._stage.play(target)

    def run_until_done(self, within: _dt.timedelta = _dt.timedelta(days=30)) -> bool:
        """Play until no HIT this crowd can see has a free slot and none of its workers
        still holds an assignment, or ``within`` has passed; whether it got done."""
        if self.done:
            return True
        self._stage.play(self._target(within), stop=lambda: self.done)
        return self.done

    @property
    def done(self) -> bool:
        """Whether nothing is left for the crowd: no open HIT, no assignment in hand."""
        if self._pending:  # the usual answer while a run lasts, found without a look
            return False
        self._market.catch_up()
        return not self._market.is_open()

    def dismiss(self) -> None:
        """The crowd stops coming: none of its workers acts again (what they hold now
        stays with them and is abandoned when its deadline passes)."""
        self._stage.forget(self)

    def summary(self, bucket: _dt.timedelta = _dt.timedelta(hours=1)) -> Summary:
        """What happened: visits, accepts, submissions, returns and abandonments per
        ``bucket`` of time, time to completion per HIT, cost, and each worker's work and
        agreement (:class:`Summary`; its ``plot()`` draws it)."""
        with self._service.transaction():
            return Summary.of(
                self._service,
                self.environment,
                self.members,
                self.visits,
                self._returned,
                self.started,
                bucket,
            )

    def _target(self, until: _dt.datetime | _dt.timedelta) -> _dt.datetime:
        now = self._service.clock.now()
        if isinstance(until, _dt.timedelta):
            if until < _dt.timedelta(0):
                raise UsageError("run() only moves forward: give a span of 0 or more.")
            return now + until
        if isinstance(until, _dt.datetime):
            return as_utc(until)
        raise UsageError(f"until must be a datetime or a timedelta, not {until!r}.")

    # -- visits ------------------------------------------------------------------------

    def _arrivals(self, hour: int) -> list[int]:
        """The arrival times (epoch ms) in one hour since the epoch: a Poisson process at
        that hour of the day's rate, drawn from a generator of that hour's own, so the
        arrivals are a function of time alone (an idle stretch can be skipped whole)."""
        cached = self._hour
        if cached[0] == hour:
            return cached[1]
        rate = self.rates[hour % 24]
        found: list[int] = []
        if rate > 0:
            rng = random.Random(f"{self._key}:arrivals:{hour}")
            seconds = rng.expovariate(rate) * 3600
            while seconds < 3600:
                found.append(hour * _HOUR_MS + int(seconds * 1000))
                seconds += rng.expovariate(rate) * 3600
        self._hour = (hour, found)
        return found

    def _next_visit(self, after_ms: int, idle_until: int | None = None) -> None:
        """Put the first arrival after ``after_ms`` (and, for a crowd that found nothing
        to do, not before ``idle_until``) on the stage."""
        if max(self.rates) <= 0:
            return
        floor = after_ms + 1 if idle_until is None else max(after_ms + 1, idle_until)
        hour = floor // _HOUR_MS
        while True:
            times = self._arrivals(hour)
            index = bisect.bisect_left(times, floor)
            if index < len(times):
                self._stage.at(times[index], self, Crowd._visit)
                return
            hour += 1

    def _visit(self, now: _dt.datetime) -> None:
        now_ms = epoch_ms(now)
        market = self._market
        market.catch_up()
        if not market.groups:
            # Nothing to see: nobody comes until something could open a HIT (the next
            # scheduled transition or crowd action, or the end of this stretch of play).
            self._next_visit(now_ms, self._stage.horizon())
            return
        rng = self._rng
        member = self.members[bisect.bisect(self._weights, rng.random() * self._weights[-1])]
        mean = member.behaviour.session_hits
        count = 1
        while rng.random() < 1 - 1 / mean:
            count += 1
        if not member.busy:  # a worker already at work does not come twice
            member.busy, member.left, member.group = True, count, None
            try:
                self._next_task(member, now)
            except BaseException:
                member.busy = False
                raise
            self.visits.append(now_ms)
        self._next_visit(now_ms)

    def _next_task(self, member: Member, now: _dt.datetime) -> None:
        if member.left <= 0 or not self._take(member, now):
            member.busy, member.group = False, None

    # -- choosing and accepting ---------------------------------------------------------

    def _take(self, member: Member, now: _dt.datetime) -> bool:
        """The worker looks down the listing and accepts the first HIT they may."""
        market = self._market
        market.catch_up()
        if not market.groups:
            return False
        listing = market.listing(self._rng.random() < member.behaviour.newest_first)
        current = market.groups.get(member.group) if member.group is not None else None
        if current is not None:  # a worker in a visit stays with their group while it lasts
            listing.remove(current)
            listing.insert(0, current)
        state = market.state
        for group in listing:
            hit = self._candidate(member, state, group)
            if hit is None:
                continue
            try:
                assignment = member.worker.take(state, hit, now)
            except WorkerActionError:
                if not self._qualify(member, state, hit, now):
                    continue
                try:
                    assignment = member.worker.take(state, hit, now)
                except WorkerActionError:
                    continue
            member.taken.add(hit.hit_id)
            member.group = group.hit_type_id
            self._plan(member, hit, assignment, now)
            return True
        return False

    @staticmethod
    def _candidate(member: Member, state: State, group: Group) -> HIT | None:
        taken = member.taken
        for looked, hit_id in enumerate(group.oldest_first()):
            if hit_id not in taken:
                return state.hits[hit_id]
            if looked >= _SCAN:
                break
        return None

    def _qualify(self, member: Member, state: State, hit: HIT, now: _dt.datetime) -> bool:
        """Seek the qualifications ``hit`` needs that a worker can ask for (each once);
        whether any was sought."""
        record = member.worker.record(state)
        sought = False
        for requirement in hit.hit_type.qualification_requirements:
            type_id = requirement["QualificationTypeId"]
            if requirements.meets(requirement, requirements.value_of(state, record, type_id)):
                continue
            qtype = state.qualification_types.get(type_id)
            if (
                qtype is None
                or type_id in member.tried
                or not qtype.is_requestable
                or not (qtype.test or qtype.auto_granted)
            ):
                return False
            member.tried.add(type_id)
            if self._rng.random() >= member.behaviour.takes_tests:
                return False
            try:
                grants.check_can_request(state, qtype, member.worker_id, now)
            except WorkerActionError:
                return False
            answers = None
            if qtype.test:
                task = Task("", "", "", qtype.name, None, qtype.test, self._rng.getrandbits(64))
                task.qualification_type_id = type_id
                answers = self._ask(task, member, f"the test of QualificationType {type_id}")
            try:
                member.worker.request_qualification(type_id, answers)
            except WorkerActionError as refusal:
                raise CrowdError(
                    f"The answer function's answers to the test of QualificationType "
                    f"{type_id} (worker {member.worker_id}) were refused: {refusal}",
                    worker_id=member.worker_id,
                ) from refusal
            sought = True
        return sought

    # -- an assignment's course -----------------------------------------------------------

    def _plan(self, member: Member, hit: HIT, assignment: Assignment, now: _dt.datetime) -> None:
        """Decide (by a fixed number of draws) whether the worker will submit, return or
        walk away, and when."""
        behaviour = member.behaviour
        rng = self._rng
        allotted = hit.hit_type.assignment_duration
        fate = rng.random()
        work = rng.lognormvariate(math.log(behaviour.work_median * allotted), behaviour.work_sigma)
        late = rng.random() < behaviour.late_rate
        wait = rng.random() * behaviour.late_delay * allotted if late else 0.0
        seed = rng.getrandbits(64)
        now_ms = epoch_ms(now)
        self._pending.add(id(assignment))
        returns = behaviour.return_rate
        if fate < returns:
            # Returned part-way through: the fate's place below return_rate is how far.
            done_ms = now_ms + max(1000, int((wait + work * fate / returns) * 1000))
            self._stage.at(done_ms, self, Crowd._give_back, member, assignment)
        elif fate < returns + behaviour.abandon_rate:
            member.busy, member.group = False, None  # gone; the deadline settles it
            self._stage.at(epoch_ms(assignment.deadline), self, Crowd._walked_away, assignment)
        else:
            done_ms = now_ms + max(1000, int((wait + work) * 1000))
            self._stage.at(done_ms, self, Crowd._submit, member, assignment, seed)

    def _held(self, assignment: Assignment) -> bool:
        state = self._market.state
        return (
            assignment.status is AssignmentStatus.ACCEPTED
            and state.assignments.get(assignment.assignment_id) is assignment
        )

    def _submit(self, member: Member, assignment: Assignment, seed: int, now: _dt.datetime) -> None:
        # Too slow (the deadline passed: abandoned) or already settled: nothing to send.
        if id(assignment) in self._pending and self._held(assignment):
            hit = self._market.state.hits[assignment.hit_id]
            task = Task(
                hit.hit_id,
                assignment.assignment_id,
                hit.hit_type.hit_type_id,
                hit.hit_type.title,
                hit.requester_annotation,
                hit.question,
                seed,
            )
            where = f"HIT {hit.hit_id} (assignment {assignment.assignment_id})"
            answer = self._ask(task, member, where)
            try:
                member.worker.submit(assignment.assignment_id, answer)
            except WorkerActionError as refusal:
                raise CrowdError(
                    f"submit() refused the answer function's answer for {where} by worker "
                    f"{member.worker_id}: {refusal}",
                    worker_id=member.worker_id,
                    hit_id=hit.hit_id,
                    assignment_id=assignment.assignment_id,
                ) from refusal
        self._settle(member, assignment, now)

    def _ask(self, task: Task, member: Member, where: str) -> Any:
        try:
            return self._answer(task, member)
        except Exception as exc:
            raise CrowdError(
                f"The answer function raised {exc!r} for {where}, worker {member.worker_id}; "
                "the crowd stopped there (the step is still due: fix the cause and go on).",
                worker_id=member.worker_id,
                hit_id=task.hit_id or None,
                assignment_id=task.assignment_id or None,
            ) from exc

    def _give_back(self, member: Member, assignment: Assignment, now: _dt.datetime) -> None:
        if id(assignment) in self._pending and self._held(assignment):
            member.worker.return_(assignment.assignment_id)
            self._returned[id(assignment)] = now
        self._settle(member, assignment, now)

    def _settle(self, member: Member, assignment: Assignment, now: _dt.datetime) -> None:
        if id(assignment) in self._pending:
            self._pending.discard(id(assignment))
            member.left -= 1
        self._next_task(member, now)

    def _walked_away(self, assignment: Assignment, now: _dt.datetime) -> None:
        self._pending.discard(id(assignment))
