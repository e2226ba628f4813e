/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The DPO answers a request for access (Art. 15 GDPR): checks who asks,
// carries it out, downloads the report made for the person and sends it.

import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";

const current = (state) =>
    `.o_statusbar_status button.o_arrow_button_current[data-value=${state}]`;

/**
 * Click the anchor of `helpers` and return the address the web client was sent
 * to: the test browser refuses downloads, so the address is caught on its way
 * to the location and fetched in this page's session instead.
 */
async function clickAndCatchDownload(helpers) {
    const descriptor = Object.getOwnPropertyDescriptor(browser, "location");
    const url = new Promise((resolve) => {
        const location = {
            assign: resolve,
            replace: (href) => window.location.replace(href),
            reload: () => window.location.reload(),
            toString: () => window.location.href,
        };
        for (const key of ["href", "origin", "protocol", "host", "hostname", "port"]) {
            Object.defineProperty(location, key, { get: () => window.location[key] });
        }
        for (const key of ["pathname", "search", "hash"]) {
            Object.defineProperty(location, key, { get: () => window.location[key] });
        }
        Object.defineProperty(browser, "location", {
            configurable: true,
            get: () => location,
        });
    });
    try {
        await helpers.click();
        return await url;
    } finally {
        Object.defineProperty(browser, "location", descriptor);
    }
}

registry.category("web_tour.tours").add("gdpr_dpo_access_request", {
    steps: () => [
        {
            content: "The request waits for the requester's identity to be checked",
            trigger: current("new"),
        },
        {
            content: "The requester showed an identity document",
            trigger:
                ".o_statusbar_buttons button[name=action_verify_identity].btn-primary",
            run: "click",
        },
        {
            content: "Identity verified",
            trigger: current("verified"),
        },
        {
            content: "Carry out the request",
            trigger: ".o_statusbar_buttons button[name=action_process]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "In progress, with its report",
            // what the server does before this shows can be slow on a busy machine
            timeout: 30000,
            trigger: `${current("in_progress")}`,
        },
        {
            content: "Download the report",
            trigger: ".o_form_view button[name=action_view_attachment]",
            async run(helpers) {
                const url = await clickAndCatchDownload(helpers);
                const response = await fetch(url);
                const head = new TextDecoder().decode(
                    (await response.arrayBuffer()).slice(0, 5),
                );
                const type = response.headers.get("Content-Type") || "";
                if (!response.ok || head !== "%PDF-" || !type.includes("pdf")) {
                    throw new Error(
                        `The report at ${url} is no PDF: ${response.status} ${type} ${head}`,
                    );
                }
            },
        },
        {
            content: "Send the answer",
            trigger: ".o_statusbar_buttons button[name=action_send_answer]",
            run: "click",
        },
        {
            content: "The request is done",
            trigger: current("done"),
        },
    ],
});
