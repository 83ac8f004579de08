"""Load benchmark: HMS served the production way, each role's main pages against a bare "hello" view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_big REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/load.py [--server gunicorn|daphne] [--workers 2] [--port 8300]

Needs the scale data (`manage.py generate_scale_data`) in that database and `wrk` (apt-get install wrk).
In one run it prints:

1. single user, warm: every page's server time (p50/p95 of --samples requests through the whole Django stack,
   in this process) and its number of SQL queries;
2. throughput: the server (`--workers` processes, DEBUG=0, the pooled database) under wrk at each
   --concurrency for each main page and for bench/hello/, interleaved and repeated --rounds times; medians of
   req/s, p50 and p95, errors, and each page's req/s as a share of hello's;
3. the most PostgreSQL connections the server held (pg_stat_activity for this database, sampled throughout)
   against the pool's bound, and whether each process stopped within 10 s of SIGTERM.

Traffic goes to 127.0.0.1 only; every wrk run is bounded by --duration.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "0",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
    "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback; production terminates TLS in front
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "LOG_LEVEL": "WARNING",
    "DATABASE_POOL": "1",
    "PGAPPNAME": "hms-bench-server",  # libpq tags the server's connections, so the count is the server's alone
}
os.environ.update(
    {k: v for k, v in SERVER_ENV.items() if (k not in os.environ and k != "PGAPPNAME") or k == "DJANGO_SETTINGS_MODULE"}
)
DOMAIN = "scale.example"

# (role, label, path, main page?). {doctor}, {patient}, {hospital} are filled in from the scale data.
PAGES = [
    ("anonymous", "home", "/", False),
    ("anonymous", "directory", "/doctors/", True),
    ("anonymous", "directory search", "/doctors/?q=cardiology", False),
    ("anonymous", "doctor profile", "/doctors/{doctor}/", True),
    ("anonymous", "hospital page", "/hospitals/{hospital_slug}/", False),
    ("patient", "patient dashboard", "/patients/dashboard/", True),
    ("patient", "my appointments", "/appointments/", False),
    ("patient", "booking page", "/appointments/book/{doctor}/", True),
    ("patient", "my history (700 visits)", "/patients/{patient}/history/", True),
    ("patient", "bell summary", "/notifications/summary/", False),
    ("doctor", "doctor dashboard", "/doctors/dashboard/", True),
    ("doctor", "doctor day", "/appointments/doctor/day/", False),
    ("doctor", "doctor week", "/appointments/doctor/week/", False),
    ("doctor", "my patients", "/patients/mine/", True),
    ("doctor", "my patients search", "/patients/mine/?q=sharma", False),
    ("doctor", "patient history (700)", "/patients/{patient}/history/", False),
    ("hadmin", "hospital dashboard", "/hospitals/manage/", True),
    ("hadmin", "hospital doctors", "/hospitals/manage/doctors/", False),
    ("hadmin", "booked patients", "/appointments/hospital/patients/", True),
    ("hadmin", "booked patients search", "/appointments/hospital/patients/?q=kumar", False),
    ("hadmin", "hospital week", "/appointments/hospital/schedules/", False),
    ("desk", "front desk", "/appointments/desk/", True),
    ("desk", "desk patient search", "/appointments/desk/book/?q=priya+shah", False),
    ("desk", "staff dashboard", "/hospitals/desk/", False),
    ("super", "platform dashboard", "/platform/", True),
    ("super", "platform patients", "/platform/patients/", True),
    ("super", "platform patients search", "/platform/patients/?q=sharma", False),
    ("super", "platform doctors", "/platform/doctors/", False),
    ("super", "admin appointments", "/django-admin/appointments/appointment/", True),
    ("super", "admin appointments search", "/django-admin/appointments/appointment/?q=kumar", False),
    ("super", "admin users", "/django-admin/accounts/user/", False),
]
ACCOUNTS = {
    "patient": f"heavy@{DOMAIN}",
    "doctor": f"doctor1@{DOMAIN}",
    "hadmin": f"hadmin1@{DOMAIN}",
    "desk": f"desk1@{DOMAIN}",
    "super": f"super@{DOMAIN}",
}


def setup_django():
    import django

    django.setup()


def scale_ids() -> dict:
    from accounts.models import User
    from doctors.models import DoctorProfile
    from hospitals.models import Hospital

    heavy = User.objects.select_related("patient_profile").filter(email=ACCOUNTS["patient"]).first()
    if heavy is None:
        raise SystemExit("No scale data here: run `manage.py generate_scale_data` on this database first.")
    return {
        "doctor": DoctorProfile.objects.get(user__email=ACCOUNTS["doctor"]).pk,
        "patient": heavy.patient_profile.pk,
        "hospital_slug": Hospital.objects.get(slug="scale-hospital-1").slug,
    }


def session_cookies() -> dict[str, str]:
    """A signed-in session per role, made the way login makes them (rows in the session table)."""
    from django.test import Client

    from accounts.models import User

    cookies = {"anonymous": ""}
    for role, email in ACCOUNTS.items():
        client = Client()
        client.force_login(User.objects.get(email=email))
        cookies[role] = client.cookies["sessionid"].value
    return cookies


def single_user_table(pages, ids, samples: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    clients = {"anonymous": Client()}
    for role, email in ACCOUNTS.items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(email=email))
    rows = []
    for role, label, path, main in pages:
        url = path.format(**ids)
        client = clients[role]
        for _ in range(2):  # warm: templates, caches, the database's buffers
            client.get(url)
        timings = []
        for _ in range(samples):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        rows.append({
            "role": role, "page": label, "url": url, "main": main, "status": response.status_code,
            "queries": len(queries), "kb": len(response.content) / 1024,
            "p50": statistics.median(timings), "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
        })  # fmt: skip
    return rows


def print_single_user(rows) -> None:
    print("\n## Single user, warm (server time in this process, DEBUG=0)\n")
    print(f"| {'role':<9} | {'page':<27} | status | queries | {'KB':>6} | p50 ms | p95 ms |")
    print(f"|{'-' * 11}|{'-' * 29}|--------|---------|--------|--------|--------|")
    for r in rows:
        print(
            f"| {r['role']:<9} | {r['page']:<27} | {r['status']:>6} | {r['queries']:>7} | {r['kb']:>6.1f} | "
            f"{r['p50']:>6.1f} | {r['p95']:>6.1f} |"
        )
    worst = max(rows, key=lambda r: r["p95"])
    print(f"\nslowest p95: {worst['page']} {worst['p95']:.1f} ms; pages over 200 ms: "
          f"{[r['page'] for r in rows if r['p95'] >= 200] or 'none'}")  # fmt: skip


# --- the server -------------------------------------------------------------------------------------


def start_server(kind: str, workers: int, port: int) -> list[subprocess.Popen]:
    env = {**os.environ, **SERVER_ENV}
    bin_dir = Path(sys.executable).parent
    if kind == "gunicorn":
        command = [str(bin_dir / "gunicorn"), "-c", str(BASE_DIR / "hms" / "gunicorn.conf.py"), "-w", str(workers),
                   "-b", f"127.0.0.1:{port}", "bench.asgi:application"]  # fmt: skip
        return [subprocess.Popen(command, cwd=BASE_DIR, env=env)]
    # Daphne has no workers of its own: N processes share one listening socket (--fd).
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    sock.set_inheritable(True)
    processes = [
        subprocess.Popen(
            [str(bin_dir / "daphne"), "--fd", str(sock.fileno()), "bench.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            pass_fds=(sock.fileno(),),
        )
        for _ in range(workers)
    ]
    sock.close()
    return processes


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - the loopback server we started
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The server at {url} did not answer in {timeout:.0f} s")


def stop_server(processes: list[subprocess.Popen]) -> list[float | None]:
    """SIGTERM each process; seconds until it exited, None if it had to be killed after 10 s."""
    started = time.monotonic()
    for process in processes:
        process.send_signal(signal.SIGTERM)
    result = []
    for process in processes:
        try:
            process.wait(timeout=max(0.1, 10 - (time.monotonic() - started)))
            result.append(round(time.monotonic() - started, 2))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            result.append(None)
    return result


class ConnectionSampler(threading.Thread):
    """Samples the server's connections to this database in pg_stat_activity."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self):
        import psycopg
        from django.conf import settings

        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
            dbname=db["NAME"], autocommit=True,
        ) as conn:  # fmt: skip
            while not self.stop.is_set():
                (count,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'hms-bench-server'"
                ).fetchone()
                self.peak = max(self.peak, count)
                time.sleep(0.25)


