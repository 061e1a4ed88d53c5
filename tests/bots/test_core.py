"""The channel-neutral core: callback data, the catalog, dialogs surviving a restart."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import AppState
from bots.core import callbacks, i18n
from engine.db import unit_of_work
from tests.api.month_helpers import execute, issue_all, make_plan
from tests.bots.conftest import RecordingRequest, Tg, bind, buttons, telegram_state
from workflows.chat.models import ChatDialog
from workflows.faults.models import DispositionKind
from workflows.tasks.models import Task


class TestCallbacks:
    def test_round_trip_and_limit(self) -> None:
        some = uuid.uuid4()
        data = callbacks.encode("fault", "ld", some, 12)
        assert data == f"v1:fault:ld:{some.hex}:12"
        assert len(data.encode()) <= 64
        assert callbacks.decode(data) == callbacks.Callback("fault", "ld", some, "12")
        assert callbacks.decode(callbacks.encode("rev", "ap", some)) == callbacks.Callback(
            "rev", "ap", some, None
        )

    @pytest.mark.parametrize(
        "data",
        [
            None,
            "",
            "v2:rev:ap:" + "0" * 32,
            "v1:rev:ap:" + "0" * 31,
            "v1:REV:ap:" + "0" * 32,
            "v1:rev:ap:" + "0" * 32 + ":" + "x" * 17,
            "v1:rev:ap:" + "g" * 32,
            "v1:rev:ap:" + "0" * 32 + ":a b",
            "v1:rev:ap:" + "0" * 32 + ":ü",
        ],
    )
    def test_malformed_is_none(self, data: str | None) -> None:
        assert callbacks.decode(data) is None

    def test_encode_refuses_what_decode_would_refuse(self) -> None:
        with pytest.raises(ValueError, match="bad callback data"):
            callbacks.encode("toolongnoun", "ap", uuid.uuid4())
        with pytest.raises(ValueError, match="bad callback data"):
            callbacks.encode("rev", "ap", uuid.uuid4(), "x" * 17)


class TestCatalog:
    def test_languages_and_fallbacks(self) -> None:
        assert i18n.t("unbind.done") == "已解除绑定。"
        assert i18n.t("unbind.done", "en") == "Unbound."
        assert i18n.t("unbind.done", "fr") == "已解除绑定。"
        assert i18n.t("no.such.key", "en") == "no.such.key"
        assert i18n.normalize_lang("en-GB") == "en" and i18n.normalize_lang("zh-hans") == "zh"
        assert i18n.normalize_lang(None) == "zh"

    def test_every_entry_formats_in_both_languages(self) -> None:
        import string

        for key, (zh, en) in i18n.CATALOG.items():
            names_zh = {f for _, f, _, _ in string.Formatter().parse(zh) if f}
            names_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
            assert names_zh == names_en, key

    def test_register_refuses_redefinition(self) -> None:
        with pytest.raises(ValueError, match="defined twice"):
            i18n.register({"unbind.done": ("别的", "other")})

    @pytest.mark.parametrize("kind", list(DispositionKind))
    def test_one_name_per_disposition_in_pushes_and_on_buttons(self, kind: DispositionKind) -> None:
        """R-FAULT: each of the five dispositions has one catalog name; the push names it in its
        sentence, the lead's buttons and decided cards show it with its icon."""
        from bots.core.notifications import render_notification
        from workflows.chat.service import ChatRecipient

        assert set(i18n.DISPOSITION_ICONS) == {k.value for k in DispositionKind}
        assert not [key for key in i18n.CATALOG if key.startswith(("disp.", "kind."))]
        lead = ChatRecipient(
            person_id=uuid.uuid4(), chat_id="1", language="zh", roles=frozenset({"project_lead"})
        )
        payload = {"disposition": kind.value, "fault_code": "F-1", "project_name": "P"}
        for lang in ("zh", "en"):
            name = i18n.t(f"disposition.{kind.value}", lang)
            assert i18n.disposition_label(kind, lang) == name
            assert i18n.disposition_label(kind, lang, icon=True) == (
                f"{i18n.DISPOSITION_ICONS[kind]} {name[:1].upper()}{name[1:]}"
            )
            card = render_notification("fault.disposed", payload, lead.model_copy(update={"language": lang}))
            assert (f"处理方式：{name}。" if lang == "zh" else f"was disposed: {name}.") in card.text


