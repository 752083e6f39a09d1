"""The common-password list that PasswordPolicy refuses (NIST SP 800-63B-4 3.1.1.2)."""
