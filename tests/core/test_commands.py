"""The ``parvis`` command in real subprocesses: demo (twice), serve, check --deploy."""

import contextlib
import fcntl
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PARVIS = str(Path(sys.executable).with_name("parvis"))
# Tables whose row count may legitimately change between two demo runs.
VOLATILE = {"django_session", "django_migrations"}


def env_for(home: Path, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "PARVIS_", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_"))
    }
    env.update(PARVIS_HOME=str(home), **extra)
    return env


def run(args, env, timeout=240):
    result = subprocess.run([PARVIS, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
            if t not in VOLATILE and not t.startswith("sqlite_")
        }


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory, worker_id):
    """A fresh installation made by ``parvis demo --no-serve`` run twice in a row.

    Built once per test session: with pytest-xdist, the first worker builds it under a lock and the others
    reuse it (the demo loads every module twice, the longest step of this file).
    """
    if worker_id == "master":
        root = tmp_path_factory.mktemp("core-demo")
    else:
        root = tmp_path_factory.getbasetemp().parent  # shared by the workers of this session only
    home, result = root / "core-demo-home", root / "core-demo-result.json"
    with open(root / "core-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            home.mkdir(exist_ok=True)
            env = env_for(home)
            first = run(["demo", "--no-serve"], env)
            counts_first = table_counts(home / "parvis.sqlite3")
            second = run(["demo", "--no-serve"], env)
            counts_second = table_counts(home / "parvis.sqlite3")
            result.write_text(json.dumps([first.stdout, second.stdout, counts_first, counts_second]))
        out1, out2, counts_first, counts_second = json.loads(result.read_text())
    return home, out1, out2, counts_first, counts_second


def test_demo_twice_succeeds_without_duplicates(demo_home):
    home, out1, out2, first, second = demo_home
    assert (home / "secret_key").exists()
    assert "habitante@demo.parvis.localhost" in out1
    assert "parvis-demo-2026" in out1
    assert "habitante@demo.parvis.localhost" in out2
    assert first["core_territory"] == 20 + 80 + 6
    assert first["core_service"] >= 6
    with sqlite3.connect(home / "parvis.sqlite3") as conn:
        demo_accounts = conn.execute(
            "SELECT role, COUNT(*) FROM core_user WHERE email LIKE '%@demo.parvis.localhost' GROUP BY role"
        ).fetchall()
    assert {role for role, _n in demo_accounts} == {"resident", "moderator", "agent", "mediator", "admin"}
    assert second == first  # every table, every module: nothing duplicated
    with sqlite3.connect(home / "parvis.sqlite3") as conn:  # WAL is a property of the file: it persists
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@contextlib.contextmanager
def served(home: Path):
    """``parvis serve`` on a free port of 127.0.0.1, once it answers /healthz; yields (base URL, body)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [PARVIS, "serve", "--port", str(port), "--workers", "1"],
        env=env_for(home),  # a demo home stays on plain HTTP (its marker file)
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        body = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=30) as response:  # noqa: S310
                    body = response.read().decode()
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
                time.sleep(0.3)
        yield base, body
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_answers_healthz_and_static_files(demo_home):
    with served(demo_home[0]) as (base, body):
        assert body == '{"status": "ok", "database": "ok"}'
        with urllib.request.urlopen(base + "/", timeout=60) as response:  # noqa: S310
            html = response.read().decode()
            assert '<html lang="fr">' in html
            assert "gunicorn" in response.headers.get("Server", "")
        css = next(
            part.split('"')[0] for part in html.split('href="')[1:] if part.startswith("/static/core/parvis")
        )
        assert css != "/static/core/parvis.css"  # a hashed, cacheable name from the manifest
        with urllib.request.urlopen(base + css, timeout=60) as response:  # noqa: S310
            assert response.headers["Content-Type"].startswith("text/css")
            assert "max-age=315360000" in response.headers.get("Cache-Control", "")
            assert b"--accent" in response.read()
        with urllib.request.urlopen(base + "/static/leaflet/leaflet.js", timeout=60) as response:  # noqa: S310
            assert response.status == 200


def test_demo_links_follow_the_port_and_its_mail_is_read_back(demo_home):
    """Served on any port, the demo names that port in Open311 discovery and e-mail links, runs the
    e-mail task without a worker, and a new account reads its confirmation on the demo mailbox page."""
    import html
    import http.cookiejar
    import re
    import urllib.parse

    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with served(demo_home[0]) as (base, _body):
        discovery = json.loads(browser.open(base + "/open311/v2/discovery.json", timeout=30).read())
        assert {e["url"] for e in discovery["endpoints"]} == {f"{base}/open311/v2/"}
        form = browser.open(base + "/compte/inscription/", timeout=60).read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        email = f"nouvelle-{base.rsplit(':', 1)[1]}@example.org"
        data = {"csrfmiddlewaretoken": csrf, "email": email, "password": "un-mot-de-passe-solide"}
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 built above
            base + "/compte/inscription/",
            data=urllib.parse.urlencode(data).encode(),
            headers={"Referer": base + "/compte/inscription/"},
        )
        browser.open(request, timeout=60).read()
        mailbox = html.unescape(
            browser.open(f"{base}/demo/courriels/?a={urllib.parse.quote(email)}", timeout=60).read().decode()
        )
        link = re.search(r"(http://[^/\s]+/compte/confirmer/[^\s\"<]+/)", mailbox).group(1)
        assert link.startswith(base + "/")
        assert "adresse confirmée" in browser.open(link, timeout=60).read().decode()


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = env_for(
        tmp_path,
        SECRET_KEY="k" + os.urandom(40).hex(),
        PARVIS_HTTPS="1",
        ALLOWED_HOSTS="parvis.example.org",
        PARVIS_SITE_URL="https://parvis.example.org",
    )
    result = run(["check", "--deploy", "--fail-level", "WARNING"], env, timeout=120)
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_an_insecure_setup(tmp_path):
    env = env_for(tmp_path, SECRET_KEY="short", PARVIS_HTTPS="0", PARVIS_DEBUG="1")
    result = subprocess.run(
        [PARVIS, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout  # the weak SECRET_KEY is reported


def test_import_territories_command_errors_exit_non_zero(demo_home, tmp_path):
    home = demo_home[0]
    before = table_counts(home / "parvis.sqlite3")["core_territory"]
    bad = tmp_path / "empty.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    result = subprocess.run(
        [
            PARVIS,
            "import-territories",
            str(bad),
            "--level",
            "district",
            "--code-field",
            "c",
            "--name-field",
            "n",
        ],
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "aucune entité" in result.stderr
    assert table_counts(home / "parvis.sqlite3")["core_territory"] == before


def test_sqlite_concurrent_writers_wait_instead_of_failing(demo_home):
    """WAL, IMMEDIATE transactions and a busy timeout: four processes writing at once all succeed."""
    home = demo_home[0]
    script = (
        "import os\n"
        "from django.db import transaction\n"
        "from parvis.core.models import User, Service\n"
        "n = os.getpid()\n"
        "for i in range(25):\n"
        "    with transaction.atomic():\n"
        "        service = Service.objects.get(code='proprete')\n"  # read first, then write:
        "        User.objects.create_user(email=f'w{n}-{i}@example.org')\n"  # needs IMMEDIATE
        "        service.name = service.name\n"
        "        service.save()\n"
        "print('ok')\n"
    )
    procs = [
        subprocess.Popen(
            [PARVIS, "shell", "-c", script],
            env=env_for(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-2000:] for _out, err in outputs]
    with sqlite3.connect(home / "parvis.sqlite3") as conn:
        assert (
            conn.execute("SELECT COUNT(*) FROM core_user WHERE email LIKE 'w%-%@example.org'").fetchone()[0]
            == 100
        )


def test_token_create_from_the_command_line(demo_home):
    home = demo_home[0]
    result = run(["token", "create", "habitante@demo.parvis.localhost", "--name", "cli"], env_for(home))
    key = result.stdout.strip()
    assert key.startswith("pvs_")
    with sqlite3.connect(home / "parvis.sqlite3") as conn:
        rows = conn.execute("SELECT name, key_hash FROM core_apitoken WHERE name = 'cli'").fetchall()
    assert len(rows) == 1
    assert rows[0][1] != key
    assert len(rows[0][1]) == 64  # SHA-256 only
    failed = subprocess.run(
        [PARVIS, "token", "create", "nobody@example.org"],
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 2
    assert "Aucun compte avec l'adresse nobody@example.org" in failed.stderr


def test_core_migrations_are_complete(tmp_path):
    result = subprocess.run(
        [PARVIS, "makemigrations", "core", "--check", "--dry-run"],
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