def test_reject_dialog_survives_a_restart(state: AppState, client: TestClient, world: Any) -> None:
    """The reviewer presses ❌, the server restarts (a new Application), the opinion still lands."""
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [line["id"] for line in plan["lines"]])
    st = telegram_state(state)
    first = RecordingRequest()
    app = create_app(st.settings, state=st)
    app.state.telegram_request = first
    with TestClient(app) as c1:
        tg = Tg(c1, first)
        bind(tg, client, world.headers["agency_admin"], world.people["lead"], 101)
        tg.press(101, callbacks.encode("rev", "rj", uuid.UUID(task["id"])), message_id=4711)
        assert "审核不通过的意见" in first.texts()[-1]
    with unit_of_work(state.sessions) as s:
        assert s.query(ChatDialog).one().name == "review_reject"

    second = RecordingRequest()
    app2 = create_app(st.settings, state=st)
    app2.state.telegram_request = second
    with TestClient(app2) as c2:
        tg2 = Tg(c2, second)
        tg2._update_ids = itertools.count(5000)  # the first app saw 1000…
        tg2.say(101, "记录不完整，请补充")
    edit = second.sent("editMessageText")[-1]
    assert edit["message_id"] == 4711 and "未通过" in edit["text"]
    assert not buttons(edit)
    with unit_of_work(state.sessions) as s:
        assert s.get(Task, uuid.UUID(task["id"])).state == "rejected"  # type: ignore[union-attr]
        assert s.query(ChatDialog).count() == 0


def test_update_ids_are_pruned(state: AppState) -> None:
    from datetime import timedelta

    from workflows.chat.service import mark_update_seen, prune_updates

    now = state.clock.now()
    with unit_of_work(state.sessions) as s:
        assert mark_update_seen(s, 1, now - timedelta(days=5))
        assert mark_update_seen(s, 2, now)
        assert not mark_update_seen(s, 2, now)
    with unit_of_work(state.sessions) as s:
        assert prune_updates(s, now - timedelta(days=3)) == 1
        assert mark_update_seen(s, 1, now)


def test_admit_update_dedupes_and_reads_the_bound_person_as_a_clean_detached_row(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    """The update's first transaction (Core, no session): a redelivery is refused before the identity
    is read; the person comes back detached with no pending changes, so a service session attaches it
    without a query and a flush writes nothing for it."""
    from sqlalchemy import event

    from workflows.chat.service import admit_update, update_gate
    from workflows.people.models import Person

    bind(tg, client, world.headers["agency_admin"], world.people["lead"], 111)
    now = state.clock.now()
    is_new, account = admit_update(
        state.engine, "telegram", "111", update_gate(90001, now=now, retention_s=60)
    )
    assert is_new and account is not None
    assert account.person.id == uuid.UUID(world.people["lead"]) and "project_lead" in account.person.roles
    assert account.chat_id == "111" and account.language == "zh"
    assert admit_update(state.engine, "telegram", "111", update_gate(90001, now=now, retention_s=60)) == (
        False,
        None,
    )
    assert admit_update(state.engine, "telegram", "999", update_gate(90002, now=now, retention_s=60)) == (
        True,
        None,
    )

    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731 - before_cursor_execute(conn, cursor, sql, …)
    event.listen(state.engine, "before_cursor_execute", listener)
    try:
        with unit_of_work(state.sessions) as s:
            person = s.merge(account.person, load=False)
            assert person.name == account.person.name and not s.dirty
    finally:
        event.remove(state.engine, "before_cursor_execute", listener)
    assert not [sql for sql in statements if "person" in sql.lower()]

    with unit_of_work(state.sessions) as s:
        row = s.get(Person, account.person.id)
        assert row is not None
        row.enabled = False
    assert admit_update(state.engine, "telegram", "111", update_gate(90003, now=now, retention_s=60)) == (
        True,
        None,
    )


def test_a_disabled_person_loses_the_chat_at_once(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    from workflows.people.models import Person

    bind(tg, client, world.headers["agency_admin"], world.people["lead"], 111)
    with unit_of_work(state.sessions) as s:
        person = s.get(Person, uuid.UUID(world.people["lead"]))
        assert person is not None
        person.enabled = False
    tg.say(111, "/menu")
    assert tg.request.texts()[-1].startswith("请先绑定")


def test_webhook_without_a_bot_is_404(client: TestClient) -> None:
    assert client.post("/bots/telegram/webhook", json={"update_id": 1}).status_code == 404


def test_set_webhook_sends_secret_and_update_kinds(state: AppState) -> None:
    import asyncio

    from bots.telegram.cli import set_webhook

    request = RecordingRequest()
    settings = telegram_state(state).settings
    out = asyncio.run(set_webhook(settings, "https://fire.example/bots/telegram/webhook", request=request))
    params = request.sent("setWebhook")[-1]
    assert params["url"] == "https://fire.example/bots/telegram/webhook"
    assert params["secret_token"] == "test-secret_123"
    assert params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert "1:TEST" not in out and "test-secret" not in out
