# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pytest configuration shared by every test folder of the repository."""

import pytest


@pytest.fixture(autouse=True)
def odoo_current_test(request):
    """Tell Odoo a test is running, as its own runner does.

    pytest-odoo sets ``odoo.modules.module.current_test`` only from Odoo 19
    on; on 18 Odoo would otherwise really send the emails of the tests
    (ir.mail_server checks this flag) and skip test-only code paths.
    """
    import odoo.modules.module

    previous = odoo.modules.module.current_test
    odoo.modules.module.current_test = request.instance or True
    try:
        yield
    finally:
        odoo.modules.module.current_test = previous
