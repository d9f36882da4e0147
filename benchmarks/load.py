"""Load test of the explorer (issue 6): simulated readers moving the scenario levers.

It starts ``kazind serve`` on a free port of 127.0.0.1 (loopback only), then

1. **single**: one reader alone changes a lever ``--single`` times in a row (the
   latency of one lever change with nothing else going on);
2. **load**: ``--users`` readers (threads, one HTTP session each) each load the page and
   then change levers one after another, without pause, for ``--seconds`` seconds or
   until ``--max-requests`` requests in all, whichever comes first.

A lever change is the request the browser sends when a slider of the scenarios tab is
moved: a POST to ``/_dash-update-component`` for the callback that has the lever sliders
among its inputs, carrying every input's current value (scenarios picked, all six
levers, the ensemble switch and size, the language), the moved lever in
``changedPropIds``, and the page's ``endId``. The payload is built from the app's own
callback map (``/_dash-dependencies``) and initial values (``/_dash-layout``), in the
form the browser sends (``tests/test_browser.py`` drives the real page). Each reader
moves one lever at a time to a random value on the slider's grid, so nearly every
change is a fresh model run (the app caches 256 lever settings).

An answer counts as an error if the status is not 200, the body is not the callback's
JSON, the outcome table is empty, or the page's message line is not empty (the app
turns exceptions into a message). The server runs as ``kazind serve --workers N`` ships
it: gunicorn, the app preloaded in its master and N worker processes of a few threads
each.

It prints p50/p95 latency, requests and errors for both phases, then machine-readable
lines::

    single_p50_ms=X
    single_p95_ms=X
    load_p50_ms=X
    load_p95_ms=X
    load_requests=N
    load_rps=X
    load_errors=N

Run: ``.venv/bin/python benchmarks/load.py`` (``--help`` for options). Exit status 1
if any request failed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

LEVER_PREFIX = "lever-"
HOST = "127.0.0.1"


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(
    port: int, log_path: Path, timeout: float = 120.0, workers: int = 1
) -> subprocess.Popen:
    script = Path(sys.executable).with_name("kazind")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "kazind"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*base, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)],
            cwd=log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}/"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"kazind serve exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"kazind serve did not answer {url} in {timeout:.0f} s")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------- the lever callback


def walk(node, found: dict) -> None:
    """Collect ``id -> props`` of every component in a Dash layout (JSON)."""
    if isinstance(node, list):
        for child in node:
            walk(child, found)
        return
    if not isinstance(node, dict):
        return
    props = node.get("props")
    if isinstance(props, dict):
        if isinstance(props.get("id"), str):
            found[props["id"]] = props
        for value in props.values():
            walk(value, found)


class LeverCallback:
    """The callback the lever sliders feed, and how to call it as the browser does."""

    def __init__(self, base: str, session: requests.Session):
        deps = session.get(base + "_dash-dependencies", timeout=30).json()
        layout = session.get(base + "_dash-layout", timeout=30).json()
        props: dict = {}
        walk(layout, props)
        matches = [
            d
            for d in deps
            if any(
                i["id"].startswith(LEVER_PREFIX) and i["property"] == "value" for i in d["inputs"]
            )
        ]
        # the view, not the reset button's callback (whose outputs are the levers), nor the
        # levers' readouts (clientside: the browser runs them and sends nothing)
        matches = [
            d
            for d in matches
            if not d["output"].startswith(".." + LEVER_PREFIX) and not d.get("clientside_function")
        ]
        if len(matches) != 1:
            raise SystemExit(f"expected one callback fed by the levers, found {len(matches)}")
        dep = matches[0]
        self.output = dep["output"]
        self.outputs = self._outputs(dep["output"])
        self.inputs = [(i["id"], i["property"]) for i in dep["inputs"]]
        self.state = [(s["id"], s["property"]) for s in dep.get("state", [])]
        self.values = {key: props.get(key[0], {}).get(key[1]) for key in self.inputs + self.state}
        self.levers = {}
        for cid, prop in self.inputs:
            if cid.startswith(LEVER_PREFIX) and prop == "value":
                p = props[cid]
                self.levers[cid] = (float(p["min"]), float(p["max"]), float(p.get("step") or 1))
        self.table_id = next((cid for cid, prop in self.outputs if prop == "data"), None)
        # the tab's alert line (the charts' number tables are 'children' outputs too)
        self.message_id = next(
            (cid for cid, prop in self.outputs if prop == "children" and cid.endswith("message")),
            None,
        )

    @staticmethod
    def _outputs(output: str) -> list[tuple[str, str]]:
        parts = output.strip(".").split("...") if output.startswith("..") else [output]
        return [tuple(p.rsplit(".", 1)) for p in parts]

    def random_change(self, rng: random.Random, values: dict) -> tuple[str, float]:
        """Move one lever to a random point of its grid (not its current value)."""
        cid = rng.choice(sorted(self.levers))
        low, high, step = self.levers[cid]
        n = int(round((high - low) / step))
        current = values[(cid, "value")]
        while True:
            v = round(low + step * rng.randint(0, n), 10)
            if v != current:
                return cid, v

    def payload(self, values: dict, changed: str) -> dict:
        def item(key):
            return {"id": key[0], "property": key[1], "value": values[key]}

        body = {
            "output": self.output,
            "outputs": [{"id": c, "property": p} for c, p in self.outputs],
            "inputs": [item(k) for k in self.inputs],
            "changedPropIds": [f"{changed}.value"],
            "parsedChangedPropsIds": [f"{changed}.value"],
        }
        if self.state:
            body["state"] = [item(k) for k in self.state]
        return body

    def check(self, resp: requests.Response) -> str | None:
        """None if the answer is a good one, else what is wrong with it."""
        if resp.status_code != 200:
            return f"HTTP {resp.status_code}"
        try:
            answer = resp.json()["response"]
        except (ValueError, KeyError, TypeError):
            return "not a callback answer"
        if self.table_id and not answer.get(self.table_id, {}).get("data"):
            return "empty outcome table"
        message = answer.get(self.message_id, {}).get("children") if self.message_id else ""
        if message:
            return f"message: {message}"
        return None


# ---------------------------------------------------------------- readers


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def add(self, ms: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(ms)
            else:
                self.errors.append(error)


END_ID = re.compile(r'"end_id"\s*:\s*"([^"]+)"')


def reader(
    base: str,
    cb: LeverCallback,
    seed: int,
    stop: threading.Event,
    budget,
    results: Results,
    count: int | None = None,
) -> None:
    """One reader: load the page, then change levers until stopped (or ``count`` times)."""
    rng = random.Random(seed)
    with requests.Session() as s:
        s.headers.update({"Content-Type": "application/json", "Accept": "application/json"})
        page = s.get(base, timeout=30)
        m = END_ID.search(page.text)
        url = base + "_dash-update-component" + (f"?endId={m.group(1)}" if m else "")
        values = dict(cb.values)
        done = 0
        while not stop.is_set() and (count is None or done < count) and budget():
            cid, v = cb.random_change(rng, values)
            values[(cid, "value")] = v
            body = json.dumps(cb.payload(values, cid))
            t0 = time.perf_counter()
            try:
                resp = s.post(url, data=body, timeout=60)
                error = cb.check(resp)
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}"
            results.add((time.perf_counter() - t0) * 1000, error)
            done += 1


def percentile(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--users", type=int, default=20, help="concurrent readers (default 20, at most 100)"
    )
    ap.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="length of the load phase (default 60, at most 600)",
    )
    ap.add_argument(
        "--max-requests", type=int, default=20_000, help="cap on requests in the load phase"
    )
    ap.add_argument(
        "--single",
        type=int,
        default=40,
        help="lever changes by one reader alone first (default 40)",
    )
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument(
        "--workers", type=int, default=1, help="passed to 'kazind serve --workers' (default 1)"
    )
    args = ap.parse_args(argv)
    if (
        not 1 <= args.users <= 100
        or not 0 < args.seconds <= 600
        or args.max_requests < 1
        or args.single < 0
    ):
        ap.error("--users 1..100, --seconds up to 600, --max-requests >= 1, --single >= 0")

    with tempfile.TemporaryDirectory(prefix="kazind-load-") as tmp:
        port = free_port()
        t0 = time.perf_counter()
        proc = start_server(port, Path(tmp) / "serve.log", workers=args.workers)
        print(f"kazind serve on {HOST}:{port} answered after {time.perf_counter() - t0:.1f} s")
        try:
            base = f"http://{HOST}:{port}/"
            with requests.Session() as s:
                cb = LeverCallback(base, s)
            print(
                f"lever callback: {cb.output} with {len(cb.inputs)} inputs, {len(cb.levers)} levers"
            )

            single = Results()
            if args.single:
                reader(
                    base, cb, args.seed, threading.Event(), lambda: True, single, count=args.single
                )

            load = Results()
            stop = threading.Event()
            issued = iter(range(args.max_requests))
            issued_lock = threading.Lock()

            def budget() -> bool:
                with issued_lock:
                    return next(issued, None) is not None

            threads = [
                threading.Thread(
                    target=reader,
                    args=(base, cb, args.seed + 1 + i, stop, budget, load),
                    daemon=True,
                )
                for i in range(args.users)
            ]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            stop.wait(args.seconds)
            stop.set()
            for t in threads:
                t.join(timeout=90)
            elapsed = time.perf_counter() - t0
        finally:
            stop_server(proc)

    n_load = len(load.latencies) + len(load.errors)
    rows = [
        ("single reader", single, len(single.latencies) + len(single.errors), None),
        (f"{args.users} readers, {elapsed:.0f} s", load, n_load, n_load / elapsed),
    ]
    print(
        f"\n{'phase':<24}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}"
    )
    for name, r, n, rps in rows:
        lat = r.latencies
        print(
            f"{name:<24}{n:>9}{len(r.errors):>8}{percentile(lat, 50):>9.0f}{percentile(lat, 95):>9.0f}"
            f"{max(lat, default=float('nan')):>9.0f}{'' if rps is None else f'{rps:.1f}':>8}"
        )
    for r in (single, load):
        for e in sorted(set(r.errors))[:5]:
            print(f"  error: {e} (x{r.errors.count(e)})")
    print(f"single_p50_ms={percentile(single.latencies, 50):.0f}")
    print(f"single_p95_ms={percentile(single.latencies, 95):.0f}")
    print(f"load_p50_ms={percentile(load.latencies, 50):.0f}")
    print(f"load_p95_ms={percentile(load.latencies, 95):.0f}")
    print(f"load_requests={n_load}")
    print(f"load_rps={n_load / elapsed:.1f}")
    print(f"load_errors={len(load.errors)}")
    return 1 if load.errors or single.errors else 0


if __name__ == "__main__":
    sys.exit(main())
