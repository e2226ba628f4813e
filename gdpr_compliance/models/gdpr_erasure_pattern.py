# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import html
import logging
import re
import unicodedata

from odoo import api, models
from odoo.tools import SQL, email_normalize, email_split

_logger = logging.getLogger(__name__)

try:
    import phonenumbers
except ImportError:  # Odoo runs without it too: digits and the company's prefix
    phonenumbers = None

# What replaces the person's identifiers wherever they are found in text.
ERASED_MARK = "[erased]"

# Full names shorter than this, or of one word, are too common to be
# searched for across the database: a homonym would lose data.
MIN_NAME_LENGTH = 6

MIN_PHONE_LENGTH = 6
# a number in international format with nothing but digits and separators
# (no trunk prefix in brackets, no extension)
INTERNATIONAL_PHONE = re.compile(r"(\+|00)(?!.*\(0\))[\d\s()./-]+")

# A plain ASCII address, which Odoo's parser would only lower-case: a batch of
# retention meets thousands of them.
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
)


def normalize_email(value):
    """``email_normalize`` of ``value``, without the parser for a plain
    address."""
    value = (value or "").strip()
    if PLAIN_ADDRESS.fullmatch(value):
        return value.lower()
    return email_normalize(value)


# The letters people type with or without their accent (a form in capitals
# or a keyboard without them drops it): each matches all.
LETTER_VARIANTS = {
    "a": "aàáâãäåā",
    "e": "eèéêëē",
    "i": "iìíîïī",
    "o": "oòóôõöøō",
    "u": "uùúûüū",
    "c": "cç",
    "n": "nñ",
    "y": "yýÿ",
    "s": "sš",
    "z": "zž",
}
# HTML's named entities of accented letters (&ograve;, &Eacute;, ...)
ENTITY_ACCENTS = "grave|acute|circ|tilde|uml|ring|slash|cedil|caron|macr"
APOSTROPHES = "'’‘`´"
# how an apostrophe or a space comes out of an HTML editor
APOSTROPHE_PATTERN = (
    "(?:['’‘`´]|&#0*39;|&#x0*27;|&apos;|&rsquo;|&lsquo;|&#0*821[67];|&#x0*201[89];)"
)
SPACE_PATTERN = r"(?:\s|&nbsp;|&#0*160;|&#x0*a0;)+"
AT_PATTERN = "(?:@|&#0*64;|&#x0*40;|&commat;)"
# what people put between the digits of a phone number
PHONE_SEPARATORS = r"[\s()./-]{0,3}"

# the accent-free form of every accented letter above, for PostgreSQL's
# translate() where the unaccent extension is missing, and for Python
ACCENTED = "".join(
    variants[1:] + variants[1:].upper() for variants in LETTER_VARIANTS.values()
)
PLAIN = "".join(
    base * (len(variants) - 1) + base.upper() * (len(variants) - 1)
    for base, variants in LETTER_VARIANTS.items()
)
UNACCENT_TABLE = str.maketrans(ACCENTED + APOSTROPHES[1:], PLAIN + "'" * 4)


def plain_text(value):
    """``value`` as the sweep compares texts: HTML entities decoded, accents
    and case dropped, one kind of apostrophe and of space."""
    value = html.unescape(value or "").translate(UNACCENT_TABLE)
    value = "".join(
        char
        for char in unicodedata.normalize("NFKD", value)
        if not unicodedata.combining(char)
    )
    return " ".join(value.lower().split())


