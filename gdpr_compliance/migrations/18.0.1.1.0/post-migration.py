# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pseudonymous keys become scoped (Odoo's ``tools.hmac``). The audit log's
entries, hash-chained, keep naming people by their former key: each former
key stored anywhere is recorded with the person's new key instead."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    aliased, unmatched = env["gdpr.keyed.hash"]._gdpr_alias_legacy_pseudonyms()
    _logger.info(
        "Scoped pseudonyms: %s former key(s) aliased, %s unmatched",
        aliased,
        unmatched,
    )
