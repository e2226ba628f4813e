/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A salesperson enters a new contact: the form refuses it without a legal
// basis and a source (Art. 6(1), 14(2)(f) GDPR), takes it with them, then the
// salesperson records the person's marketing consent and sees its state.

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("gdpr_salesperson_contact_consent", {
    url: "/odoo/contacts",
    steps: () => [
        {
            content: "Create a contact",
            trigger: ".o_control_panel .o-kanban-button-new, .o_list_button_add",
            run: "click",
        },
        {
            content: "A person, not a company",
            trigger:
                ".o_form_view .o_field_widget[name=company_type] input[data-value=person]",
            run: "click",
        },
        {
            content: "The form is a person's (after the server's onchange)",
            trigger: ".o_form_view .o_field_widget[name=function] input",
        },
        {
            content: "Type the person's name",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Lucia Ferretti",
        },
        {
            content: "Type the person's email",
            trigger: ".o_form_view .o_field_widget[name=email] input",
            run: "edit lucia.ferretti@example.org",
        },
        {
            content: "Save without a legal basis nor a source",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The form names the two missing fields",
            trigger:
                ".o_notification:contains(Invalid fields):contains(Legal Basis):contains(Data Source)",
        },
        {
            content: "Open the Privacy tab",
            trigger: ".o_notebook .nav-link[name=gdpr_privacy]",
            run: "click",
        },
        {
            content: "The legal basis is marked as missing",
            trigger: ".o_field_widget.o_field_invalid[name=gdpr_legal_basis]",
        },
        {
            content: "Choose consent as the legal basis",
            trigger: ".o_field_widget[name=gdpr_legal_basis] select",
            run: 'select "consent"',
        },
        {
            content: "Look for the source",
            trigger: ".o_field_widget[name=gdpr_source_id] input",
            run: "edit Trade fair",
        },
        {
            content: "Pick the trade fair",
            trigger: ".o-autocomplete--dropdown-item a:contains(Trade fair)",
            run: "click",
        },
        {
            content: "Save the contact",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: no consent recorded yet",
            trigger:
                ".o_form_saved .o_field_widget[name=gdpr_consent_ids]:not(:has(.o_data_row))",
        },
        {
            content: "Record a consent",
            trigger: "button[name=action_gdpr_record_consent]",
            run: "click",
        },
        {
            content: "Look for the purpose",
            trigger: ".modal .o_field_widget[name=purpose_id] input",
            run: "edit Direct marketing",
        },
        {
            content: "Pick direct marketing",
            trigger: ".o-autocomplete--dropdown-item a:contains(Direct marketing)",
            run: "click",
        },
        {
            content: "The consent was given on a paper form",
            trigger: ".modal .o_field_widget[name=channel] select",
            run: 'select "paper"',
        },
        {
            content: "Say what proves it",
            trigger: ".modal .o_field_widget[name=evidence] textarea",
            run: "edit Signed form no. 1234, trade fair of Bologna",
        },
        {
            content: "Record it",
            trigger: ".modal button[name=action_record]",
            run: "click",
        },
        {
            content: "The contact's consent to direct marketing is given",
            trigger:
                ".o_form_view:not(:has(.modal)) .o_field_widget[name=gdpr_consent_ids] .o_data_row:contains(Direct marketing):has(.o_field_cell[name=state]:contains(Given))",
        },
    ],
});
