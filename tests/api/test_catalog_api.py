"""``GET /api/v1/catalog``: the shipped catalog tree (SPEC §4) for any logged-in person (R-CAT-1)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.world import World

API = "/api/v1"


def test_catalog_needs_a_login(client: TestClient) -> None:
    r = client.get(f"{API}/catalog")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


def test_catalog_tree_for_any_logged_in_person(client: TestClient, world: World) -> None:
    """system → category → facility → items, with the seed's coded items (a., b., …) and periods."""
    for key in ("owner", "op1", "agency_admin"):
        r = client.get(f"{API}/catalog", headers=world.headers[key])
        assert r.status_code == 200, key
    tree = r.json()
    systems = {s["name"]: s for s in tree}
    assert {"火灾报警系统", "消防供水设施", "自动喷水灭火系统", "消防供电配电"} <= set(systems)
    alarm = {c["name"]: c for c in systems["火灾报警系统"]["categories"]}
    panel = next(f for f in alarm["区域报警系统"]["facilities"] if f["name"] == "报警控制器")
    assert [i["label"][:2] for i in panel["items"]] == ["a.", "b.", "c.", "d.", "e."]
    assert set(panel["items"][0]) == {"id", "code", "label", "criterion", "period", "source"}
    pump = next(
        f for c in systems["消防供水设施"]["categories"] for f in c["facilities"] if f["name"] == "消防水泵"
    )
    assert "monthly" in {i["period"] for i in pump["items"]}
    assert {"消防检测现场记录", "安全评估系统", "现场记录系统"} <= set(systems)
