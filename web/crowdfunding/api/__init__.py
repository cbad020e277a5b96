"""The crowdfunding API: projects, pledges, settlement and delivery."""
