"""HTTP service benchmark: python benchmarks/service.py [--duration 20] [--connections 32] [--pg URL]

Starts ``jiuzhu serve`` on loopback (``--workers``, default 2) with a throwaway deployment, then
drives it with ``wrk`` (Debian package ``wrk``; a bounded asyncio/httpx client if wrk is missing):

1. ``POST /v1/evaluate`` of one example case, ``--connections`` concurrent clients;
2. ``POST /v1/settlements`` on SQLite (and on PostgreSQL with ``--pg``, e.g. the URL that
   ``scripts/pg-throwaway.sh start DIR`` prints), every request a new settlement (its own key)
   spread over 500 synthetic persons, so year-to-date rows are shared.

Figures go to stdout; copy them into benchmarks/README.md with the machine, date and load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "plugins" / "fushun" / "examples" / "dibao-inpatient.toml"
TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(folder: Path) -> Path:
    from jiuzhu.service.auth import digest
    text = (ROOT / "examples" / "jiuzhu.toml").read_text(encoding="utf-8")
    text += (f'\n[service.tokens.bench]\nhash = "{digest(TOKEN)}"\nrole = "civil_affairs"\nregion = "fushun"\n')
    p = folder / "jiuzhu.toml"
    p.write_text(text, encoding="utf-8")
    return p


def case_body() -> dict:
    from jiuzhu.io.loader import load_case, unstructure_case
    return json.loads(json.dumps(unstructure_case(load_case(CASE))))


def id_numbers(n: int) -> list[str]:
    """Valid synthetic ID numbers (新抚区 210402, born 1950–1990), no real persons."""
    from jiuzhu.model.idcard import check_char
    out = []
    for i in range(n):
        body = f"210402{1950 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        out.append(body + check_char(body))
    return out


class Server:
    def __init__(self, cfg: Path, workers: int, db: str):
        self.port = free_port()
        cmd = [sys.executable, "-m", "jiuzhu", "--config", str(cfg), "serve", "--port", str(self.port),
               "--workers", str(workers), "--no-access-log", "--db", db]
        # the server's log goes to a file (a pipe nobody reads would block the server once full)
        self.log = tempfile.NamedTemporaryFile("w+b", prefix="jiuzhu-serve-", suffix=".log")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        import httpx
        for _ in range(300):
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    time.sleep(1.0)  # let every worker finish start-up
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"jiuzhu serve exited: {self.log_text()[-500:]}")
            time.sleep(0.1)
        raise SystemExit("jiuzhu serve did not answer /healthz")

    def log_text(self) -> str:
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read().decode(errors="replace")

    def problems(self) -> int:
        """Lines of the server log at ERROR or worse (500s, tracebacks)."""
        return sum(1 for line in self.log_text().splitlines() if line.startswith(("ERROR", "CRITICAL", "Traceback")))

    def stop(self):
        import signal
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:  # the server's own process group: its workers
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()


LUA_EVALUATE = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.body = [==[%(body)s]==]
"""

LUA_SETTLE = """
local ids = {%(ids)s}
local template = [==[%(body)s]==]
local n = 0
local thread_id = 0
local counter = 1
function setup(thread) thread:set("thread_id", counter); counter = counter + 1 end
request = function()
  n = n + 1
  local who = ids[(n * 7 + thread_id * 131) %% #ids + 1]
  local body = template:gsub("@KEY@", "bench-" .. thread_id .. "-" .. n .. "-" .. math.random(1, 1000000000))
  body = body:gsub("@ID@", who)
  return wrk.format("POST", "/v1/settlements", {["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer %(token)s"}, body)
end
"""

