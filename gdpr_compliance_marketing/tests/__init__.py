# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_double_opt_in
from . import test_mailing_interaction
from . import test_objection
from . import test_suppression
from . import test_mailing_recipients
from . import test_processing_rule
from . import test_mass_mailing_flows
from . import test_marketing_retention
from . import test_marketing_request
from . import test_mailing_contact_person
from . import test_overview_marketing
from . import test_tours
from . import test_ui
from . import test_exclusion_messages
from . import test_import_suppression
from . import test_privacy_centre_marketing
from . import test_marketing_decision
