# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_consent_can_process
from . import test_consent_ledger
from . import test_core_flows
from . import test_data_category
from . import test_last_interaction
from . import test_legal_basis
from . import test_purpose_register
from . import test_rpc_entry_points
from . import test_erasure
from . import test_retention
from . import test_request
from . import test_request_link
from . import test_audit_log
from . import test_roles
from . import test_lead_pool
from . import test_ui
from . import test_field_access
