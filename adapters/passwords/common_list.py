"""Reads the common-password list shipped with the package (package data, so it works installed).

`common_passwords.txt`: the 30,000 most frequent passwords of Mark Burnett's "10 million
passwords" corpus (xato.net, 2015, released to the public domain), as compiled into the
`passwords` frequency list of zxcvbn (Dropbox; MIT licence), taken from zxcvbn 4.5.0 on PyPI
(zxcvbn-python, MIT). One per line, casefolded, duplicates removed, most frequent first.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

LIST_FILE = "common_passwords.txt"


@cache
def load_common_passwords() -> frozenset[str]:
    """Every entry of the shipped list, casefolded; read once per process."""
    text = resources.files("adapters.passwords").joinpath(LIST_FILE).read_text(encoding="utf-8")
    return frozenset(line.casefold() for line in text.splitlines() if line)
