"""A payment owed to an investor and paid out through the payments port: a bond line's share
(domain/investment/issued_bond.py) or a distribution of a benefit report
(domain/investment/agreement.py). It is owed until paid; a refusal is recorded with the
processor's words and tried again a day later, as often as it takes: nothing owed is lost. Each
attempt is asked for under its own deterministic key, so a run that died after the processor
answered asks again under the same key and pays nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PAYOUT_RETRY = timedelta(days=1)
OWED, PAID, FAILED = "owed", "paid", "failed"
MESSAGE_LENGTH = 300


@dataclass(kw_only=True)
class PayoutState:
    state: str = OWED
    attempts: int = 0
    retry_at: datetime | None = None
    failure: str = ""
    reference: str | None = None

    def due(self, now: datetime) -> bool:
        return self.state != PAID and (self.retry_at is None or now >= self.retry_at)

    def attempt_key(self, prefix: str) -> str:
        """The payments port's key for the next attempt."""
        return f"{prefix}-payout-{self.attempts + 1}"

    def failure_fields(self, message: str, now: datetime) -> dict[str, object]:
        """What a refusal event records: the attempt, the processor's words, the retry."""
        return {"attempt": self.attempts + 1,
                "message": (message or "The payout was refused")[:MESSAGE_LENGTH],
                "retry_at": now + PAYOUT_RETRY}

    def record_paid(self, reference: str) -> None:
        self.state, self.reference, self.retry_at, self.failure = PAID, reference, None, ""

    def record_failed(self, attempt: int, message: str, retry_at: datetime) -> None:
        self.state, self.attempts, self.failure, self.retry_at = (
            FAILED, attempt, message, retry_at)
