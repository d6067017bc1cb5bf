"""Saudi identifiers: digits as people type them, mobiles, IBANs, national IDs (LOCALE.md)."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import luhn

# Arabic-Indic and Persian digits become ASCII before anything is validated.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# SAMA bank codes (positions 5–6 of a Saudi IBAN). Needs confirming against SAMA's own list;
# schwifty has no Saudi bank registry.
SAUDI_BANKS = {
    "10": "البنك الأهلي السعودي",
    "15": "بنك البلاد",
    "20": "بنك الرياض",
    "30": "البنك العربي الوطني",
    "40": "البنك السعودي الأول",
    "45": "البنك السعودي البريطاني",
    "50": "البنك السعودي الفرنسي",
    "55": "البنك السعودي الفرنسي",
    "60": "بنك الجزيرة",
    "65": "البنك السعودي للاستثمار",
    "71": "بنك الخليج الدولي",
    "76": "بنك مسقط",
    "80": "مصرف الراجحي",
    "05": "مصرف الإنماء",
}


_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def ascii_digits(value: str) -> str:
    return value.translate(_DIGITS)


def shown_digits(value, style: str) -> str:
    """`value` as text in the digits an association prints with: "arabic" (١٤٤٦), else as it is
    (Latin, the default: what older published versions were printed with)."""
    text = str(value)
    return text.translate(_ARABIC_INDIC) if style == "arabic" else text


def phone_local(value: str) -> str:
    """An E.164 Saudi number as Saudis write it: 011 234 5678, 055 123 4567, 9200 12345."""
    try:
        number = phonenumbers.parse(value, "SA")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def national_id_masked(value: str) -> str:
    """A national ID or iqama number with all but its last four digits hidden: enough to tell
    two people apart in a list, not enough to use."""
    return "•" * max(len(value) - 4, 0) + value[-4:]


def iban_grouped(iban: str) -> str:
    """The IBAN in its printed form, in groups of four: SA78 8000 0430 …"""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def normalize_iban(value: str) -> str:
    """The IBAN in its electronic form, or a ValidationError saying what is wrong with it."""
    compact = ascii_digits(value).replace(" ", "").replace("-", "").upper()
    if not compact:
        raise ValidationError(_("Enter an IBAN."), code="required")
    if compact.startswith("SA") and len(compact) != 24:
        raise ValidationError(
            _("A Saudi IBAN has 24 characters: SA, two check digits and 20 more."),
            code="iban_length",
        )
    try:
        iban = IBAN(compact)
    except SchwiftyException as error:
        raise ValidationError(
            _("This IBAN is not valid: its check digits or format are wrong."), code="iban"
        ) from error
    return iban.compact


def saudi_bank_name(iban: str) -> str:
    return SAUDI_BANKS.get(iban[4:6], "") if iban.startswith("SA") else ""


def normalize_phone(value: str, *, mobile_only: bool = False) -> str:
    """A Saudi phone number in E.164 (+9665XXXXXXXX), or a ValidationError."""
    try:
        number = phonenumbers.parse(ascii_digits(value), "SA")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("Enter a phone number such as 0512345678."), code="phone"
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This phone number is not valid."), code="phone")
    if mobile_only and phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise ValidationError(_("Enter a mobile number such as 0512345678."), code="mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_national_id(value: str) -> str:
    """A 10-digit national ID (1…) or iqama (2…) whose Luhn check digit holds."""
    digits = ascii_digits(value).strip()
    if not (len(digits) == 10 and digits.isdigit()):
        raise ValidationError(_("A national ID or iqama number has 10 digits."), code="id_length")
    if digits[0] not in "12":
        raise ValidationError(
            _("A national ID starts with 1 and an iqama number with 2."), code="id_prefix"
        )
    if not luhn.is_valid(digits):
        raise ValidationError(
            _(
                "This ID number's check digit is wrong: a digit is probably mistyped. Compare the "
                "ten digits with the ID card."
            ),
            code="id_checksum",
        )
    return digits
