/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// A salesperson quick-creates an opportunity in the pipeline for a contact
// that has no confirmed legal basis yet: the form offers the basis, the
// salesperson leaves it empty and the opportunity is created, flagged for
// review, without an error dialog.
registry.category("web_tour.tours").add("gdpr_quick_create_unreviewed_contact", {
    url: "/odoo/crm",
    steps: () => [
        {
            trigger: ".o_opportunity_kanban .o-kanban-button-new",
            content: "Create an opportunity from the pipeline",
            run: "click",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=partner_id] input",
            content: "Look for the contact",
            run: "edit Brandon Freeman",
        },
        {
            trigger:
                ".o_kanban_quick_create .ui-menu-item > a:contains(Brandon Freeman)",
            content: "Choose the existing contact",
            run: "click",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=gdpr_legal_basis]",
            content: "The basis is offered, the contact has none confirmed",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=name] input",
            content: "Name the opportunity",
            run: "edit Sofa for Brandon",
        },
        {
            trigger: ".o_kanban_quick_create .o_kanban_add",
            content: "Add it to the pipeline",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains(Sofa for Brandon)",
            content: "The opportunity is in the pipeline",
        },
        {
            trigger: "body:not(:has(.modal))",
            content: "No error dialog",
        },
    ],
});
