"""Pictures: pilots' covers and galleries, proposers' and fund sponsors' logos."""
