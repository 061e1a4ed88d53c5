"""Identity and navigation: /start <code>, /unbind, /lang, /menu, /cancel, and dialog input routing."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bots.core import dialogs
from bots.core.callbacks import Callback
from bots.core.cards import Card
from bots.core.i18n import normalize_lang, role_labels, t
from bots.core.menus import build_menu
from bots.core.services import ChatRefusal, ChatServices
from bots.telegram.views import (
    CHANNEL,
    TgContext,
    Turn,
    callback_handler,
    command_handler,
    identify,
    services_of,
)
from workflows.chat.service import bind_account, set_language, unbind_account
from workflows.context import Ctx


async def on_start(update: Update, context: TgContext) -> None:
    """``/start`` (greeting or binding instructions) and ``/start <code>`` (bind, R-ROLE-6)."""
    services = services_of(context)
    sender, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if sender is None or chat is None or message is None:
        return
    lang = normalize_lang(sender.language_code)
    code = context.args[0] if context.args else None
    user = await services.identify(str(sender.id))
    if code is None:
        text = t("start.welcome", user.lang, name=user.name) if user else t("start.unbound", lang)
        await context.bot.send_message(chat.id, text)
        return

    def bind(ctx: Ctx) -> tuple[str, str]:
        person = bind_account(
            ctx,
            channel=CHANNEL,
            code=code,
            external_user_id=str(sender.id),
            chat_id=str(chat.id),
            language=lang,
        )
        return person.name, role_labels(person.roles, lang)

    try:
        name, roles = await services.call_system(bind, lang=lang)
    except ChatRefusal as refusal:
        await context.bot.send_message(chat.id, refusal.text)
        return
    await context.bot.send_message(chat.id, t("start.bound", lang, name=name, roles=roles))


async def on_unbind(update: Update, context: TgContext) -> None:
    """``/unbind``: remove this account's binding."""
    services, sender, chat = services_of(context), update.effective_user, update.effective_chat
    if sender is None or chat is None:
        return
    lang = normalize_lang(sender.language_code)
    done = await services.call_system(
        lambda ctx: unbind_account(ctx, channel=CHANNEL, external_user_id=str(sender.id)), lang=lang
    )
    await context.bot.send_message(chat.id, t("unbind.done" if done else "unbind.none", lang))


async def on_lang(turn: Turn) -> None:
    """``/lang zh|en``: store the language on the binding."""
    args = turn.context.args or []
    lang = args[0].lower() if args else ""
    if lang not in ("zh", "en"):
        await turn.say("lang.usage")
        return
    await turn.services.call_system(
        lambda ctx: set_language(
            ctx.session, channel=CHANNEL, external_user_id=turn.user.external_id, language=lang
        ),
        lang=lang,
    )
    await turn.send(Card(t("lang.set", lang)))


async def on_menu(turn: Turn) -> None:
    """``/menu``: the person's menu by role and open work."""
    lang = turn.user.lang
    card = await turn.call(lambda ctx: build_menu(ctx, _actor(ctx), lang))
    await turn.send(card)


async def on_menu_home(turn: Turn, _cb: Callback) -> None:
    """The "open my work" button of notifications."""
    await on_menu(turn)


async def on_cancel(turn: Turn) -> None:
    """``/cancel``: close the open dialog."""
    closed = await turn.call(lambda ctx: dialogs.finish(ctx, CHANNEL))
    await turn.say("dialog.cancelled" if closed else "dialog.nothing")


def _actor(ctx: Ctx) -> Any:
    if ctx.actor is None:
        raise RuntimeError("no actor")
    return ctx.actor


async def on_message(update: Update, context: TgContext) -> None:
    """Any non-command message: input of the open dialog, else a hint (unbound chats: /start only).

    An edit of an old message is never input (editing yesterday's text must not reject a task or
    file a report), except a live-location update for a dialog that follows the location.
    """
    from bots.telegram.app import dialog_inputs, live_location_dialogs

    edited = update.edited_message
    if edited is not None and edited.location is None:
        return
    turn = await identify(update, context)
    if turn is None:
        return
    try:
        dialog = await turn.call(lambda ctx: dialogs.get(ctx, CHANNEL))
        if edited is not None and (dialog is None or dialog.name not in live_location_dialogs(context)):
            return
        handler = dialog_inputs(context).get(dialog.name) if dialog else None
        if dialog is None or handler is None:
            await turn.say("dialog.nothing")
            return
        await handler(turn, dialog)
    except ChatRefusal as refusal:
        await turn.send(Card(refusal.text))


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """/start, /unbind, /lang, /menu, /cancel and the notification menu button."""
    return [
        CommandHandler("start", on_start),
        CommandHandler("unbind", on_unbind),
        command_handler("lang", on_lang),
        command_handler("menu", on_menu),
        command_handler("cancel", on_cancel),
        callback_handler("menu", on_menu_home, verbs="home"),
    ]


async def on_unknown_press(update: Update, context: TgContext) -> None:
    """A press no feature claims (forged, garbage or an old version): answer and say so."""
    query, chat = update.callback_query, update.effective_chat
    if query is not None:
        await query.answer()
    if chat is not None:
        lang = normalize_lang(update.effective_user.language_code if update.effective_user else None)
        await context.bot.send_message(chat.id, t("callback.invalid", lang))


def build_last_resort() -> list[BaseHandler[Any, Any, Any]]:
    """Added to group 0 after every feature: unclaimed button presses."""
    return [CallbackQueryHandler(on_unknown_press)]


def build_fallbacks() -> list[BaseHandler[Any, Any, Any]]:
    """The dialog-input router for every non-command message (group 1, after all features)."""
    return [MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, on_message)]
