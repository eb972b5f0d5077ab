"""List endpoints page with bounded offset and limit: numbers past the bounds are 422, never a 500."""

from __future__ import annotations

import httpx

LISTS = ["/v1/agents", "/v1/teams", "/v1/presence", "/v1/closures", "/v1/agents/{agent}/calendar/events"]


OUT_OF_BOUNDS = [
    ("offset", "9223372036854775808"),
    ("offset", str(2**64)),
    ("offset", "-1"),
    ("offset", "1e400"),
    ("limit", "0"),
    ("limit", "9223372036854775808"),
    ("limit", "-5"),
    ("limit", "abc"),
]


async def test_out_of_bounds_paging_is_422_naming_the_parameter(client: httpx.AsyncClient) -> None:
    # every list and every bad value against one app (40 cases; an app per case cost the suite 40 starts)
    agent = (await client.post("/v1/agents", json={"name": "Kari"})).json()["id"]
    wrong = []
    for path in LISTS:
        for param, value in OUT_OF_BOUNDS:
            r = await client.get(path.format(agent=agent), params={param: value})
            problem = r.json() if r.headers.get("content-type") == "application/problem+json" else {}
            if r.status_code != 422 or problem.get("field") != param:
                wrong.append(f"{path} {param}={value}: {r.status_code} {r.text[:120]}")
    assert wrong == []


async def test_offset_and_limit_page_through_agents_and_events(client: httpx.AsyncClient) -> None:
    for name in ("Berit", "Anne", "Cecilie"):
        assert (await client.post("/v1/agents", json={"name": name})).status_code == 201
    names = lambda r: [a["name"] for a in r.json()]  # noqa: E731
    assert names(await client.get("/v1/agents")) == ["Anne", "Berit", "Cecilie"]
    assert names(await client.get("/v1/agents", params={"offset": 1, "limit": 1})) == ["Berit"]
    assert names(await client.get("/v1/agents", params={"offset": 1_000_000})) == []
    board = await client.get("/v1/presence", params={"limit": 2})
    assert [b["name"] for b in board.json()] == ["Anne", "Berit"]
    agent = (await client.get("/v1/agents")).json()[0]["id"]
    for day in (4, 5, 6):
        r = await client.post(
            f"/v1/agents/{agent}/calendar/events", json={"title": f"d{day}", "date": f"2027-01-0{day}"}
        )
        assert r.status_code == 201
    r = await client.get(f"/v1/agents/{agent}/calendar/events", params={"offset": 2, "limit": 5})
    assert [e["title"] for e in r.json()] == ["d6"]


async def test_openapi_declares_the_bounds(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in LISTS:
        params = {
            p["name"]: p["schema"] for p in spec["paths"][path.replace("{agent}", "{agent_id}")]["get"]["parameters"]
        }
        assert (params["offset"]["minimum"], params["offset"]["maximum"]) == (0, 1_000_000)
        assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 1000)
