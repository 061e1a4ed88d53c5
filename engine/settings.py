"""Application settings: the one place that reads the environment (pydantic-settings, ``FIREOPS_`` prefix).

Nested models use ``__`` in variable names, e.g. ``FIREOPS_TELEGRAM__BOT_TOKEN``.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_DEV_SECRET = "dev-only-change-me-0123456789abcdef"  # noqa: S105 - refused outside development


def default_database_url() -> str:
    """SQLite file under the user's data dir (``~/.local/share/fireops/fireops.db`` on Linux)."""
    data_dir = Path(platformdirs.user_data_dir("fireops"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'fireops.db'}"


class FilingSettings(BaseModel):
    """R-FILE-1: how the filing deadline is counted."""

    rule: Literal["working_days", "calendar_days"] = "working_days"
    days: int = Field(default=5, ge=1, le=30)


class ReviewSettings(BaseModel):
    """R-DUE: submitted tasks should be reviewed within this many days."""

    due_days: int = Field(default=2, ge=1, le=30)


class OutboxSettings(BaseModel):
    """Delivery of outbox notifications (``engine/outbox``): batching, retries, rate limits."""

    enabled: bool = True
    poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    batch_size: int = Field(default=20, ge=1, le=1000)
    concurrency: int = Field(default=10, ge=1, le=100)
    lease_s: float = Field(default=60.0, gt=0, le=3600)
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_s: float = Field(default=2.0, gt=0, le=3600)
    backoff_cap_s: float = Field(default=600.0, gt=0, le=86400)
    rate_per_s: float = Field(default=30.0, gt=0, le=10000)
    send_timeout_s: float = Field(default=30.0, gt=0, le=3600)


class SchedulerSettings(BaseModel):
    """The APScheduler jobs (``engine/scheduler.py``) and the R-DUE reminder rules they apply.

    Attributes:
        enabled: Run the scheduler in this process (``fireops serve --no-scheduler`` turns it off).
        lease_s: Scheduler lease length (s); renewed every third of it. A crashed holder is
            replaced within this time, a stopped one at once.
        scan_interval_s: ``reminders.scan`` interval (s).
        timer_interval_s: ``processes.refresh_timers`` interval (s).
        month_drafts_day: Month plan drafts are created from this day of the month on.
        month_drafts_hour: Hour of the daily ``plans.create_month_drafts`` run (it also runs when a
            process takes the lease, so a missed hour is caught up).
        plan_issue_day: The month's plan is due for issue by this day (R-DUE).
        task_remind_days_before: Month-end task reminder this many days before the last day (R-RPT-1).
        suspension_decide_days: Working days the fire department has to decide a suspension.
        fault_digest_day: Day of the monthly digest of negotiating/refused faults.
        contract_end_notice_days: Days before a contract's end to announce it.
        reminder_hour: Hour (Asia/Shanghai) at which day-based reminders become due.
    """

    enabled: bool = True
    lease_s: int = Field(default=60, ge=5, le=3600)
    scan_interval_s: int = Field(default=300, ge=5, le=86400)
    timer_interval_s: int = Field(default=60, ge=5, le=86400)
    month_drafts_day: int = Field(default=1, ge=1, le=28)
    month_drafts_hour: int = Field(default=1, ge=0, le=23)
    plan_issue_day: int = Field(default=5, ge=1, le=28)
    task_remind_days_before: int = Field(default=3, ge=1, le=27)
    suspension_decide_days: int = Field(default=2, ge=1, le=30)
    fault_digest_day: int = Field(default=1, ge=1, le=28)
    contract_end_notice_days: int = Field(default=30, ge=1, le=365)
    reminder_hour: int = Field(default=9, ge=0, le=23)


def _iso_dates(value: object) -> object:
    """``FIREOPS_CALENDAR__EXTRA_*`` as written by an admin: a JSON list, or ISO dates and ranges
    separated by commas/whitespace (``2027-01-01, 2027-02-06..2027-02-12``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        return json.loads(text)
    out: list[date] = []
    for part in text.replace(",", " ").split():
        first, _, last = part.partition("..")
        start, end = date.fromisoformat(first), date.fromisoformat(last or first)
        if end < start or (end - start).days > 366:
            raise ValueError(f"bad date range {part!r}: write YYYY-MM-DD..YYYY-MM-DD, first day first")
        out.extend(start + timedelta(days=i) for i in range((end - start).days + 1))
    return out


IsoDates = Annotated[tuple[date, ...], NoDecode, BeforeValidator(_iso_dates)]


class CalendarSettings(BaseModel):
    """China's working-day calendar beyond the ``chinesecalendar`` package (R-FILE-1, R-DUE).

    The package holds the State Council's holiday notices up to its release (2026 in 1.11); the
    next year's notice comes out each November. Until the package has it, an admin enters the
    official schedule here; a year with any date in either list counts as covered. Dates given
    here also override the package (a late correction). See ``workflows/filings/calendar.py``.

    Attributes:
        extra_holidays: Days off (法定节假日 and their bridging days), e.g.
            ``FIREOPS_CALENDAR__EXTRA_HOLIDAYS="2027-01-01, 2027-02-06..2027-02-12"``.
        extra_workdays: Weekend days worked instead (调休上班), e.g.
            ``FIREOPS_CALENDAR__EXTRA_WORKDAYS="2027-02-14, 2027-02-20"``.
        warn_ahead_days: At startup, warn about years falling within this many days from today
            that neither source covers.
    """

    model_config = ConfigDict(frozen=True)

    extra_holidays: IsoDates = ()
    extra_workdays: IsoDates = ()
    warn_ahead_days: int = Field(default=60, ge=0, le=730)

    @model_validator(mode="after")
    def _no_day_in_both(self) -> CalendarSettings:
        both = sorted(set(self.extra_holidays) & set(self.extra_workdays))
        if both:
            raise ValueError(f"days listed both as holiday and as workday: {', '.join(map(str, both))}")
        return self


WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""What Telegram accepts as a webhook ``secret_token``: 1-256 characters of ``A-Z a-z 0-9 _ -``."""


class TelegramSettings(BaseModel):
    """Telegram bot (``bots/telegram``).

    Attributes:
        bot_token: The bot's token from @BotFather; unset: no bot.
        webhook_secret: Secret token Telegram sends with every webhook call
            (``X-Telegram-Bot-Api-Secret-Token``); unset: the webhook answers 403. 1-256 characters
            of ``A-Z a-z 0-9 _ -`` (e.g. ``openssl rand -hex 32``), else the settings are refused.
        bot_username: The bot's username, for ``t.me/<bot>?start=<code>`` binding links.
        binding_code_ttl_s: Lifetime of a one-time binding code (s).
        update_retention_s: How long seen ``update_id`` values are kept for the dedupe (s).
    """

    bot_token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    bot_username: str = "fireops_bot"
    binding_code_ttl_s: int = Field(default=24 * 3600, ge=60)
    update_retention_s: int = Field(default=3 * 24 * 3600, ge=60)

    @model_validator(mode="before")
    @classmethod
    def _secrets_first(cls, data: Any) -> Any:
        """Wrap raw secret strings before field validation, so that an error shows ``**********``
        instead of the value (pydantic prints a field's input in its errors)."""
        if isinstance(data, dict):
            return {
                k: SecretStr(v) if k in ("bot_token", "webhook_secret") and isinstance(v, str) else v
                for k, v in data.items()
            }
        return data

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_accepts_the_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_PATTERN.fullmatch(value.get_secret_value()):
            raise ValueError(
                "FIREOPS_TELEGRAM__WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
                "(Telegram refuses any other secret_token); generate one with `openssl rand -hex 32` / "
                "FIREOPS_TELEGRAM__WEBHOOK_SECRET 须为 1-256 个字母、数字、_ 或 - 字符"
            )
        return value


class Settings(BaseSettings):
    """All configuration of fireops.

    Attributes:
        environment: ``development`` allows the built-in dev secret; ``production`` refuses it.
        database_url: SQLAlchemy URL; SQLite file by default, ``postgresql+psycopg://…`` in production.
        base_url: Public URL printed in report QR codes (``{base_url}/verify/{token}``).
        secret_key: Signs bearer tokens and report verification tokens.
        token_ttl_s: Bearer token lifetime in seconds.
        timezone: Business time zone for dates (plan months, deadlines).
    """

    model_config = SettingsConfigDict(
        env_prefix="FIREOPS_",
        env_nested_delimiter="__",
        extra="ignore",
        hide_input_in_errors=True,  # a validation error must never print a secret
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default_factory=default_database_url)
    base_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr = SecretStr(_DEV_SECRET)
    token_ttl_s: int = Field(default=12 * 3600, ge=60)
    timezone: str = "Asia/Shanghai"
    max_photo_bytes: int = 10 * 1024 * 1024
    password_rounds: int = Field(default=12, ge=4, le=16)
    filing: FilingSettings = FilingSettings()
    review: ReviewSettings = ReviewSettings()
    outbox: OutboxSettings = OutboxSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    calendar: CalendarSettings = CalendarSettings()
    telegram: TelegramSettings = TelegramSettings()

    @model_validator(mode="after")
    def _enforce_non_default_secrets(self) -> Settings:
        if self.environment == "production" and self.secret_key.get_secret_value() == _DEV_SECRET:
            raise ValueError("FIREOPS_SECRET_KEY must be set to a real secret in production")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
