/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A person asks for a copy of their data on the public page (Art. 15 GDPR),
// then opens the link mailed to them: the request exists only from then on.

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("gdpr_data_subject_request", {
    url: "/privacy/request",
    steps: () => [
        {
            content: "Ask for a copy of one's personal data",
            trigger: "form.o_gdpr_request_form select[name=request_type]",
            run: "select access",
        },
        {
            content: "Give one's name",
            trigger: "form.o_gdpr_request_form input[name=name]",
            run: "edit Carla Fontana",
        },
        {
            content: "Give one's email address",
            trigger: "form.o_gdpr_request_form input[name=email]",
            run: "edit carla.fontana@example.org",
        },
        {
            content: "Send the form",
            trigger: "form.o_gdpr_request_form button[type=submit]",
            run: "click",
        },
        {
            content: "The page says the link is on its way",
            trigger: ".o_gdpr_request_sent:contains(confirmation link)",
        },
    ],
});

registry.category("web_tour.tours").add("gdpr_data_subject_request_confirm", {
    steps: () => [
        {
            content: "The link asks before registering anything",
            trigger: ".o_gdpr_request_confirm button:contains(Confirm my request)",
            run: "click",
        },
        {
            content: "The button registered the request and tells its deadline",
            trigger: ".o_gdpr_request_confirmed:contains(is registered):has(strong)",
        },
    ],
});
