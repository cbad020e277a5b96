"""Procurement: co-investment calls (PCP and PPI), proposals, evaluation and award."""
