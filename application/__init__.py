"""What a user can do (use cases) and what that needs from the world (ports)."""
