"""Pages for crowdfunding: browsing pilots, pledging, the city console, delivery, and Stripe's
webhooks."""
