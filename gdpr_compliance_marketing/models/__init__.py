# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import mailing_contact
from . import mailing_mailing
from . import mailing_trace
from . import res_partner
