/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { queryAll, queryOne } from "@odoo/hoot-dom";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The DPO opens Privacy, lands on the overview, and follows the overdue
// requests tile to the list behind it: as many rows as the tile said.
let tileValue = null;

registry.category("web_tour.tours").add("gdpr_overview_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Privacy app",
            trigger: ".o_app[data-menu-xmlid='gdpr_compliance.gdpr_menu_root']",
            run: "click",
        },
        {
            content: "The app opens on the overview, with its charts",
            trigger: ".o_gdpr_overview .o_gdpr_overview_chart[data-chart='consents']",
        },
        {
            content: "Follow the overdue requests tile",
            trigger: ".o_gdpr_tile[data-tile='request_overdue']",
            run(helpers) {
                tileValue = queryOne(
                    ".o_gdpr_tile[data-tile='request_overdue'] .o_gdpr_tile_value",
                ).textContent.trim();
                helpers.click();
            },
        },
        {
            content:
                "The list shows the overdue request built by the test, only overdue ones",
            trigger: ".o_list_view .o_data_row:contains('Tour Overdue Person')",
            run() {
                if (queryAll(".o_data_row:contains('Tour Recent Person')").length) {
                    throw new Error("A request still in time is listed as overdue");
                }
                const rows = queryAll(".o_list_view .o_data_row").length;
                if (String(rows) !== tileValue) {
                    throw new Error(
                        `The tile said ${tileValue} overdue requests, the list shows ${rows}`,
                    );
                }
            },
        },
    ],
});
