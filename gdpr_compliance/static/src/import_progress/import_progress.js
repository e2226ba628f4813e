/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * Progress of a privacy import checked or written in the background. The
 * work commits only once, at its end (all or nothing), so it reports its
 * progress on the bus; when it ends, the form is read again.
 */
export class GdprImportProgress extends Component {
    static template = "gdpr_compliance.ImportProgress";
    static props = { ...standardWidgetProps };

    setup() {
        this.busService = useService("bus_service");
        this.state = useState({ label: "", done: 0, total: 0 });
        this.onProgress = (payload) => this.progress(payload);
        onWillStart(() => {
            this.busService.subscribe("gdpr_import_progress", this.onProgress);
            this.busService.start();
        });
        onWillUnmount(() =>
            this.busService.unsubscribe("gdpr_import_progress", this.onProgress),
        );
    }

    async progress(payload) {
        if (payload.import_id !== this.props.record.resId) {
            return;
        }
        if (payload.finished) {
            await this.props.record.model.root.load();
            return;
        }
        Object.assign(this.state, {
            label: payload.label,
            done: payload.done,
            total: payload.total,
        });
    }

    get percent() {
        return this.state.total
            ? Math.floor((100 * this.state.done) / this.state.total)
            : 0;
    }
}

registry.category("view_widgets").add("gdpr_import_progress", {
    component: GdprImportProgress,
});
