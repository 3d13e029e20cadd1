"""Load benchmark of the production server: ``python -m benchmarks.load``.

Starts the API the way production runs it (gunicorn with 2 workers on loopback, see
``--server``), drives it with wrk (a second process: ``apt-get install -y wrk``) at 16
connections, cycling the dev queries as full search responses (hits with snippets, facets),
and prints requests/s, p50, p99 and the error count. A second run repeats this while
``kb build`` rebuilds the index (a source is added), and checks that no request failed and
that the server answers from the new index afterwards.

By default it works on a throw-away project in a temporary folder whose sources/ links to
this repository's sources/ (plus a writable folder for the added source), so the repository
is never modified. Goals (issue 3): ≥ 600 requests/s, p99 < 50 ms, no errors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_QUERIES = [REPO / "tests" / "data" / "dev.json", Path("/work/shared/eval/dev.json")]

SERVERS = {
    # name: (gunicorn worker class or None for plain uvicorn, application)
    "gunicorn-uvicorn": ["-k", "uvicorn_worker.UvicornWorker", "kb.api.asgi:app"],
    "gunicorn-asgi": ["-k", "asgi", "kb.api.asgi:app"],
    "gunicorn-gthread": ["-k", "gthread", "--threads", "4", "kb.api.wsgi:application"],
    "uvicorn": None,
}

LUA = r"""
local paths = {}
local idx = 0
local counter = 0
local threads = {}
bad = 0
timed_out = 0
setup = function(thread)
  thread:set("offset", counter * 11)
  counter = counter + 1
  table.insert(threads, thread)
end
init = function(args)
  for line in io.lines(args[1]) do table.insert(paths, line) end
  idx = (tonumber(offset) or 0) % #paths