def wrk(url: str, cookie: str, concurrency: int, duration: float) -> dict:
    command = ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{max(1, round(duration))}s", "--timeout", "10s",
               "-s", str(BASE_DIR / "bench" / "wrk_report.lua"), url]  # fmt: skip
    if cookie:
        command[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def throughput(base: str, pages, ids, cookies, concurrencies, rounds: int, duration: float) -> dict:
    """{(label, c): [run, ...]}: each round runs hello, then every page, then hello again, per concurrency."""
    runs: dict[tuple[str, int], list[dict]] = {}
    for round_no in range(1, rounds + 1):
        for c in concurrencies:
            sequence = [("anonymous", "hello", "/bench/hello/")] + [(p[0], p[1], p[2]) for p in pages]
            sequence.append(sequence[0])
            for role, label, path in sequence:
                result = wrk(base + path.format(**ids), cookies[role], c, duration)
                runs.setdefault((label, c), []).append(result)
            print(f"  round {round_no}, concurrency {c}: done", flush=True)
    return runs


def print_throughput(runs, pages, concurrencies) -> bool:
    ok = True
    print("\n## Throughput (medians over rounds; share = page req/s ÷ hello req/s at the same concurrency)\n")
    print(f"| {'page':<27} | conc | req/s  | p50 ms | p95 ms | errors | share of hello |")
    print(f"|{'-' * 29}|------|--------|--------|--------|--------|----------------|")
    for c in concurrencies:
        hello = statistics.median(r["rps"] for r in runs[("hello", c)])
        for label in ["hello"] + [p[1] for p in pages]:
            results = runs[(label, c)]
            rps = statistics.median(r["rps"] for r in results)
            errors = sum(r["errors"] for r in results)
            share = rps / hello if hello else 0
            if label != "hello" and c == max(concurrencies) and (share < 0.25 or errors):
                ok = False
            print(
                f"| {label:<27} | {c:>4} | {rps:>6.1f} | {statistics.median(r['p50_ms'] for r in results):>6.1f} | "
                f"{statistics.median(r['p95_ms'] for r in results):>6.1f} | {errors:>6} | {share:>13.0%}  |"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["gunicorn", "daphne"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--concurrency", default="10,50")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--samples", type=int, default=20, help="requests per page in the single-user table")
    parser.add_argument("--skip-single-user", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--pages", default="", help="comma-separated labels to restrict the load run to")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL with the scale data) and REDIS_URL.")
    setup_django()
    ids = scale_ids()
    from django.conf import settings

    print(f"# HMS load benchmark — {settings.DATABASES['default']['NAME']}, server: {args.server} "
          f"x{args.workers}, pool max {settings.DATABASES['default']['OPTIONS'].get('pool', {}).get('max_size')} "
          f"per process, Redis: {'yes' if settings.REDIS_URL else 'no'}")  # fmt: skip
    if not args.skip_single_user:
        rows = single_user_table(PAGES, ids, args.samples)
        print_single_user(rows)
    if args.skip_load:
        return 0
    main_pages = [p for p in PAGES if (p[1] in args.pages.split(",") if args.pages else p[3])]
    cookies = session_cookies()
    from django.db import connections

    connections.close_all()
    sampler = ConnectionSampler()
    sampler.start()
    processes = start_server(args.server, args.workers, args.port)
    base = f"http://127.0.0.1:{args.port}"
    ok = True
    try:
        wait_for(base + "/bench/hello/")
        concurrencies = [int(c) for c in args.concurrency.split(",")]
        runs = throughput(base, main_pages, ids, cookies, concurrencies, args.rounds, args.duration)
        ok = print_throughput(runs, main_pages, concurrencies)
    finally:
        stopped = stop_server(processes)
        time.sleep(0.5)
        sampler.stop.set()
        sampler.join()
    bound = args.workers * settings.DATABASES["default"]["OPTIONS"].get("pool", {}).get("max_size", 0)
    print(f"\nPostgreSQL connections held by the server: peak {sampler.peak} (bound {bound} = {args.workers} "
          f"processes x pool max_size); SIGTERM -> exited after {stopped} s (None = had to be killed)")  # fmt: skip
    ok = ok and sampler.peak <= bound and None not in stopped
    print("RESULT:", "every main page >= 25% of hello at the top concurrency, no errors" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
