"""Saving and loading a simulator's state, and what a snapshot costs a served simulation.

For simulators of 1,000 and 10,000 HITs (each with a submitted assignment, half of them
Reviewable; ``--large`` adds 100,000) it prints:

* save ÷ ``json.dumps`` of the same document, load ÷ ``json.loads`` of the same file
  (goal: 3 or less each), and load ÷ replaying the calls that made the state (goal:
  under 1);
* the cost per HIT at each size against the smallest (linear: about 1);
* bytes per HIT, against the indented layout of the previous release;
* the worst pause a client of a served simulation (``--state``) sees while snapshots are
  taken, written by a forked child and written in place (goal: 50 ms or less).

    python benchmarks/bench_state.py            # 1,000 and 10,000 HITs
    python benchmarks/bench_state.py --quick    # a smoke run (CI)
    python benchmarks/bench_state.py --large    # 100,000 HITs too
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from typing import Any

from bench_scale import populate

from pytest_mturk import Simulator
from pytest_mturk.core.model import Environment
from pytest_mturk.faces import persist
from pytest_mturk.faces.threaded import open_state

PAUSE_GOAL_MS = 50


def best(func: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def state_io(count: int, folder: str, repeat: int) -> dict[str, float]:
    sim = Simulator(seed=1, keep_calls=10_000)
    with sim:
        start = time.perf_counter()
        populate(sim, count)
        replay = time.perf_counter() - start
        path = os.path.join(folder, f"state-{count}.json")
        service, profiles = sim._core(), sim._profiles()
        save = best(lambda: sim.save(path), repeat)
        doc = persist.document(service, profiles)
        dumps = best(lambda: json.dumps(doc, separators=(",", ":")), repeat)
        with open(path, "rb") as saved:
            data = saved.read()
        loads = best(lambda: json.loads(data), repeat)
        load = best(lambda: persist.load(path), repeat)
        indented = len(json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8"))
    return {
        "hits": count,
        "save": save,
        "dumps": dumps,
        "load": load,
        "loads": loads,
        "replay": replay,
        "bytes": len(data),
        "indented": indented,
    }


def worst_pause(count: int, folder: str, fork: bool | None, actions: int) -> tuple[float, int]:
    """The longest a client waited for one call while another client's calls made
    snapshots due every few hundred actions; and how many snapshots were begun.
    ``fork`` None: no snapshot at all (the floor: what the machine itself adds)."""
    saved = os.path.join(folder, f"pause-{count}.json")
    with Simulator(seed=1, keep_calls=10_000) as sim:
        populate(sim, count)
        sim.save(saved)
    path = os.path.join(folder, f"served-{count}-{fork}.json")
    every = max(actions // 3, 1)
    backend = open_state(path, {"seed": 1, "keep_calls": 10_000}, load=saved, every=every)
    store = backend.journal
    assert store is not None
    store.fork = store.fork and bool(fork)
    if fork is None:
        store.every = 10**9
    key = "AKIDEXAMPLE00000"
    stop = threading.Event()
    worst = [0.0]
    snapshots = [0]

    def reader() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            backend.call(Environment.SANDBOX, "GetAccountBalance", {}, key)
            worst[0] = max(worst[0], time.perf_counter() - start)
            time.sleep(0.001)

    watcher = threading.Thread(target=reader)
    watcher.start()
    args = {
        "Title": "t",
        "Description": "d",
        "Reward": "0.05",
        "LifetimeInSeconds": 600,
        "AssignmentDurationInSeconds": 60,
        "Question": "<ExternalQuestion xmlns='http://mechanicalturk.amazonaws.com/"
        "AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd'><ExternalURL>"
        "https://example.com/</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>",
    }
    begin = store.checkpoint

    def counted(make: Any) -> None:
        snapshots[0] += 1
        begin(make)

    store.checkpoint = counted  # type: ignore[method-assign]
    try:
        for n in range(actions):
            backend.call(Environment.SANDBOX, "CreateHIT", dict(args), key)
            time.sleep(0.0005)
            if n % every == every - 1:
                time.sleep(0.05)
    finally:
        stop.set()
        watcher.join()
        store._wait_for_child()
        store.release()
    return worst[0] * 1000, snapshots[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small states (a smoke run)")
    parser.add_argument("--large", action="store_true", help="100,000 HITs too")
    options = parser.parse_args()
    sizes = [200, 1000] if options.quick else [1000, 10_000]
    if options.large:
        sizes.append(100_000)
    repeat = 1 if options.large else 3
    with tempfile.TemporaryDirectory() as folder:
        rows = [state_io(count, folder, repeat) for count in sizes]
        print(f"state I/O (best of {repeat}; goals: save, load <= 3x json; load < replay)")
        print(
            f"{'HITs':>8} {'save/dumps':>11} {'load/loads':>11} {'load/replay':>12} "
            f"{'bytes/HIT':>10} {'previous':>9}"
        )
        for row in rows:
            print(
                f"{row['hits']:>8} {row['save'] / row['dumps']:>11.2f} "
                f"{row['load'] / row['loads']:>11.2f} {row['load'] / row['replay']:>12.2f} "
                f"{row['bytes'] / row['hits']:>10.0f} {row['indented'] / row['hits']:>9.0f}"
            )
        small = rows[0]
        for row in rows[1:]:
            scale = row["hits"] / small["hits"]
            print(
                f"per HIT at {row['hits']} vs {small['hits']} (linear: about 1): save "
                f"{row['save'] / small['save'] / scale:.2f}, load "
                f"{row['load'] / small['load'] / scale:.2f}"
            )
        pause_size = sizes[-1]
        actions = 300 if options.quick else 1500
        print(f"\nworst pause of a client while snapshots are taken ({pause_size} HITs; goal:")
        print(f"{PAUSE_GOAL_MS} ms or less)")
        choices: tuple[tuple[bool | None, str], ...] = (
            (None, "no snapshot"),
            (True, "forked child"),
            (False, "in place"),
        )
        for fork, label in choices:
            if fork and not hasattr(os, "fork"):
                continue
            pause, taken = worst_pause(pause_size, folder, fork, actions)
            verdict = "meets" if pause <= PAUSE_GOAL_MS else "misses"
            print(f"  {label:>13}: {pause:8.1f} ms over {taken} snapshots ({verdict} the goal)")


if __name__ == "__main__":
    main()
