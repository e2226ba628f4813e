/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A marketer opens a draft mailing, counts how many of its recipients will be
// skipped and why (no consent, unconfirmed subscription: Italian Privacy Code
// art. 130), looks at who they are, then sends it to the others.

import { registry } from "@web/core/registry";

const current = (state) =>
    `.o_statusbar_status button.o_arrow_button_current[data-value=${state}]`;

registry.category("web_tour.tours").add("gdpr_marketer_mailing", {
    steps: () => [
        {
            content: "The mailing's editor is ready",
            // counting reloads the record, which the editor of the body only
            // follows once its frame is loaded
            timeout: 30000,
            // (a mailing without a body offers its themes)
            trigger: 'div[name="body_arch"] :iframe #default',
        },
        {
            content: "Count who will be skipped",
            trigger: ".alert button[name=action_gdpr_count_exclusions]:enabled",
            run: "click",
        },
        {
            content: "Two recipients will be skipped",
            // what the server does before this shows can be slow on a busy machine
            timeout: 30000,
            trigger: ".alert .o_field_widget[name=gdpr_excluded_count]:contains(2)",
        },
        {
            content: "One has no consent",
            trigger:
                ".o_field_widget[name=gdpr_exclusion_summary]:contains('No consent (prospect) and no other basis: 1')",
        },
        {
            content: "The other has not confirmed the subscription",
            trigger:
                ".o_field_widget[name=gdpr_exclusion_summary]:contains('Subscription not confirmed (double opt-in): 1')",
        },
        {
            content: "See who they are",
            trigger: ".alert button[name=action_view_gdpr_excluded]:enabled",
            run: "click",
        },
        {
            content: "The two skipped contacts, and nobody else",
            trigger:
                ".o_list_view:has(.o_data_row:contains(Tour Pending)):has(.o_data_row:contains(Tour Prospect)):not(:has(.o_data_row:contains(Tour Consented)))",
        },
        {
            content: "Back to the mailing",
            trigger: ".o_breadcrumb a:contains(Spring collection)",
            run: "click",
        },
        {
            content: "Send it",
            trigger: ".o_statusbar_buttons button[name=action_launch]:enabled",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "Queued for sending",
            trigger: current("in_queue"),
        },
    ],
});
