# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, http
from odoo.http import content_disposition, request


class GdprRegisterController(http.Controller):
    @http.route("/gdpr/register.csv", type="http", auth="user", methods=["GET"])
    def gdpr_register_csv(self, ids=None, **kwargs):
        """Download the register of processing activities (Art. 30) as CSV."""
        purposes = request.env["gdpr.purpose"]
        purposes.check_access("read")
        domain = []
        if ids:
            try:
                domain = [("id", "in", [int(i) for i in ids.split(",") if i])]
            except ValueError:
                return request.not_found()
        content = purposes.search(domain)._gdpr_register_csv()
        filename = f"register_of_processing_{fields.Date.today()}.csv"
        return request.make_response(
            content.encode("utf-8-sig"),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
