/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onWillStart, useState, useSubEnv } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useSetupAction } from "@web/search/action_hook";
import { Layout } from "@web/search/layout";
import { View, getDefaultConfig } from "@web/views/view";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * The DPO's overview: tiles computed by the server (gdpr.overview), each
 * opening the records behind its number, and Odoo's own graph view embedded
 * for the charts.
 */
export class GdprOverview extends Component {
    static template = "gdpr_compliance.Overview";
    static components = { Layout, View };
    static props = { ...standardActionServiceProps };

    setup() {
        useSubEnv({ config: { ...getDefaultConfig(), ...this.env.config } });
        useSetupAction();
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ overview: null, busy: false });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.overview = await this.orm.call("gdpr.overview", "get_overview", []);
    }

    async openTile(tile) {
        const action = await this.orm.call("gdpr.overview", "action_open_tile", [
            tile.key,
        ]);
        await this.actionService.doAction(action);
    }

    async run(model, method, args = []) {
        this.state.busy = true;
        try {
            const action = await this.orm.call(model, method, args);
            if (action && action.tag === "display_notification") {
                delete action.params.next;
                await this.actionService.doAction(action);
            }
            await this.load();
        } finally {
            this.state.busy = false;
        }
    }

    runChecks() {
        return this.run("gdpr.security.check", "action_run", [[]]);
    }

    refreshForecast() {
        return this.run("gdpr.retention.forecast", "action_refresh");
    }

    verifyLogs() {
        return this.run("gdpr.chain.verification", "action_verify_all");
    }

    /** A section of more than four tiles takes the whole width. */
    isWide(section) {
        return section.tiles.length > 4;
    }

    chartProps(chart) {
        return {
            resModel: chart.model,
            type: "graph",
            domain: chart.domain,
            context: {},
            views: [
                [chart.view_id, "graph"],
                [false, "search"],
            ],
            display: { controlPanel: false },
            useSampleModel: false,
        };
    }
}

registry.category("actions").add("gdpr_compliance.overview", GdprOverview);
