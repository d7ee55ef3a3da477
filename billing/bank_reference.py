"""ISO 11649 structured creditor references ("RF" references): what a bank transfer quotes
so that a statement line finds its invoice. Pure functions, no Django."""

import re


def _digits(text: str) -> int:
    # Letters count as two digits (A=10 ... Z=35), as in IBAN check digits.
    return int("".join(str(int(char, 36)) for char in text))


def rf_reference(invoice_number: str) -> str:
    """RF + two check digits + the invoice number's letters and digits (at most 21)."""
    body = re.sub(r"[^0-9A-Za-z]", "", invoice_number).upper()[:21]
    check = 98 - _digits(body + "RF00") % 97
    return f"RF{check:02d}{body}"


def rf_is_valid(reference: str) -> bool:
    compact = re.sub(r"\s", "", reference).upper()
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", compact):
        return False
    return _digits(compact[4:] + compact[:4]) % 97 == 1


def rf_find(text: str) -> str | None:
    """The first valid RF reference in free text (a remittance line), compacted."""
    for match in re.finditer(r"RF\s?\d{2}(?:\s?[0-9A-Za-z]){1,21}", text or "", flags=re.IGNORECASE):
        candidate = re.sub(r"\s", "", match.group(0)).upper()
        # Greedy matching may swallow a following word; shorten until the check digits agree.
        while len(candidate) > 4:
            if rf_is_valid(candidate):
                return candidate
            candidate = candidate[:-1]
    return None
