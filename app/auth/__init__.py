"""Who may do and see what: roles, the access rules, identity protection, passwords, sessions, rate limits."""
