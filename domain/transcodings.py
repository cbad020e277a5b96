"""How domain value objects are written into stored events."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Transcoding

from domain.crowdfunding.project import BudgetLine
from domain.kernel.money import Money
from domain.procurement.cost_benefit import CostBenefitAnalysis


class MoneyAsDict(Transcoding):
    type = Money
    name = "money"

    def encode(self, obj: Money) -> dict[str, Any]:
        return {"minor": obj.minor, "currency": obj.currency}

    def decode(self, data: dict[str, Any]) -> Money:
        return Money(data["minor"], data["currency"])


class BudgetLineAsDict(Transcoding):
    type = BudgetLine
    name = "budget_line"

    def encode(self, obj: BudgetLine) -> dict[str, Any]:
        return {"label": obj.label, "amount": obj.amount, "required": obj.required}

    def decode(self, data: dict[str, Any]) -> BudgetLine:
        return BudgetLine(data["label"], data["amount"], data["required"])


class CostBenefitAnalysisAsDict(Transcoding):
    type = CostBenefitAnalysis
    name = "cost_benefit_analysis"

    def encode(self, obj: CostBenefitAnalysis) -> dict[str, Any]:
        return obj.as_data()

    def decode(self, data: dict[str, Any]) -> CostBenefitAnalysis:
        return CostBenefitAnalysis.from_data(data)


TRANSCODINGS = (MoneyAsDict(), BudgetLineAsDict(), CostBenefitAnalysisAsDict())
