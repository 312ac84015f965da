"""Builder accounts: password hashing and account creation."""
