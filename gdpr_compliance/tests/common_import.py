# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import io

import openpyxl
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import new_test_user

from .common import GdprCommon

HEADER = [
    "Name",
    "Email",
    "Phone",
    "City",
    "Consent",
    "Consent Date",
    "Consent Channel",
    "Consent Evidence",
]


def csv_file(rows, header=None):
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return output.getvalue().encode()


def xlsx_file(rows, header=None):
    """A real Excel workbook, dates as date cells (what people type)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, fields.date):
                cell.number_format = "yyyy-mm-dd"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


class ImportCommon(GdprCommon):
    """People importing contact lists: a marketer, a sales manager, a
    salesperson without the right to import; a privacy notice in force
    since before the consents of the files."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.it")
        cls.Import = cls.env["gdpr.import"]
        cls.source_web = cls.env.ref("gdpr_compliance.gdpr_source_website")
        cls.today = fields.Date.today()
        cls.answered = cls.today - relativedelta(months=2)
        cls.notice = cls.env["gdpr.privacy.notice"].create(
            {
                "name": "Import test notice",
                "valid_from": cls.today - relativedelta(years=1, days=3),
                "purpose_ids": [(6, 0, cls.purpose_marketing.ids)],
                "body": "<p>We write to you about our products.</p>",
            }
        )
        cls.user_marketing = new_test_user(
            cls.env,
            login="gdpr_test_marketer",
            groups="gdpr_compliance.group_gdpr_marketing",
            name="Test Marketer",
            email="marketer@example.com",
        )
        cls.user_manager = new_test_user(
            cls.env,
            login="gdpr_test_sales_manager",
            groups="sales_team.group_sale_manager",
            name="Test Sales Manager",
            email="manager@example.com",
        )

    def _import(
        self, content, file_name="contacts.csv", user=None, lang=None, **settings
    ):
        """An import of ``content`` by ``user`` (the marketer), working in
        ``lang`` as the web client would, its columns read and suggested."""
        values = {
            "file": base64.b64encode(content),
            "file_name": file_name,
            "source_id": self.source_web.id,
            "legal_basis": "legitimate_interest",
            "notice_id": self.notice.id,
        }
        values.update(settings)
        Import = self.Import.with_user(user or self.user_marketing)
        if lang:
            Import = Import.with_context(lang=lang)
        imp = Import.create(values)
        imp.action_read_file()
        return imp

    def _checked(self, rows, header=None, user=None, **settings):
        imp = self._import(csv_file(rows, header), user=user, **settings)
        imp.action_check()
        return imp

    def _lines(self, imp):
        return {line.row_number: line for line in imp.line_ids}

    def _report(self, imp):
        text = base64.b64decode(imp.report_file).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))[1:]

    def _row(self, name, email="", phone="", consent="", answered=None, **extra):
        """A row of HEADER; ``extra``: channel, evidence, city."""
        return [
            name,
            email,
            phone,
            extra.get("city", ""),
            consent,
            fields.Date.to_string(answered) if answered else "",
            extra.get("channel", ""),
            extra.get("evidence", ""),
        ]
