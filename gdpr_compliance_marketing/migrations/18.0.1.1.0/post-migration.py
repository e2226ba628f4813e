# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Suppression hashes become scoped (Odoo's ``tools.hmac``): readable
entries are hashed again; erased ones, whose address is gone, are flagged
and still recognised by their former hash."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    rehashed, flagged = env["gdpr.suppression"]._gdpr_flag_legacy_hashes()
    _logger.info(
        "Scoped suppression hashes: %s entries hashed again, %s erased entries "
        "flagged legacy",
        rehashed,
        flagged,
    )
