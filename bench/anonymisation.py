"""How well the anonymisation help finds people and places, and what it costs.

    .venv/bin/python bench/anonymisation.py

Reads the corpus in tests/data/anonymisation/ (sentences written for this project: ones
that identify someone, and clean CPD prose), runs the whole check (app.anonymisation
.find_identifiers, structured identifiers and people and places) on each sentence, and
prints, for the part the rules were tuned on and for the held-out part separately, how
many identifying sentences got a warning and how many clean ones got a false alarm. Then
the time for a 3,000-character answer (median and p95 of 200 runs over answers made of
corpus sentences) and how much a worker's memory grows when the check's data is loaded.
Bounded: about 500 checks; no network, no server.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "data" / "anonymisation"
RUNS = 200
ANSWER_CHARACTERS = 3000


def sentences(name: str) -> list[str]:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    from app import people
    from app.anonymisation import describe, find_identifiers

    # A worker has imported the app already: what the check adds is its data.
    before = rss_kb()
    started = time.perf_counter()
    people.configure(terms_file=None, cache_dir=None)  # the cold path: read the data set
    load_seconds = time.perf_counter() - started
    growth_mb = (rss_kb() - before) / 1024
    verbose = "-v" in sys.argv
    for part in ("tune", "heldout"):
        identifying = sentences(f"identifying-{part}.txt")
        clean = sentences(f"clean-{part}.txt")
        found = [s for s in identifying if find_identifiers(s)]
        alarms = [s for s in clean if find_identifiers(s)]
        print(
            f"{part:8} identifying found {len(found)}/{len(identifying)} "
            f"({100 * len(found) / len(identifying):.1f}%); "
            f"false alarms on clean {len(alarms)}/{len(clean)} "
            f"({100 * len(alarms) / len(clean):.1f}%)"
        )
        if verbose:
            for s in identifying:
                if s not in found:
                    print("   MISSED", s)
            for s in clean:
                if s in alarms:
                    print("   ALARM ", s, [describe(f) for f in find_identifiers(s)])
    pool = sentences("identifying-tune.txt") + sentences("clean-tune.txt")
    rng = random.Random(20)
    answers = []
    for _ in range(RUNS):
        answer = ""
        while len(answer) < ANSWER_CHARACTERS:
            answer += rng.choice(pool) + " "
        answers.append(answer[:ANSWER_CHARACTERS])
    # Wall-clock time is what a person waits; CPU time is what the check itself costs
    # (on a shared 2-core machine the difference is time spent waiting for a core).
    times, cpu_times = [], []
    for answer in answers:
        t, c = time.perf_counter(), time.process_time()
        find_identifiers(answer)
        times.append((time.perf_counter() - t) * 1000)
        cpu_times.append((time.process_time() - c) * 1000)
    for label, measured in (("wall-clock", times), ("CPU", cpu_times)):
        measured.sort()
        p95 = measured[int(0.95 * len(measured)) - 1]
        print(
            f"3,000-character answer, {label}: median {statistics.median(measured):.1f} ms, "
            f"p95 {p95:.1f} ms, max {measured[-1]:.1f} ms ({RUNS} runs)"
        )
    # A document's text is checked in the worker after the child process has read it, up
    # to app.uploads.extraction.MAX_TEXT_CHARACTERS: the most one document can cost.
    from app.uploads.extraction import MAX_TEXT_CHARACTERS

    document = (" ".join(answers))[:MAX_TEXT_CHARACTERS]
    t, c = time.perf_counter(), time.process_time()
    find_identifiers(document)
    print(
        f"a document's text at the {MAX_TEXT_CHARACTERS:,}-character limit: "
        f"{(time.perf_counter() - t) * 1000:.0f} ms wall-clock, "
        f"{(time.process_time() - c) * 1000:.0f} ms CPU"
    )
    print(
        f"worker memory growth when the data is loaded: {growth_mb:.1f} MB RSS "
        f"(loaded in {load_seconds:.1f} s, names read by a child process); "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
