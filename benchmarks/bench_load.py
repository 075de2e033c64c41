"""End-to-end load benchmark (`make bench`): fake Bot API server -> bot (long polling, as in
production) -> Rasa -> action server -> referral directory -> reply back at the fake server.

Simulated users (distinct chats) send a realistic mix: knowledge questions in the three forms,
referral requests with places, button taps and GPS locations. Each user waits for the reply (and a
second of "reading") before writing again, so each update's reply is known. For every offered rate
it reports achieved messages/s, reply latency p50/p95/p99 (update available -> the bot's sendMessage
arriving), errors, lost replies, and CPU and memory of each process. Writes var/bench/load.json and
var/bench/load.png.

    .venv/bin/python benchmarks/bench_load.py --rates 10 20 40 60 --seconds 60 --users 1000
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.stack import RasaStack  # noqa: E402

MIX = [
    ("text", "what is human trafficking?"), ("text", "মানব পাচার কী?"), ("text", "manob pachar ki jinish?"),
    ("text", "is it legal to marry at 16?"), ("text", "বাল্যবিবাহ আইনে শাস্তি কী?"), ("text", "school er upobritti kivabe pabo"),
    ("text", "legal aid office in jessore"), ("text", "খুলনায় নিরাপদ আশ্রয়কেন্দ্র কোথায়?"), ("text", "sylhet e OCC ache?"),
    ("text", "someone offered my sister a job in dubai, is it safe?"), ("text", "ami khub bhoy pacchi, kichu bhalo lage na"),
    ("text", "hello"), ("text", "dhonnobad"), ("payload", "/help"), ("payload", "/hotline_numbers"),
    ("payload", "/child_marriage_law"), ("payload", "/find_legal_aid"),
    ("gps", (22.82, 89.55)), ("gps", (23.17, 89.21)), ("gps", (24.90, 91.87)),
]


def proc_stats(pid: int) -> dict:
    """CPU seconds and resident memory of one process, from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as fh:
        status = dict(line.split(":", 1) for line in fh if ":" in line)
    return {"cpu_s": (int(fields[11]) + int(fields[12])) / ticks,
            "rss_mb": int(status["VmRSS"].split()[0]) / 1024, "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run_rate(fake: FakeTelegram, rate: float, seconds: float, users: int, chat_base: int) -> dict:
    """Offer ``rate`` messages/s for ``seconds``; returns latency and loss figures."""
    free = asyncio.Queue()
    for chat in range(chat_base, chat_base + users):
        free.put_nowait(chat)
    pending: dict[int, tuple[float, int]] = {}  # chat -> (sent at, replies seen before)
    latencies: list[float] = []
    lost = 0
    busy_skipped = 0

    async def watch(chat: int, sent_at: float, seen: int) -> None:
        nonlocal lost
        try:
            await fake.wait_for(chat, seen + 1, timeout=10)
            latencies.append(time.monotonic() - sent_at)
            await asyncio.sleep(1.0)  # the user reads before writing again
        except asyncio.TimeoutError:
            lost += 1
        free.put_nowait(chat)

    watchers = []
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        target = started + sent / rate
        await asyncio.sleep(max(0.0, target - time.monotonic()))
        if free.empty():
            busy_skipped += 1
            sent += 1
            continue
        chat = free.get_nowait()
        kind, value = random.choice(MIX)
        seen = len(fake.sent(chat))
        at = time.monotonic()
        if kind == "gps":
            fake.send_location(chat, chat, *value)
        elif kind == "payload":
            fake.tap(chat, chat, value)
        else:
            fake.send_text(chat, chat, value)
        watchers.append(asyncio.create_task(watch(chat, at, seen)))
        sent += 1
    elapsed = time.monotonic() - started
    await asyncio.gather(*watchers)
    answered = len(latencies)
    return {"offered_per_s": rate, "seconds": round(elapsed, 1), "messages": len(watchers),
            "achieved_per_s": round(answered / elapsed, 2), "p50_ms": round(percentile(latencies, .5) * 1000),
            "p95_ms": round(percentile(latencies, .95) * 1000), "p99_ms": round(percentile(latencies, .99) * 1000),
            "lost": lost, "not_sent_all_users_busy": busy_skipped}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 20, 40, 60])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    stack = RasaStack(workdir).start()
    fake = await FakeTelegram().start()
    # The bot runs as in production: its own process, long polling (python -m bot.telegram_app).
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:BENCH", "TELEGRAM_BASE_URL": fake.base_url, "RASA_URL": stack.url,
           "TRACKER_DB_URL": f"sqlite:///{stack.tracker_db}", "DATABASE_URL": f"sqlite:///{workdir / 'referral.db'}",
           "VAR_DIR": str(workdir),
           # Telegram caps a bot near 30 sends/s; the benchmark measures the pipeline past that ceiling.
           "TELEGRAM_MAX_SENDS_PER_S": os.environ.get("TELEGRAM_MAX_SENDS_PER_S", "0")}
    bot_log = workdir / "bot.log"
    bot = subprocess.Popen([sys.executable, "-m", "bot.telegram_app"], cwd=ROOT, env=env,
                           stdout=open(bot_log, "wb"), stderr=subprocess.STDOUT)
    fake.send_text(1, 1, "hello")
    await fake.wait_for(1, 1, timeout=120)
    cold_start_s = time.monotonic() - started
    print(f"cold start to first answered message: {cold_start_s:.1f} s")

    processes = {"rasa": stack.rasa_procs[0].pid, "actions": stack.actions_proc.pid, "bot": bot.pid,
                 "fake Bot API + load generator": os.getpid()}
    results = []
    try:
        for i, rate in enumerate(args.rates):
            before = {name: proc_stats(pid) for name, pid in processes.items()}
            result = await run_rate(fake, rate, args.seconds, args.users, chat_base=100_000 * (i + 1))
            after = {name: proc_stats(pid) for name, pid in processes.items()}
            result["processes"] = {name: {"cpu_percent": round(100 * (after[name]["cpu_s"] - before[name]["cpu_s"]) / result["seconds"]),
                                          "rss_mb": round(after[name]["rss_mb"]), "peak_rss_mb": round(after[name]["peak_rss_mb"])}
                                   for name in processes}
            results.append(result)
            print(json.dumps(result))
    finally:
        bot.terminate()
        bot.wait(timeout=30)
        await fake.stop()
        stack.stop()
    report = {"cold_start_s": round(cold_start_s, 1), "users": args.users, "rates": results,
              "peak_memory_mb_all_processes": sum(max(r["processes"][p]["peak_rss_mb"] for r in results) for p in processes)}
    (out / "load.json").write_text(json.dumps(report, indent=1))
    chart(results, out / "load.png")
    print(f"wrote {out / 'load.json'} and {out / 'load.png'}")


def chart(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    offered = [r["offered_per_s"] for r in results]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        ax.plot(offered, [r[key] for r in results], marker="o", label=key.replace("_ms", ""))
    ax.set_xlabel("offered load (messages/s)")
    ax.set_ylabel("reply latency (ms)")
    ax.set_title("End-to-end reply latency (fake Bot API -> bot -> Rasa -> actions)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    asyncio.run(main())
