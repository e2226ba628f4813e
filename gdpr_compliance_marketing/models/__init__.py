# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import gdpr_erasure
from . import gdpr_mailing_exclusion
from . import gdpr_import_triage
from . import gdpr_objection
from . import gdpr_processing_rule
from . import gdpr_overview
from . import gdpr_retention_run
from . import gdpr_retention_run_line
from . import gdpr_suppression
from . import mail_blacklist
from . import mailing_contact
from . import mailing_mailing
from . import mailing_subscription
from . import mailing_trace
from . import res_partner
from . import res_config_settings
from . import res_users
