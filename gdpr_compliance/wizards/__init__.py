# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import gdpr_consent_record_wizard
from . import gdpr_retention_preview_wizard
from . import gdpr_request_extend_wizard
from . import gdpr_rectification_wizard
from . import gdpr_request_handler_wizard
from . import mail_compose_message
