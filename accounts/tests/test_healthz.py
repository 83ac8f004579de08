import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_ok(client):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_database_is_unreachable(tmp_path):
    # A real unreachable database in a fresh process: a SQLite path inside a folder that does not exist.
    script = (
        "import django, os; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz/'); print(r.status_code, r.content.decode())"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {"DJANGO_SETTINGS_MODULE": "hms.settings", "SQLITE_PATH": str(tmp_path / "missing" / "db.sqlite3")}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stderr
    assert json.loads(body)["database"] == "unavailable"
