# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Italian translation is complete and loads into Odoo."""

import glob
import io
import os

import polib
from babel.messages.extract import extract_python

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = ("gdpr_compliance", "gdpr_compliance_marketing")
# Words Italian uses as they are: the OCA po format leaves their msgstr empty.
SAME_IN_ITALIAN = {
    "(file)",
    "API",
    "Base",
    "Double opt-in",
    "Email",
    "Email marketing",
    "File",
    "Hash",
    "ID",
    "IP",
    "Lead",
    "Lead generation",
    "Marketing",
    "Newsletter",
    "No",
    "Partner",
    "Privacy",
    "SHA-256",
    "Social media",
    "Webinar",
}


@tagged("post_install", "-at_install")
class TestItalianTranslation(TransactionCase):
    def test_every_source_string_is_translated(self):
        for addon in ADDONS:
            pot = polib.pofile(os.path.join(REPO, addon, "i18n", f"{addon}.pot"))
            po = polib.pofile(os.path.join(REPO, addon, "i18n", "it.po"))
            translated = {
                (entry.msgctxt, entry.msgid)
                for entry in po
                if entry.msgstr.strip()
                and not entry.obsolete
                and "fuzzy" not in entry.flags
            }
            missing = [
                entry.msgid
                for entry in pot
                if (entry.msgctxt, entry.msgid) not in translated
                and entry.msgid not in SAME_IN_ITALIAN
            ]
            self.assertFalse(missing, f"{addon}: untranslated {missing[:5]}")
            self.assertGreater(len(pot), 0)

    def test_pot_holds_what_odoo_extracts(self):
        """The .pot is what Odoo's own export reads from the installed
        addons: a term written into the .po by hand with other spacing than
        the view or the code has would never be shown translated."""
        for addon in ADDONS:
            pot = polib.pofile(os.path.join(REPO, addon, "i18n", f"{addon}.pot"))
            known = {entry.msgid for entry in pot}
            # the texts of the code and of the views and templates (the demo
            # database's records are in Italian already)
            extracted = {
                source
                for _module, kind, _name, _res_id, source, _value, _comments in (
                    TranslationModuleReader(self.env.cr, modules=[addon])
                )
                if kind in ("code", "model_terms")
            }
            self.assertFalse(
                sorted(extracted - known)[:5],
                f"{addon}: terms missing from the .pot (run setup/i18n)",
            )

    def test_term_extractor_reads_every_python_file(self):
        """Odoo's export evaluates the arguments of ``_()`` calls: an f-string
        among them makes it stop reading the file, and the strings after it
        silently leave the .pot."""
        for addon in ADDONS:
            for path in glob.glob(
                os.path.join(REPO, addon, "**", "*.py"), recursive=True
            ):
                with open(path, "rb") as handle:
                    source = io.BytesIO(handle.read())
                try:
                    list(extract_python(source, ["_"], [], {}))
                except Exception as error:  # noqa: BLE001 - reported as failure
                    self.fail(f"{path}: terms cannot be extracted ({error})")

    def test_translation_loads_and_is_used(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            list(ADDONS), ["it_IT"], overwrite=True
        )
        marketing = self.env.ref("gdpr_compliance.gdpr_purpose_marketing").with_context(
            lang="it_IT"
        )
        self.assertEqual(marketing.name, "Marketing diretto")
        labels = dict(
            marketing._fields["legal_basis"]._description_selection(marketing.env)
        )
        self.assertEqual(labels["consent"], "Consenso (art. 6(1)(a))")
        partner_fields = (
            self.env["res.partner"]
            .with_context(lang="it_IT")
            .fields_get(["gdpr_legal_basis", "gdpr_last_interaction"], ["string"])
        )
        self.assertEqual(partner_fields["gdpr_legal_basis"]["string"], "Base giuridica")
        self.assertEqual(
            partner_fields["gdpr_last_interaction"]["string"], "Ultima interazione"
        )
        contact_fields = (
            self.env["mailing.contact"]
            .with_context(lang="it_IT")
            .fields_get(["gdpr_last_interaction"], ["string"])
        )
        self.assertEqual(
            contact_fields["gdpr_last_interaction"]["string"], "Ultima interazione"
        )
