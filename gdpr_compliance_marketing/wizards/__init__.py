# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import mail_compose_message
from . import gdpr_marketing_decision_wizard
