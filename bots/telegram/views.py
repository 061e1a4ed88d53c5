"""Telegram side of the core: cards to messages, identity wrappers for handlers, decided-card edits.

Handlers are written as ``async def on_<event>(turn: Turn, ...)`` and wrapped by
:func:`callback_handler` / :func:`command_handler`, which answer the button press first, decode the
untrusted callback data, identify the bound person and turn :class:`ChatRefusal` into a reply.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bots.core.callbacks import Callback, decode, pattern
from bots.core.cards import Card
from bots.core.i18n import t
from bots.core.services import ChatRefusal, ChatServices, ChatUser
from workflows.context import Ctx

log = logging.getLogger("fireops.bots.telegram")
CHANNEL = "telegram"
T = TypeVar("T")
TgContext = ContextTypes.DEFAULT_TYPE


@dataclass
class Turn:
    """One update being handled for a bound person."""

    update: Update
    context: TgContext
    services: ChatServices
    user: ChatUser

    @property
    def chat_id(self) -> int:
        """The chat the update came from."""
        chat = self.update.effective_chat
        return chat.id if chat else int(self.user.chat_id)

    def t(self, key: str, **params: object) -> str:
        """Catalog text in the user's language."""
        return t(key, self.user.lang, **params)

    async def call(self, fn: Callable[[Ctx], T], *, slow: bool = False) -> T:
        """Run a service call as the user (see :meth:`ChatServices.call`; ``slow`` for a report PDF)."""
        return await self.services.call(self.user, fn, slow=slow)

    async def send(self, card: Card) -> Message:
        """Send a card to the chat."""
        return await send_card(self.context.bot, self.chat_id, card)

    async def say(self, key: str, **params: object) -> Message:
        """Send a catalog text."""
        return await self.send(Card(self.t(key, **params)))

    async def send_photos(self, photos: list[bytes]) -> None:
        """Send up to 10 photos (one album when several)."""
        photos = photos[:10]
        if len(photos) == 1:
            await self.context.bot.send_photo(self.chat_id, photos[0])
        elif photos:
            await self.context.bot.send_media_group(self.chat_id, [InputMediaPhoto(p) for p in photos])

    async def close_card(self, text: str) -> None:
        """Edit the pressed card to ``text`` and remove its buttons (decided cards)."""
        query = self.update.callback_query
        if query is None or query.message is None:
            await self.send(Card(text))
            return
        await edit_decided(self.context.bot, self.chat_id, query.message.message_id, text)


def image_file_id(message: Message | None) -> str | None:
    """The ``file_id`` of the message's picture: the largest size of a photo, or an image sent as a
    file (a document with an ``image/*`` type, e.g. to keep the full resolution); else ``None``."""
    if message is None:
        return None
    if message.photo:
        return message.photo[-1].file_id
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document.file_id
    return None


def keyboard(card: Card) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a card (``None`` without buttons)."""
    if not card.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row] for row in card.buttons]
    )


async def send_card(bot: Any, chat_id: int | str, card: Card) -> Message:
    """Send a card as a message, photo with caption, or document with caption."""
    markup = keyboard(card)
    if card.document is not None:
        name, content = card.document
        msg: Message = await bot.send_document(
            chat_id, content, filename=name, caption=card.text[:1024] or None, reply_markup=markup
        )
        return msg
    if card.photo is not None:
        msg = await bot.send_photo(chat_id, card.photo, caption=card.text[:1024] or None, reply_markup=markup)
        return msg
    msg = await bot.send_message(chat_id, card.text[:4096], reply_markup=markup)
    return msg


async def edit_decided(bot: Any, chat_id: int | str, message_id: int, text: str) -> None:
    """Replace a card's text and drop its buttons; an unchanged card (a double tap) is fine."""
    try:
        await bot.edit_message_text(text[:4096], chat_id=chat_id, message_id=message_id)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def services_of(context: TgContext) -> ChatServices:
    """The :class:`ChatServices` the Application was built with."""
    services: ChatServices = context.application.bot_data["services"]
    return services


_ADMITTED = "admitted_users"
_MAX_ADMITTED = 1024


def remember_user(context: TgContext, update_id: int, user: ChatUser | None) -> None:
    """Keep who sent update ``update_id`` (identified with the dedupe, group -1) for its handler."""
    admitted: OrderedDict[int, ChatUser | None] = context.bot_data.setdefault(_ADMITTED, OrderedDict())
    admitted[update_id] = user
    while len(admitted) > _MAX_ADMITTED:
        admitted.popitem(last=False)


async def identify(update: Update, context: TgContext) -> Turn | None:
    """The turn of a bound person, or ``None`` (after telling the chat to /start).

    Uses the identity looked up with the dedupe when there is one; every service call re-checks it.
    """
    services = services_of(context)
    sender = update.effective_user
    if sender is None:
        return None
    admitted: OrderedDict[int, ChatUser | None] = context.bot_data.get(_ADMITTED, OrderedDict())
    if update.update_id in admitted:
        user = admitted.pop(update.update_id)
    else:
        user = await services.identify(str(sender.id))
    if user is None:
        chat = update.effective_chat
        if chat is not None:
            await context.bot.send_message(chat.id, t("only_start", _lang_of(update)))
        return None
    return Turn(update, context, services, user)


def _lang_of(update: Update) -> str:
    from bots.core.i18n import normalize_lang

    return normalize_lang(update.effective_user.language_code if update.effective_user else None)


CallbackAction = Callable[[Turn, Callback], Awaitable[None]]
TurnAction = Callable[[Turn], Awaitable[None]]


def callback_handler(
    noun: str, action: CallbackAction, verbs: str | None = None
) -> BaseHandler[Any, Any, Any]:
    """A handler for presses of ``v1:<noun>:<verb>:…`` buttons (``verbs``: regex alternation to restrict).

    It answers the press first, decodes and validates the data (forged/old data → "invalid button"),
    identifies the person, runs ``action(turn, callback)`` and shows any refusal.
    """

    async def on_press(update: Update, context: TgContext) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except BadRequest:  # too old to answer (e.g. pressed long ago): still act on it
            log.info("telegram.answer_failed", extra={"update_id": update.update_id})
        cb = decode(query.data)
        if cb is None:
            chat = update.effective_chat
            if chat is not None:
                await context.bot.send_message(chat.id, t("callback.invalid", _lang_of(update)))
            return
        turn = await identify(update, context)
        if turn is None:
            return
        try:
            await action(turn, cb)
        except ChatRefusal as refusal:
            log.info("chat.refused", extra={"code": refusal.code, "noun": cb.noun, "verb": cb.verb})
            await turn.send(Card(refusal.text))

    regex = pattern(noun) + (f"(?:{verbs}):" if verbs else "")
    return CallbackQueryHandler(on_press, pattern=regex)


def command_handler(command: str, action: TurnAction) -> BaseHandler[Any, Any, Any]:
    """A ``/command`` handler for bound people (unbound chats are told to /start)."""

    async def on_command(update: Update, context: TgContext) -> None:
        turn = await identify(update, context)
        if turn is None:
            return
        try:
            await action(turn)
        except ChatRefusal as refusal:
            await turn.send(Card(refusal.text))

    return CommandHandler(command, on_command)


def fmt_time(turn: Turn, value: Any) -> str:
    """``MM-DD HH:MM`` in the business time zone."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(turn.services.state.settings.timezone)
    return f"{value.astimezone(tz):%m-%d %H:%M}" if value is not None else ""