LUA_DONE = """
done = function(summary, latency, requests)
  local codes = 0
  io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %.3f, \\"errors\\": %d, \\"timeouts\\": %d, "
    .. "\\"non2xx\\": %d, \\"p50\\": %.3f, \\"p99\\": %.3f, \\"max\\": %.3f}\\n",
    summary.requests, summary.duration / 1e6, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.timeout, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def run_wrk(url: str, path: str, lua: str, duration: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(lua + LUA_DONE)
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", f.name,
                              url + path], capture_output=True, text=True, timeout=duration + 60).stdout
    finally:
        os.unlink(f.name)
    m = re.search(r"^JSON (.*)$", out, re.M)
    if not m:
        raise SystemExit(f"wrk gave no summary:\n{out}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / r["seconds"]
    r["client"] = f"wrk 2 threads, {connections} connections, {duration} s"
    return r


async def _client(url: str, path: str, bodies, total: int, connections: int) -> dict:
    """Bounded asyncio client: ``connections`` workers share ``total`` requests."""
    import httpx
    lat, bad = [], 0
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30,
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        async def worker():
            nonlocal bad
            for i in counter:
                t = time.perf_counter()
                r = await c.post(path, content=bodies(i), headers={"Content-Type": "application/json"})
                lat.append(time.perf_counter() - t)
                bad += r.status_code >= 300
        t0 = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(connections)])
        secs = time.perf_counter() - t0
    lat.sort()
    return {"requests": total, "seconds": secs, "rps": total / secs, "errors": 0, "non2xx": bad,
            "p50": statistics.median(lat) * 1000, "p99": lat[int(len(lat) * 0.99) - 1] * 1000, "max": lat[-1] * 1000,
            "client": f"httpx asyncio, {connections} concurrent, {total} requests"}


def settle_body(template: dict) -> str:
    raw = json.loads(json.dumps(template))
    raw["id"] = "@KEY@"
    raw["person"]["id_number"] = "@ID@"
    return json.dumps(raw, ensure_ascii=False)


def bench(url: str, kind: str, body: dict, args) -> dict:
    ids = id_numbers(500)
    if shutil.which("wrk") and not args.httpx:
        if kind == "evaluate":
            lua = LUA_EVALUATE % {"token": TOKEN, "body": json.dumps(body, ensure_ascii=False)}
            return run_wrk(url, "/v1/evaluate", lua, args.duration, args.connections)
        lua = LUA_SETTLE % {"token": TOKEN, "body": settle_body(body), "ids": ", ".join(f'"{i}"' for i in ids)}
        return run_wrk(url, "/v1/settlements", lua, args.duration, args.connections)
    path = "/v1/evaluate" if kind == "evaluate" else "/v1/settlements"
    text = settle_body(body)

    def bodies(i):
        if kind == "evaluate":
            return json.dumps(body, ensure_ascii=False).encode()
        return text.replace("@KEY@", f"bench-{time.time_ns()}-{i}").replace("@ID@", ids[i % len(ids)]).encode()
    return asyncio.run(_client(url, path, bodies, args.requests, args.connections))


def show(name: str, r: dict) -> None:
    print(f"{name:<34} {r['rps']:>8.0f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
          f"max {r['max']:6.1f} ms  non-2xx {r['non2xx']}  errors {r['errors']} (timeouts {r.get('timeouts', 0)})  "
          f"server log errors {r.get('log', '?')}  ({r['client']})", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--requests", type=int, default=5000, help="with --httpx: requests per run")
    ap.add_argument("--httpx", action="store_true", help="use the asyncio/httpx client even if wrk is installed")
    ap.add_argument("--pg", default=None, help="also settle on this PostgreSQL URL (an empty, upgraded database)")
    ap.add_argument("--only", choices=["evaluate", "settle"], default=None)
    args = ap.parse_args()
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.1f}, "
          f"workers {args.workers}")
    body = case_body()
    with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-") as tmp:
        cfg = config(Path(tmp))
        def upgrade(url):
            subprocess.run([sys.executable, "-m", "jiuzhu", "--config", str(cfg), "db", "upgrade", "--db", url],
                           check=True, capture_output=True)

        if args.only != "settle":
            upgrade(f"sqlite:///{tmp}/evaluate.db")
            s = Server(cfg, args.workers, f"sqlite:///{tmp}/evaluate.db")
            try:
                r = bench(s.url, "evaluate", body, args)
                r["log"] = s.problems()
                show("POST /v1/evaluate", r)
            finally:
                s.stop()
        if args.only == "evaluate":
            return
        dbs = [("SQLite", f"sqlite:///{tmp}/bench.db")] + ([("PostgreSQL", args.pg)] if args.pg else [])
        for name, url in dbs:
            print(f"# load average {os.getloadavg()[0]:.1f} before the {name} run", flush=True)
            upgrade(url)
            s = Server(cfg, args.workers, url)
            try:
                r = bench(s.url, "settle", body, args)
                r["log"] = s.problems()
                show(f"POST /v1/settlements ({name})", r)
            finally:
                s.stop()


if __name__ == "__main__":
    main()
