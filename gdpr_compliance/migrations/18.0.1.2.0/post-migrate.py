# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The consent ledger's evidence, IP addresses and browsers were stored in
clear, and stayed after the person's erasure: they are encrypted in place
with each person's key (destroyed by the erasure, as the audit log's), the
chain is re-sealed over what is stored now and the re-sealing is recorded in
the audit log."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    count = env["gdpr.consent.event"]._gdpr_encrypt_legacy_values()
    _logger.info("Consent ledger: %s event(s) encrypted and re-sealed", count)
