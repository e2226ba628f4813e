# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL

# Countries whose numbers keep their leading 0 after the international
# prefix (Italy since 1998, San Marino, Vatican City); elsewhere that 0 is a
# trunk prefix, dropped in the international form (+33 1…, national 01…).
KEEP_LEADING_ZERO = ("IT", "SM", "VA")

# A phone key shorter than this is an extension or a typing error, not a
# number that identifies somebody.
MIN_PHONE_DIGITS = 8

# Which key wins when a person matches several contacts: the address first,
# then the tax number of a company, then a phone number.
MATCH_PRIORITY = {"email": 1, "vat": 2, "phone": 3}


class GdprPartnerMatching(models.AbstractModel):
    """Who in a list of people is already a contact, and who appears twice in
    the list itself: by normalised email, by tax number for companies, by
    phone number written in any format.

    The keys of the phone numbers and of the tax numbers are one SQL
    expression each, applied alike to the list and to the contacts."""

    _name = "gdpr.partner.matching"
    _description = "Duplicate Contact Detection"

    @api.model
    def _gdpr_phone_key(self, number, calling_code, country_code):
        """The digits of a phone number in international form (``+39 02 1234``,
        ``0039-02-1234`` and, in Italy, ``02 1234`` give ``39021234``). The
        arguments are SQL expressions; the country's calling code completes a
        number written without one."""
        digits = SQL("regexp_replace(%s, '[^0-9+]', '', 'g')", number)
        return SQL(
            """
            CASE
                WHEN left(%(digits)s, 1) = '+' THEN replace(%(digits)s, '+', '')
                WHEN left(%(digits)s, 2) = '00' THEN substr(%(digits)s, 3)
                WHEN %(calling_code)s IS NULL THEN NULL
                WHEN %(country_code)s IN %(keep_zero)s
                    THEN %(calling_code)s || %(digits)s
                ELSE %(calling_code)s || regexp_replace(%(digits)s, '^0', '')
            END
            """,
            digits=digits,
            calling_code=calling_code,
            country_code=country_code,
            keep_zero=KEEP_LEADING_ZERO,
        )

    @api.model
    def _gdpr_vat_key(self, vat, country_code):
        """A tax number without spaces, dots and dashes, upper case, with the
        country's prefix when it is written without (``IT 012.345`` and
        ``012345`` of an Italian company give ``IT012345``)."""
        compact = SQL("upper(regexp_replace(%s, '[^0-9A-Za-z]', '', 'g'))", vat)
        return SQL(
            """
            CASE
                WHEN %(compact)s ~ '^[A-Z]{2}' OR %(country_code)s IS NULL
                    THEN %(compact)s
                ELSE %(country_code)s || %(compact)s
            END
            """,
            compact=compact,
            country_code=country_code,
        )

    @api.model
    def _gdpr_keys_query(self, source, email_filter=None):
        """``(ref, kind, key)`` rows of the keys of the people of ``source``
        (an SQL relation with columns ``ref``, ``email`` already normalised,
        ``phone``, ``mobile``, ``vat``, ``is_company``, ``country_id``): their
        email, the tax number of a company, each phone number. A person
        without a country is in the company's."""
        country_join = SQL(
            "LEFT JOIN res_country kc ON kc.id = COALESCE(s.country_id, %s)",
            self.env.company.country_id.id or None,
        )
        country_code = SQL("upper(kc.code)")
        return SQL(
            """
            SELECT s.ref, 'email' AS kind, s.email AS key
              FROM %(source)s s
             WHERE s.email IS NOT NULL AND %(email_filter)s
            UNION ALL
            SELECT s.ref, 'vat', %(vat_key)s
              FROM %(source)s s %(country_join)s
             WHERE s.is_company AND COALESCE(s.vat, '') != ''
            UNION ALL
            SELECT s.ref, 'phone', %(phone_key)s
              FROM %(source)s s %(country_join)s
             CROSS JOIN LATERAL (VALUES (s.phone), (s.mobile)) AS n(number)
             WHERE COALESCE(n.number, '') != ''
            """,
            source=source,
            email_filter=email_filter or SQL("TRUE"),
            country_join=country_join,
            vat_key=self._gdpr_vat_key(SQL("s.vat"), country_code),
            phone_key=self._gdpr_phone_key(
                SQL("n.number"), SQL("NULLIF(kc.phone_code, 0)::text"), country_code
            ),
        )

    @api.model
    def _gdpr_match(self, people):
        """Match ``people`` (dicts with ``ref``, a number unique in the list;
        ``email``, normalised; ``phone``, ``mobile``, ``vat``, ``is_company``,
        ``country_id``) against every contact, archived ones included, and
        against the people before them in the list.

        Returns ``{ref: (kind, partner_id, earlier_ref)}`` for the people who
        match: the contact found by the key of highest priority (the oldest
        when several share it), else the first earlier person of the list
        sharing one of their keys."""
        if not people:
            return {}
        columns = {
            "ref": "int4",
            "email": "varchar",
            "phone": "varchar",
            "mobile": "varchar",
            "vat": "varchar",
            "is_company": "bool",
            "country_id": "int4",
        }
        arrays = SQL(", ").join(
            SQL(
                "%s::%s[]",
                [
                    bool(person[column]) if kind == "bool" else (person[column] or None)
                    for person in people
                ],
                SQL(kind),
            )
            for column, kind in columns.items()
        )
        contacts = SQL(
            "(SELECT id AS ref, email_normalized AS email, phone, mobile, vat, "
            "is_company, country_id FROM res_partner)"
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH people AS (
                         SELECT * FROM unnest(%(arrays)s) AS p(%(columns)s)),
                     people_keys AS MATERIALIZED (%(people_keys)s),
                     contact_keys AS MATERIALIZED (%(contact_keys)s)
                SELECT k.ref, k.kind, k.key, min(c.ref)
                  FROM people_keys k
                  LEFT JOIN contact_keys c ON c.kind = k.kind AND c.key = k.key
                 WHERE k.key IS NOT NULL
                   AND (k.kind != 'phone' OR length(k.key) >= %(min_digits)s)
              GROUP BY k.ref, k.kind, k.key
                """,
                arrays=arrays,
                columns=SQL(", ").join(map(SQL.identifier, columns)),
                people_keys=self._gdpr_keys_query(SQL("people")),
                contact_keys=self._gdpr_keys_query(
                    contacts,
                    SQL(
                        "s.email IN (SELECT key FROM people_keys WHERE kind = 'email')"
                    ),
                ),
                min_digits=MIN_PHONE_DIGITS,
            )
        )
        return self._gdpr_resolve_matches(
            [person["ref"] for person in people], self.env.cr.fetchall()
        )

    @api.model
    def _gdpr_resolve_matches(self, refs, key_rows):
        """From ``(ref, kind, key, partner_id)`` rows to each person's match,
        in list order: a contact, else the first earlier person sharing a key
        (or, when that person matched a contact, that contact)."""
        keys_of = {}
        for ref, kind, key, partner_id in key_rows:
            keys_of.setdefault(ref, []).append(
                (MATCH_PRIORITY[kind], kind, key, partner_id)
            )
        first_with_key = {}
        matches = {}
        for ref in refs:
            keys = sorted(
                keys_of.get(ref, ()), key=lambda item: item[:1] + (item[3] or 0,)
            )
            contact = next(
                (
                    (kind, partner_id)
                    for _prio, kind, _key, partner_id in keys
                    if partner_id
                ),
                None,
            )
            earlier = next(
                (
                    (kind, first_with_key[(kind, key)])
                    for _prio, kind, key, _partner in keys
                    if (kind, key) in first_with_key
                ),
                None,
            )
            if contact:
                matches[ref] = (contact[0], contact[1], None)
            elif earlier:
                kind, leader = earlier
                leader_match = matches.get(leader)
                if leader_match and leader_match[1]:
                    matches[ref] = (kind, leader_match[1], None)
                else:
                    matches[ref] = (
                        kind,
                        None,
                        leader_match[2] if leader_match else leader,
                    )
            for _prio, kind, key, _partner in keys:
                first_with_key.setdefault((kind, key), ref)
        return matches
