"""`python -m frontdoor_members.audit verify`: a line per tenant, a JSON line of counts, exit 0 or 1."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from fastapi import FastAPI

from frontdoor_members.audit import verify
from frontdoor_members.testing import OTHER_TENANT, TENANT

from .conftest import record, sql


def run_verify(db_url: str, *args: str) -> tuple[int, list[str]]:
    """The command as an operator runs it, against this test's database."""
    env = {**os.environ, "MEMBERS_DATABASE_URL": db_url}
    done = subprocess.run(
        [sys.executable, "-m", "frontdoor_members.audit", "verify", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr == "", done.stderr
    return done.returncode, done.stdout.strip().splitlines()


async def test_the_command_says_ok_and_exits_0_when_every_chain_verifies(app: FastAPI, db_url: str) -> None:
    await record(app, 3, TENANT)
    await record(app, 2, OTHER_TENANT)
    code, lines = run_verify(db_url)
    assert code == 0, lines
    assert len(lines) == 3
    assert {line.split(" (")[0] for line in lines[:-1]} == {f"{TENANT}: OK", f"{OTHER_TENANT}: OK"}
    assert any(line.startswith(f"{TENANT}: OK (3 entries, head 3 ") for line in lines)
    assert json.loads(lines[-1]) == {"tenants": 2, "verified": 2, "broken": 0, "entries": 5, "broken_tenants": []}


async def test_the_command_names_the_altered_seq_and_exits_1(app: FastAPI, db_url: str) -> None:
    await record(app, 4, TENANT)
    await record(app, 2, OTHER_TENANT)
    await sql(app, "UPDATE personal_data_reads SET purpose = 'curiosity' WHERE tenant_id = :t AND seq = 3", t=TENANT)
    code, lines = run_verify(db_url)
    assert code == 1, lines
    assert f"{TENANT}: BROKEN at seq 3: altered (the entry's content does not match its hash)" in lines
    assert json.loads(lines[-1]) == {
        "tenants": 2,
        "verified": 1,
        "broken": 1,
        "entries": 4,  # 2 of the broken tenant's before the break, 2 of the other's
        "broken_tenants": [TENANT],
    }
    code, lines = run_verify(db_url, "--tenant", OTHER_TENANT)  # one tenant's chain alone
    assert code == 0 and len(lines) == 2 and json.loads(lines[-1])["tenants"] == 1


async def test_the_command_on_a_database_without_audit_entries_verifies_nothing_and_exits_0(db_url: str) -> None:
    out = io.StringIO()
    assert await verify.run(db_url, out=out) == 0  # in process: the same function the command runs
    assert json.loads(out.getvalue().splitlines()[-1])["tenants"] == 0
