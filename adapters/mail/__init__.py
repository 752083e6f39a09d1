"""Outgoing mail: the wording, SMTP delivery with aiosmtplib, `.eml` files for development, and
the loop that works off the outbox."""
