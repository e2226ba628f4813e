/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

// A marketer imports a small list from a trade fair: two new people who
// gave consent on the badge form, and one already in the contacts.
const FILE = [
    "Name,Email,Phone,Consent,Consent Channel",
    "Tour Alpha,tour.alpha@example.com,+39 02 555 0001,yes,paper",
    "Tour Beta,tour.beta@example.com,,given,paper",
    "Tour Known,TOUR.KNOWN@example.com,,given,paper",
].join("\n");

registry.category("web_tour.tours").add("gdpr_import_tour", {
    url: "/odoo/action-gdpr_compliance.gdpr_import_action",
    steps: () => [
        {
            content: "Start a new import",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Upload the fair's file",
            trigger: ".o_field_widget[name=file] .o_select_file_button",
            run() {
                const input = document.querySelector(
                    ".o_field_widget[name=file] input[type=file]",
                );
                const transfer = new DataTransfer();
                transfer.items.add(new File([FILE], "fair.csv", { type: "text/csv" }));
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The file is there",
            trigger: ".o_field_widget[name=file_name]:contains(fair.csv)",
        },
        {
            content: "Where the people were met",
            trigger: ".o_field_widget[name=source_id] input",
            run: "edit Trade fair",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Trade fair)",
            run: "click",
        },
        {
            content: "On which basis",
            trigger: ".o_field_widget[name=legal_basis] select",
            run: 'select "consent"',
        },
        {
            content: "After which notice",
            trigger: ".o_field_widget[name=notice_id] input",
            run: "edit Import test notice",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Import test notice)",
            run: "click",
        },
        {
            content: "Read the columns",
            trigger: "button[name=action_read_file]",
            run: "click",
        },
        {
            content: "The columns are matched to the contact's fields",
            trigger:
                ".o_field_widget[name=column_ids] .o_data_row:contains(Consent Channel):contains(paper)",
        },
        {
            content: "Check every row",
            trigger: "button[name=action_check]",
            run: "click",
        },
        {
            content: "Two new people",
            trigger: ".oe_stat_button:contains(New) .o_stat_value:contains(2)",
        },
        {
            content: "One already known",
            trigger: ".oe_stat_button:contains(Duplicates) .o_stat_value:contains(1)",
        },
        {
            content: "See the rows",
            trigger: ".o_notebook .nav-link:contains(Rows)",
            run: "click",
        },
        {
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Tour Known):contains(Same email)",
        },
        {
            content: "Import",
            trigger: "button[name=action_import]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Imported",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Imported)",
        },
        {
            content: "The new contacts are one click away",
            trigger: ".oe_stat_button:contains(Contacts) .o_stat_value:contains(2)",
        },
    ],
});
