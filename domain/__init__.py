"""What an account, a token and a session are: plain objects and their rules, no I/O."""
