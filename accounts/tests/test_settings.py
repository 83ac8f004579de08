"""Production settings are checked in a fresh interpreter, the way a deployment would start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x9!kq2@l#v8$w7%e6^r5&t4*y3(u2)i1_o0+p-a=s[d]f{g}h;j:k'l,z.x/c?vbnm",
    "ALLOWED_HOSTS": "hms.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://hms.example.com",
}


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_env():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_secret_key_refuses_to_start():
    env = PRODUCTION_ENV | {"SECRET_KEY": ""}
    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
