/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A person opens the link to their privacy centre, withdraws the consent to
// one purpose (Art. 7(3) GDPR), leaves one mailing list (Art. 21 for that
// topic) and downloads their data (Art. 20).

import { registry } from "@web/core/registry";

const purpose = (code) => `tr[data-purpose=${code}]`;

registry.category("web_tour.tours").add("gdpr_privacy_centre", {
    steps: () => [
        {
            content: "The page says who holds the data",
            trigger: ".o_gdpr_privacy_centre_holder:contains(Tour Person)",
        },
        {
            content: "Profiling is consented",
            trigger: `${purpose("profiling")} .o_gdpr_privacy_centre_state:contains(Given)`,
        },
        {
            content: "Withdraw the consent to profiling",
            trigger: `${purpose("profiling")} button.o_gdpr_withdraw`,
            run: "click",
        },
        {
            content: "The page shows the withdrawal at once",
            trigger: `.o_gdpr_privacy_centre_message:contains(recorded)`,
        },
        {
            content: "Profiling is withdrawn, marketing still given",
            trigger: `${purpose("profiling")} .o_gdpr_privacy_centre_state:contains(Withdrawn)`,
        },
        {
            trigger: `${purpose("marketing")} .o_gdpr_privacy_centre_state:contains(Given)`,
        },
        {
            content: "Leave the design list",
            trigger:
                "tr.o_gdpr_privacy_centre_list:contains(Tour Design News) button.o_gdpr_leave_list",
            run: "click",
        },
        {
            content: "The list is left, the other one kept",
            trigger:
                "tr.o_gdpr_privacy_centre_list:contains(Tour Design News) .o_gdpr_privacy_centre_list_state:contains(You left this list)",
        },
        {
            trigger:
                "tr.o_gdpr_privacy_centre_list:contains(Tour Offers) .o_gdpr_privacy_centre_list_state:contains(Subscribed)",
        },
        {
            content: "Download my data, as the button does: the answer is a ZIP",
            trigger: "form[action='/privacy/me/download'] button.o_gdpr_download",
            async run() {
                const form = document.querySelector(
                    "form[action='/privacy/me/download']",
                );
                const response = await fetch(form.action, {
                    method: "POST",
                    body: new FormData(form),
                });
                const bytes = new Uint8Array(await response.arrayBuffer());
                // every ZIP archive starts with "PK"
                if (
                    response.headers.get("Content-Type") !== "application/zip" ||
                    bytes[0] !== 0x50 ||
                    bytes[1] !== 0x4b
                ) {
                    throw new Error("The download is not a ZIP archive");
                }
                document.body.classList.add("o_gdpr_downloaded");
            },
        },
        {
            content: "The ZIP arrived",
            trigger: "body.o_gdpr_downloaded",
        },
    ],
});
