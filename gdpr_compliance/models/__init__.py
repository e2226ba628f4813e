# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import gdpr_data_category
from . import gdpr_purpose
from . import gdpr_source
from . import gdpr_privacy_notice
from . import gdpr_consent_event
from . import gdpr_consent
from . import gdpr_legal_basis_mixin
from . import gdpr_erasure
from . import gdpr_legal_hold
from . import gdpr_retention_run
from . import gdpr_retention_run_line
from . import res_partner
from . import crm_lead
from . import mail_message
from . import res_users
from . import res_company
from . import res_config_settings
