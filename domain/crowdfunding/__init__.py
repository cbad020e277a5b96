"""Crowdfunding: pilots (projects) and their campaigns, citizens' pledges, settlement at the
deadline (charge, release, refund, retry, drop), and delivery (milestones, updates)."""
