"""Channel-neutral chat core (Telegram now, WeChat next). Nothing here imports ``telegram``.

API for handler authors
=======================

Identity and the unit of work — :mod:`bots.core.services`
    ``ChatServices(state, channel, offload=True)``; ``await services.identify(external_id) ->
    ChatUser | None``; ``await services.call(user, fn) -> T`` runs ``fn(ctx)`` with ``ctx.actor``
    = the freshly re-loaded bound person in one transaction and commits; a ``DomainError`` rolls
    back and is raised as ``ChatRefusal(text, code)`` (text from ``error.<code>`` in the catalog
    around the error's own message in the user's language, see ``i18n.refusal_text``).
    ``call_system(fn, lang=…)`` runs without an actor (binding). Handlers never open sessions or
    write SQL: read-only choice lists live in ``workflows/chat/lookups.py`` and what a card may
    offer the viewer (dispose, review, file, rate, decide; stale-card checks) in
    ``workflows/chat/actions.py``. Nothing in ``bots/`` imports SQLAlchemy or SpiffWorkflow, and
    only ``bots/telegram`` imports ``telegram`` (``tests/bots/test_layering.py``).

Messages — :mod:`bots.core.cards`
    ``Card(text, buttons=[[Button(text, data=callback | url=…)]], document=(name, bytes) | None,
    photo=bytes | None)``.

Callback data — :mod:`bots.core.callbacks`
    ``encode(noun, verb, uuid, arg=None) -> "v1:<noun>:<verb>:<32 hex>[:<arg>]"`` (≤ 64 bytes,
    noun/verb ``[a-z_]{1,8}``, arg ``[A-Za-z0-9_.-]{0,16}``; raises ``ValueError`` otherwise);
    ``decode(data) -> Callback(noun, verb, id, arg) | None`` never raises. Decoded data is still
    untrusted: pass the id to a service, which checks role and scope. Put choice lists (leaders,
    executors) in the dialog and the *index* in ``arg``.

Texts — :mod:`bots.core.i18n`
    ``t(key, lang, **params)``; ``register({key: (zh, en)})`` for a feature's entries;
    ``normalize_lang(telegram_language_code)``. The person's language is stored on the binding
    (``ChatUser.lang``), set at ``/start`` from Telegram's ``language_code``, changed by ``/lang``.

Dialogs — :mod:`bots.core.dialogs` (the service :mod:`workflows.chat.dialogs`, table ``chat_dialog``)
    Inside ``services.call``: ``start(ctx, channel, name, step, data)``, ``get(ctx, channel) ->
    Dialog(name, step, data) | None``, ``advance(ctx, channel, step, **data)``, ``finish(ctx,
    channel)``. Data is JSON (ids as strings). Survives restarts and several processes. Edits of
    old messages are never dialog input (only live locations, for dialogs that ask for them).

Menus — :mod:`bots.core.menus`
    ``register_menu_entry(MenuEntry(key, label_key, roles, steps=…, count=…, always=…, order=…))``;
    ``build_menu(ctx, person, lang) -> Card``; ``work_items(ctx, person, *steps)`` filters the inbox.
    A press arrives as ``v1:menu:<key>:<person id>``.

Notifications — :mod:`bots.core.notifications`
    ``render_notification(kind, payload, recipient: ChatRecipient) -> Card`` (language and buttons
    from the recipient: their person id, language and roles); one ``KindSpec(title, body, links)``
    per kind of ``workflows.notifications.events.NOTIFICATION_KINDS``: the texts in
    :mod:`bots.core.notification_texts` (catalog: :mod:`bots.core.notification_catalog`), the
    buttons by recipient in the ``LINKS`` table; ``register_renderer(kind, spec)``.

Telegram handler modules (``bots/telegram/handlers/<feature>.py``)
    ``build_handlers(services) -> list[BaseHandler]`` (required) and ``DIALOG_INPUTS = {dialog
    name: async fn(turn, dialog)}`` (optional: every non-command message of a person with that
    dialog open — text, photo, location, document — goes there). Use
    ``bots.telegram.views.callback_handler(noun, action, verbs="a|b")`` and ``command_handler``:
    they answer the press, decode the data, identify the person (unbound → "/start") and show
    refusals; ``Turn`` offers ``call``, ``send(card)``, ``say(key)``, ``send_photos``,
    ``close_card(text)`` (edit the pressed card, drop its buttons: decided cards). See
    ``bots/telegram/handlers/__init__.py`` for the callback nouns already taken.
"""