class GdprErasurePattern(models.AbstractModel):
    """The forms an identifier takes in what people typed, for the erasure
    sweep: a phone number in any national or international format, an
    address in any case, a name with or without its accents, in capitals or
    HTML-escaped (Art. 17: the data is gone whatever its spelling)."""

    _name = "gdpr.erasure.pattern"
    _description = "Personal Data Erasure Patterns"

    # ------------------------------------------------------------------
    # Identifiers of a set of people
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_identifiers(self, values, keep_name=False):
        """What the sweep looks for, from the raw ``values`` (``{"name",
        "email", "phone": set of texts}``): ``{"wide": [(kind, value,
        prefix)], "local": [pattern]}``.

        "wide" is searched in every text column of the database: addresses
        and phones (kind "email", "phone"), and full names of at least
        MIN_NAME_LENGTH characters and two words (kind "name"), not in the
        columns that name a person. "local" are the shorter or one-word
        names: searched only in the person's own records and in the messages
        linked to them, never elsewhere, where a homonym would lose data."""
        wide = []
        emails = {}
        for value in values["email"]:
            for address in self._gdpr_addresses(value):
                emails.setdefault(address.lower(), address)
        wide += [("email", value, None) for value in emails.values()]
        phones = {}
        country = self.env.company.country_id
        for value in values["phone"]:
            parsed = self._gdpr_phone_parts(value, country)
            if parsed:
                phones.setdefault(parsed, value)
        wide += [("phone", national, prefix) for national, prefix in phones]
        local = []
        if not keep_name:
            names = {}
            for value in values["name"]:
                value = " ".join(html.unescape(value).split())
                if value:
                    names.setdefault(plain_text(value), value)
            for value in names.values():
                if self._gdpr_name_is_wide(value):
                    wide.append(("name", value, None))
                else:
                    local.append(self._gdpr_name_pattern(value))
        return {"wide": wide, "local": local}

    @api.model
    def _gdpr_name_is_wide(self, name):
        """A full name is searched across the database only when it is long
        and of several words: "Rita" or "Li Wu" name thousands of people."""
        return len(name) >= MIN_NAME_LENGTH and " " in name

    @api.model
    def _gdpr_addresses(self, value):
        """The addresses in ``value`` as typed and normalised."""
        value = (value or "").strip()
        found = [value] if PLAIN_ADDRESS.fullmatch(value) else email_split(value)
        addresses = set()
        for address in found or [value]:
            addresses.add(address.strip())
            normalized = normalize_email(address)
            if normalized:
                addresses.add(normalized)
        return {address for address in addresses if address}

    @api.model
    def _gdpr_phone_parts(self, value, country=None):
        """``(national number, country prefix)`` of a phone as digits, or
        None when it is too short to name anybody. A number written with
        the prefix of ``country`` (default: the company's) is split at once:
        country calling codes are prefix-free (E.164), so the prefix is the
        number's, and a retention batch meets thousands of them. Otherwise,
        with the phonenumbers library (Odoo's phone validation uses it too)
        any format parses; without it, the digits, and the country's prefix
        for a number written without one."""
        digits = re.sub(r"\D", "", value or "")
        if len(digits) < MIN_PHONE_LENGTH:
            return None
        if country is None:
            country = self.env.company.country_id
        prefix = str(country.phone_code or "")
        value = value.strip()
        international = value.startswith(("+", "00"))
        if international:
            digits = digits[2:] if value.startswith("00") else digits
            if (
                prefix
                and digits.startswith(prefix)
                and INTERNATIONAL_PHONE.fullmatch(value)
            ):
                return digits[len(prefix) :], prefix
        if phonenumbers:
            try:
                number = phonenumbers.parse(value, country.code or None)
            except phonenumbers.NumberParseException:
                number = None
            if number and number.country_code:
                national = phonenumbers.national_significant_number(number)
                if len(national) >= MIN_PHONE_LENGTH:
                    return national, str(number.country_code)
        if international:
            return digits, ""
        return digits, prefix

    # ------------------------------------------------------------------
    # Regular expressions (PostgreSQL's, case-insensitive)
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_pattern_of(self, kind, value, prefix=None):
        """The regular expression of an identifier of ``kind``."""
        if kind == "phone":
            return self._gdpr_phone_pattern(value, prefix)
        if kind == "email":
            return self._gdpr_email_pattern(value)
        return self._gdpr_name_pattern(value)

    @api.model
    def _gdpr_phone_pattern(self, national, prefix):
        """The national number's digits with any separators between them,
        with or without the international prefix (+39, 0039), never inside a
        longer number or a word (a hexadecimal key or checksum may hold the
        same digits)."""
        body = PHONE_SEPARATORS.join(national)
        international = f"(?:(?:\\+|00){prefix}{PHONE_SEPARATORS})?" if prefix else ""
        return f"(?<![0-9A-Za-z]){international}{body}(?![0-9A-Za-z])"

    @api.model
    def _gdpr_email_pattern(self, address):
        """The address in any case, its "@" also as an HTML entity."""
        return AT_PATTERN.join(
            re.sub(r"(\W)", r"\\\1", part) for part in address.split("@")
        )

    @api.model
    def _gdpr_name_pattern(self, name):
        """The name in any case, each letter with or without its accent or
        as an HTML entity, apostrophes and spaces as an HTML editor writes
        them."""
        parts = []
        for char in unicodedata.normalize("NFC", name):
            base = plain_text(char)
            if base in LETTER_VARIANTS:
                parts.append(self._gdpr_letter_pattern(base))
            elif char in APOSTROPHES:
                parts.append(APOSTROPHE_PATTERN)
            elif char.isspace():
                parts.append(SPACE_PATTERN)
            elif char.isalnum():
                parts.append(char)
            else:
                parts.append("\\" + char)
        return "".join(parts)

    @api.model
    def _gdpr_letter_pattern(self, base):
        variants = LETTER_VARIANTS[base]
        accented = variants[1:] + variants[1:].upper()
        decimal = "|".join(str(ord(char)) for char in accented)
        hexadecimal = "|".join(f"{ord(char):x}" for char in accented)
        return (
            f"(?:[{variants}{variants.upper()}]|&{base}(?:{ENTITY_ACCENTS});"
            f"|&#0*(?:{decimal});|&#x0*(?:{hexadecimal});)"
        )

    # ------------------------------------------------------------------
    # The same comparison in SQL
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_plain_sql(self, text):
        """SQL: ``text`` as ``plain_text`` compares it, for matching words:
        the HTML entities of accented letters, apostrophes and spaces
        decoded, lower case, without accents (PostgreSQL's unaccent where the
        extension is installed, else the accented letters above). A text of
        ASCII characters without entities is only lower-cased: most rows are,
        and translating them would cost more than reading them."""
        decoded = SQL(
            """regexp_replace(regexp_replace(regexp_replace(%(text)s,
                    %(letters)s, '\\1', 'gi'), %(apostrophes)s, '''', 'gi'),
                    %(spaces)s, ' ', 'gi')""",
            text=text,
            letters=f"&([a-z])(?:{ENTITY_ACCENTS});",
            apostrophes=APOSTROPHE_PATTERN.replace("['’‘`´]|", ""),
            spaces="&(?:nbsp|#0*160|#x0*a0);",
        )
        decoded = SQL("translate(%s, %s, %s)", decoded, APOSTROPHES[1:], "'" * 4)
        if self.env.registry.has_unaccent:
            decoded = SQL("unaccent(%s)", decoded)
        else:
            decoded = SQL("translate(%s, %s, %s)", decoded, ACCENTED, PLAIN)
        return SQL(
            "lower(CASE WHEN strpos(%s, '&') > 0 OR octet_length(%s) <> "
            "char_length(%s) THEN %s ELSE %s END)",
            text,
            text,
            text,
            decoded,
            text,
        )

    @api.model
    def _gdpr_digits_sql(self, text):
        """SQL: the numbers of ``text`` as digit strings, the separators a
        phone number is written with (spaces, dashes, dots, brackets,
        slashes, line breaks) dropped first, to match phone numbers whatever
        their format. Plain string replacements: a regular expression per row
        costs twice as much on a large table."""
        stripped = text
        for separator in (" ", "-", ".", "(", ")", "/", "\n"):
            stripped = SQL("replace(%s, %s, '')", stripped, separator)
        return SQL("regexp_split_to_array(%s, '[^0-9]+')", stripped)

    @api.model
    def _gdpr_erasing_assignment(self, column, data_type, pattern):
        """``column = <column with every match of pattern marked>``; the
        pattern is an SQL expression, NULL meaning nothing to replace."""
        col = SQL.identifier(column)
        as_text = SQL("%s::text", col) if data_type == "jsonb" else col
        replaced = SQL(
            "regexp_replace(%s, %s, %s, 'gi')", as_text, pattern, ERASED_MARK
        )
        if data_type == "jsonb":
            replaced = SQL("(%s)::jsonb", replaced)
        return SQL(
            "%s = CASE WHEN %s IS NOT NULL AND %s ~* %s THEN %s ELSE %s END",
            col,
            pattern,
            as_text,
            pattern,
            replaced,
            col,
        )
