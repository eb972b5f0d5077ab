"""Record checks: what to fix in the member's record, cleared by fixing the data."""

from __future__ import annotations

import httpx

from frontdoor_members.testing import create_member, headers, open_contact


async def test_record_checks_flag_what_to_fix_and_fixing_the_data_clears_them(client: httpx.AsyncClient) -> None:
    member = await create_member(client, national_id="00100", email=None, returned_mail=True)
    contact = await open_contact(client, caller_number="+47 415 00 999")
    url = f"/v1/members/{member['id']}/checks"
    checks = (await client.get(url, params={"contact_id": contact["id"]}, headers=headers())).json()
    assert sorted(c["code"] for c in checks["checks"]) == [
        "calling_number_differs",
        "email_missing",
        "placeholder_national_id",
        "returned_mail",
    ]
    assert checks["ok"] is False
    from frontdoor_members.testing import ASTRID_NID

    fix = await client.patch(
        f"/v1/members/{member['id']}",
        json={
            "email": "astrid@example.org",
            "national_id": ASTRID_NID,
            "address": {"line1": "Nyveien 2", "postal_code": "0150", "city": "Oslo"},
            "phones": [{"number": "48123456"}, {"number": "41500999"}],
        },
        headers=headers(),
    )
    assert fix.status_code == 200, fix.text
    after = (await client.get(url, headers=headers(**{"X-Contact-Id": contact["id"]}))).json()
    assert after == {"member_id": member["id"], "contact_id": contact["id"], "ok": True, "checks": []}