end
request = function()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx])
end
response = function(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif string.find(body, '"timed_out":true', 1, true) then
    timed_out = timed_out + 1
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local not200, tmo = 0, 0
  for _, t in ipairs(threads) do
    not200 = not200 + (tonumber(t:get("bad")) or 0)
    tmo = tmo + (tonumber(t:get("timed_out")) or 0)
  end
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
    .. '"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"not200":%d,'
    .. '"timed_out":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout, not200, tmo))
end
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_queries(path: Path | None) -> list[str]:
    candidates = [path] if path else DEFAULT_QUERIES
    for candidate in candidates:
        if candidate and candidate.exists():
            data = json.loads(candidate.read_text(encoding="utf-8"))
            return [item["query"] for item in data]
    raise SystemExit(f"No dev queries found (tried {', '.join(map(str, candidates))}); pass --queries.")


def prepare_project(root: Path | None, keep: bool) -> tuple[Path, Path | None]:
    """The project to serve: --root as given, or a temporary one linking this repo's sources/."""
    if root is not None:
        return root.resolve(), None
    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    (tmp / "sources").mkdir()
    for child in (REPO / "sources").iterdir():
        os.symlink(child, tmp / "sources" / child.name)
    if (REPO / "mkdocs.yml").exists():
        shutil.copyfile(REPO / "mkdocs.yml", tmp / "mkdocs.yml")
    return tmp, (None if keep else tmp)


def kb_build(root: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "build", "--root", str(root), "--no-site", "--quiet", "--wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def get(base: str, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start_server(name: str, root: Path, port: int, workers: int, cache_size: int | None) -> subprocess.Popen:
    env = dict(os.environ, KB_ROOT=str(root), PYTHONUNBUFFERED="1")
    if cache_size is not None:
        env["KB_CACHE_SIZE"] = str(cache_size)
    if SERVERS[name] is None:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "kb.api.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    else:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *SERVERS[name],
        ]
    log(f"server: {' '.join(cmd[1:])}")
    return subprocess.Popen(cmd, env=env, start_new_session=True)


def wait_ready(base: str, proc: subprocess.Popen, workers: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    ok = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}")
        try:
            if get(base, "/api/health", timeout=5)[0] == 200:
                ok += 1
                if ok >= workers * 3:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_wrk(base: str, paths_file: Path, script: Path, duration: int, connections: int, threads: int):
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        base,
        "--",
        str(paths_file),
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse_wrk(output: str) -> dict:
    for line in output.splitlines():
        if line.startswith("RESULT "):
            r = json.loads(line[len("RESULT ") :])
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            transport = r["connect"] + r["read"] + r["write"] + r["timeout"]
            r["errors"] = transport + max(r["status"], r["not200"]) + r["timed_out"]
            return r
    raise SystemExit("wrk printed no result:\n" + output)


def describe(label: str, r: dict) -> str:
    return (
        f"{label}: {r['rps']:.0f} req/s, p50 {r['p50_us'] / 1000:.1f} ms, p90 {r['p90_us'] / 1000:.1f} ms, "
        f"p99 {r['p99_us'] / 1000:.1f} ms, max {r['max_us'] / 1000:.0f} ms, {r['requests']} requests, "
        f"errors {r['errors']} (connect {r['connect']}, read {r['read']}, write {r['write']}, "
        f"timeout {r['timeout']}, non-200 {r['not200']}, answered timed_out {r['timed_out']})"
    )


def check_full_responses(base: str, paths: list[str]) -> float:
    """Every dev query answers 200 with hits carrying snippets and the three facets; mean body size."""
    sizes = []
    for path in paths:
        status, body = get(base, path, timeout=30)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {body[:200]!r}")
        data = json.loads(body)
        assert set(data["facets"]) == {"tags", "publisher", "type"}, path
        assert all("snippet" in h for h in data["hits"]), path
        sizes.append(len(body))
    return sum(sizes) / len(sizes)


def warm_up(base, paths_file, script, args) -> None:
    """Load in 5-s passes until a pass has p99 < 50 ms (each worker's response cache holds the
    dev queries) or --warmup seconds have passed."""
    started = time.monotonic()
    while True:
        r = parse_wrk(run_wrk(base, paths_file, script, 5, args.connections, args.threads).communicate()[0])
        elapsed = time.monotonic() - started
        log(describe(f"warm-up pass ({elapsed:.0f} s)", r))
        if r["p99_us"] < 50_000 or elapsed >= args.warmup:
            return


def rebuild_run(base, root, paths_file, script, args) -> tuple[dict, dict]:
    word = "benchmarkord" + "".join(chr(ord("a") + int(c)) for c in str(time.time_ns())[-8:])
    marker_dir = root / "sources" / "bench-rebuild"
    marker_dir.mkdir(exist_ok=True)
    marker = marker_dir / f"{word}.md"
    _, before = get(base, "/api/health")
    old_version = json.loads(before)["index_version"]
    wrk = run_wrk(base, paths_file, script, args.rebuild_duration, args.connections, args.threads)
    time.sleep(2)
    marker.write_text(f"# Ombyggnadstest\n\nOrdet {word} finns bara i det nya indexet.\n", encoding="utf-8")
    started = time.monotonic()
    build = kb_build(root)
    switched_at = None
    while build.poll() is None or wrk.poll() is None:
        if switched_at is None:
            try:
                _, body = get(base, "/api/health", timeout=5)
                if json.loads(body)["index_version"] != old_version:
                    switched_at = time.monotonic() - started
            except (OSError, ValueError, KeyError):
                pass
        time.sleep(0.25)
    build_out = build.stdout.read()
    build_seconds = time.monotonic() - started
    result = parse_wrk(wrk.stdout.read())
    _, after = get(base, "/api/health")
    new_version = json.loads(after)["index_version"]
    hits = []
    for _ in range(args.workers * 3):  # ask every worker
        _, body = get(base, "/api/search?" + urllib.parse.urlencode({"q": word}))
        hits.append(json.loads(body)["total"])
    info = {
        "build_exit": build.returncode,
        "build_seconds": round(build_seconds, 1),
        "build_output": build_out.strip().splitlines()[-2:],
        "old_version": old_version,
        "new_version": new_version,
        "switched_after_s": None if switched_at is None else round(switched_at, 1),
        "new_word_hits_per_request": hits,
    }
    if not args.keep_marker:
        shutil.rmtree(marker_dir, ignore_errors=True)
    return result, info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, help="serve this project (default: a temporary copy-by-link of sources/)")
    p.add_argument("--queries", type=Path, help="judged queries JSON (default tests/data/dev.json)")
    p.add_argument("--server", choices=[*SERVERS, "all"], default="gunicorn-uvicorn")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--duration", type=int, default=20)
    p.add_argument("--warmup", type=int, default=60, help="at most this many seconds of warm-up load")
    p.add_argument("--rebuild-duration", type=int, default=40, help="length of the run during `kb build`")
    p.add_argument("--no-rebuild", action="store_true", help="skip the run during a rebuild")
    p.add_argument("--cache-size", type=int, default=None, help="KB_CACHE_SIZE for the server (0: no cache)")
    p.add_argument("--keep", action="store_true", help="keep the temporary project")
    p.add_argument("--keep-marker", action="store_true", help="leave the added source in place (with --root)")
    p.add_argument("--json", action="store_true", help="also print all figures as JSON")
    args = p.parse_args(argv)

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    queries = load_queries(args.queries)
    paths = ["/api/search?" + urllib.parse.urlencode({"q": q, "limit": 10}) for q in queries]
    root, cleanup = prepare_project(args.root, args.keep)
    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-wrk-"))
    script, paths_file = workdir / "dev.lua", workdir / "paths.txt"
    script.write_text(LUA, encoding="utf-8")
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    report: dict = {"cpus": os.cpu_count(), "load_before": os.getloadavg()[0], "queries": len(queries), "runs": {}}
    try:
        if not (root / "build" / "index" / "current").exists():
            log(f"building the index in {root} …")
            b = kb_build(root)
            out, _ = b.communicate()
            if b.returncode:
                raise SystemExit("kb build failed:\n" + out)
        servers = [s for s in SERVERS if s != "all"] if args.server == "all" else [args.server]
        log(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the runs")
        for name in servers:
            if name == "gunicorn-gthread":
                try:
                    import a2wsgi  # noqa: F401
                except ImportError:
                    log("skipping gunicorn-gthread: pip install a2wsgi")
                    continue
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            proc = start_server(name, root, port, args.workers, args.cache_size)
            try:
                wait_ready(base, proc, args.workers)
                size = check_full_responses(base, paths)
                log(f"{len(paths)} dev queries answer 200 with snippets and facets (mean body {size / 1024:.1f} KiB)")
                warm_up(base, paths_file, script, args)
                result = parse_wrk(
                    run_wrk(base, paths_file, script, args.duration, args.connections, args.threads).communicate()[0]
                )
                print(describe(f"{name}, {args.workers} workers, {args.connections} connections", result), flush=True)
                report["runs"][name] = {"steady": result, "mean_body_bytes": size}
                if not args.no_rebuild and args.server != "all":
                    rebuilt, info = rebuild_run(base, root, paths_file, script, args)
                    print(describe(f"during kb build ({args.rebuild_duration} s run)", rebuilt), flush=True)
                    switched = info["new_version"] != info["old_version"] and all(info["new_word_hits_per_request"])
                    print(
                        f"rebuild: exit {info['build_exit']} after {info['build_seconds']} s, index "
                        f"{info['old_version']} -> {info['new_version']} (seen after {info['switched_after_s']} s), "
                        f"new source found by {sum(1 for h in info['new_word_hits_per_request'] if h)}/"
                        f"{len(info['new_word_hits_per_request'])} requests: "
                        f"{'switched' if switched else 'NOT SWITCHED'}",
                        flush=True,
                    )
                    report["runs"][name].update(rebuild=rebuilt, rebuild_info=info)
            finally:
                stop_server(proc)
        goal = all(
            r["steady"]["rps"] >= 600 and r["steady"]["p99_us"] < 50_000 and r["steady"]["errors"] == 0
            for r in report["runs"].values()
        )
        print(f"goals (>= 600 req/s, p99 < 50 ms, no errors): {'met' if goal else 'NOT met'}")
        if args.json:
            print(json.dumps(report, indent=1, default=str))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if cleanup:
            shutil.rmtree(cleanup, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
