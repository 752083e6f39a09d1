"""In-memory stand-ins for the ports that behave like the real adapters."""
