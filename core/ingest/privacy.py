"""Personal data: spot columns that hold e-mail addresses or phone numbers, and hash ids in exports.

A column is flagged when most of its sampled values look like e-mail addresses or phone
numbers, or when its name says it holds contact details (``email``, ``phone``, ``address``…).
The pipeline keeps flagged columns out of the segmentation (embedding, numbers, categories)
unless the analyst opts in with ``SegmentParams(allow_pii=(column, ...))``; an id column stays
the id, and exports can replace ids by keyed hashes (:func:`hash_ids`).

For the Data page: ``detect_pii(frame)`` returns ``{column: kind}``; ``describe_pii`` one
sentence per flagged column.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path

import pandas as pd

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?[\d\s().\-/]{7,20}")
_PHONE_DIGITS = re.compile(r"\d")
_SEPARATOR = re.compile(r"[\s().\-/+]")
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_CONTACT_NAME = re.compile(
    r"(^|[\s_\-.])(e-?mail|mail|phone|telephone|tel|mobile|cell|fax|address|street|postcode|zip|ssn|passport|iban)"
    r"([\s_\-.]|$)",
    re.IGNORECASE,
)
_SHARE = 0.5
_SAMPLE = 500
KEY_FILE = "privacy.key"


def _looks_like_phone(value: str) -> bool:
    # written with separators or a leading + (a bare long number is more likely an amount or an id), not a date
    return (len(value) >= 7 and bool(_PHONE.fullmatch(value)) and not _DATE_LIKE.fullmatch(value)
            and 7 <= len(_PHONE_DIGITS.findall(value)) <= 15 and bool(_SEPARATOR.search(value)))


def pii_kind(name: str, values: pd.Series) -> str | None:
    """``"email"``, ``"phone"`` or ``"contact"`` when the column looks like personal data, else None."""
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        sample = [v for v in (str(x).strip() for x in values.dropna().head(_SAMPLE)) if v]
        if sample and sum(bool(_EMAIL.fullmatch(v)) for v in sample) >= _SHARE * len(sample):
            return "email"
        if sample and sum(_looks_like_phone(v) for v in sample) >= _SHARE * len(sample):
            return "phone"
    if _CONTACT_NAME.search(name):
        return "contact"
    return None


def detect_pii(frame: pd.DataFrame) -> dict[str, str]:
    """Columns that look like personal data, with their kind (``email``, ``phone`` or ``contact``)."""
    found = {}
    for col in frame.columns:
        kind = pii_kind(str(col), frame[col])
        if kind:
            found[str(col)] = kind
    return found


def describe_pii(column: str, kind: str) -> str:
    """One sentence for the Data page about a flagged column."""
    what = {"email": "e-mail addresses", "phone": "phone numbers", "contact": "contact details (by its name)"}[kind]
    return (f"{column!r} looks like {what}: it is kept out of the segmentation unless you opt in, "
            "and ids can be hashed in exports.")


def mask_example(value: str) -> str:
    """An example value with most characters hidden, for display next to a flagged column."""
    if len(value) <= 2:
        return "•" * len(value)
    return value[0] + "•" * (len(value) - 2) + value[-1]


def workspace_key(workspace: str | Path) -> bytes:
    """The workspace's secret hashing key (created once, kept in ``privacy.key``, never exported)."""
    path = Path(workspace) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)  # atomic create-if-absent: a complete key appears, or the other process's stays
        except FileExistsError:
            pass
        finally:
            Path(tmp).unlink(missing_ok=True)
    return bytes.fromhex(path.read_text().strip())


def hash_ids(ids: pd.Series, key: bytes) -> pd.Series:
    """Replace each id by a keyed hash (HMAC-SHA256, 16 hex digits): stable per workspace, not reversible
    without the key, so lists exported at different times still join on the hashed id."""
    def one(value: object) -> str:
        return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    return ids.map(one, na_action="ignore").astype("string")


def exclude_pii(frame: pd.DataFrame, roles: dict[str, str], allow: tuple[str, ...],
                notices: list[str]) -> dict[str, str]:
    """Set columns that look like personal data to ``ignore`` unless allowed (an id column stays the id)."""
    roles = dict(roles)
    kept_out = []
    for col, kind in detect_pii(frame).items():
        if col in allow or roles.get(col) in ("id", "ignore"):
            continue
        roles[col] = "ignore"
        kept_out.append(f"{col!r} ({kind})")
    if kept_out:
        notices.append(f"Kept {', '.join(kept_out)} out of the segmentation because it looks like personal data; "
                       "opt in per column to use it.")
    return roles
