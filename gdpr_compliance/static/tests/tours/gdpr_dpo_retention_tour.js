/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The DPO previews who retention would process today (a dry run that changes
// nothing), then applies it to them (Art. 5(1)(e) GDPR).

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("gdpr_dpo_retention", {
    url: "/odoo/action-gdpr_compliance.gdpr_retention_run_action",
    steps: () => [
        {
            content: "Open the Retention menu",
            trigger:
                ".o_menu_sections [data-menu-xmlid='gdpr_compliance.gdpr_menu_retention']",
            run: "click",
        },
        {
            content: "Preview retention",
            trigger:
                ".dropdown-item[data-menu-xmlid='gdpr_compliance.gdpr_retention_preview_menu']",
            run: "click",
        },
        {
            content: "Preview as of today",
            trigger: ".modal button[name=action_preview]",
            run: "click",
        },
        {
            content: "A dry run",
            // what the server does before this shows can be slow on a busy machine
            timeout: 30000,
            trigger: ".o_form_view .o_field_widget[name=dry_run] input:checked",
        },
        {
            content: "The dry run lists the contact whose period is over",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Retention Tour Person):has(.o_field_cell[name=result]:contains(Would be processed))",
        },
        {
            content: "Apply retention to the contacts listed",
            trigger: ".o_statusbar_buttons button[name=action_apply]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The run is done, its lines done",
            // what the server does before this shows can be slow on a busy machine
            timeout: 30000,
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=done]) .o_field_widget[name=line_ids] .o_data_row:has(.o_field_cell[name=result]:contains(Done))",
        },
        {
            content: "A real run, not a dry run",
            trigger: ".o_form_view .o_field_widget[name=dry_run] input:not(:checked)",
        },
    ],
});
