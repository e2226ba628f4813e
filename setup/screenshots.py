# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screenshots of the demo for the README and the Apps description, taken
with headless Chromium from the server setup/run started.

    python3 setup/screenshots.py URL [DB]

URL is the demo server (http://localhost:8069), DB its database (gdpr_demo).
Each screen is shown as the demo user who works with it, in that user's
language; the PNG files go to gdpr_compliance/static/description/.
Needs Chromium (Debian: chromium) and the Python packages of
requirements.txt (websocket-client) and of Odoo (requests, Pillow).
"""

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(REPO, "gdpr_compliance", "static", "description")
WIDTH, HEIGHT = 1366, 720

# Each screen: the file, who is logged in (None: a visitor), the path, what
# must be on screen (a CSS selector, and a script that must be true), what to
# click first (a CSS selector and the text of the element) and the height of
# the window.
SHOTS = [
    {
        "file": "privacy_tab.png",
        "login": "gdpr_sales",
        "path": "/odoo/contacts/{res_partner_giulia_rossi_demo}",
        "ready": ".o_form_view .o_notebook",
        "click": (".o_notebook .nav-link", "Privacy"),
        "height": 1250,
    },
    {
        "file": "consent_ledger.png",
        "login": "gdpr_dpo",
        "path": "/odoo/action-gdpr_compliance.gdpr_consent_event_action",
        "ready": ".o_list_view .o_data_row",
    },
    {
        "file": "mailing_exclusions.png",
        "login": "gdpr_marketing",
        "path": "/odoo/action-mass_mailing.mailing_mailing_action_mail"
        "/{mailing_mailing_autumn_demo}",
        "ready": ".o_form_view .alert-info",
        # the body is drawn in the editor's iframe
        "wait": "[...document.querySelectorAll('iframe')].some("
        "f => f.contentDocument?.body?.innerText.includes('autunno'))",
    },
    {
        "file": "dpo_requests.png",
        "login": "gdpr_dpo",
        "path": "/odoo/action-gdpr_compliance.gdpr_request_action",
        "ready": ".o_list_view .o_data_row",
    },
    {
        "file": "request_form.png",
        "login": None,
        "path": "/privacy/request?lang=en_US",
        "ready": ".o_gdpr_request_form",
        "height": 560,
    },
]


class Browser:
    """Just enough of the DevTools protocol to open a page, click and take
    a screenshot."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="gdpr_shots_")
        binary = shutil.which("chromium") or shutil.which("google-chrome")
        if not binary:
            sys.exit("Chromium is missing (Debian: apt-get install chromium)")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={WIDTH},{HEIGHT}",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        for _attempt in range(300):
            if os.path.exists(port_file) and os.path.getsize(port_file):
                break
            time.sleep(0.1)
        with open(port_file, encoding="utf-8") as file:
            port = file.read().split()[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(target for target in pages if target["type"] == "page")
        self.socket = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=60
        )
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.3)
        raise TimeoutError(expression)

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def session_id(url, db, login):
    answer = requests.post(
        f"{url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": db, "login": login, "password": login},
        },
        timeout=60,
    )
    answer.raise_for_status()
    if "result" not in answer.json():
        sys.exit(f"cannot log in as {login}: {answer.json().get('error')}")
    return answer.cookies["session_id"]


def demo_ids(url, db):
    """Ids of the demo records the paths name, read as the administrator."""
    session = requests.Session()
    session.cookies.set("session_id", session_id(url, db, "admin"))
    ids = {}
    for xmlid in (
        "gdpr_compliance.res_partner_giulia_rossi_demo",
        "gdpr_compliance_marketing.mailing_mailing_autumn_demo",
    ):
        module, name = xmlid.split(".")
        rows = session.post(
            f"{url}/web/dataset/call_kw/ir.model.data/search_read",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": "ir.model.data",
                    "method": "search_read",
                    "args": [[("module", "=", module), ("name", "=", name)]],
                    "kwargs": {"fields": ["res_id"]},
                },
            },
            timeout=60,
        ).json()["result"]
        ids[name] = rows[0]["res_id"]
    return ids


def save(png, path):
    """A palette PNG: a fraction of the size, the same to the eye."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    image.save(path, optimize=True)


def main(url, db):
    url = url.rstrip("/")
    ids = demo_ids(url, db)
    browser = Browser()
    host = url.split("//", 1)[1].split(":")[0]
    try:
        browser.send("Page.enable")
        for shot in SHOTS:
            browser.send(
                "Emulation.setDeviceMetricsOverride",
                width=WIDTH,
                height=shot.get("height", HEIGHT),
                deviceScaleFactor=1,
                mobile=False,
            )
            login = shot["login"]
            browser.send("Network.clearBrowserCookies")
            if login:
                browser.send(
                    "Network.setCookie",
                    name="session_id",
                    value=session_id(url, db, login),
                    domain=host,
                    path="/",
                )
            browser.send("Page.navigate", url=url + shot["path"].format(**ids))
            ready = f"!!document.querySelector({json.dumps(shot['ready'])})"
            if login:
                ready += " && window.odoo && odoo.isReady"
            browser.wait_for(ready)
            if shot.get("wait"):
                browser.wait_for(shot["wait"])
            if shot.get("click"):
                css, text = shot["click"]
                browser.evaluate(
                    f"[...document.querySelectorAll({json.dumps(css)})]"
                    f".find(el => el.textContent.trim() === {json.dumps(text)})"
                    ".click()"
                )
            # fonts, images and the last renders
            time.sleep(2)
            # Odoo's notifications (e.g. a page older than the server's
            # assets) are no part of the screen
            browser.evaluate(
                "document.querySelectorAll('.o_notification_manager')"
                ".forEach(el => el.remove())"
            )
            png = browser.send("Page.captureScreenshot", format="png")["data"]
            save(base64.b64decode(png), os.path.join(TARGET, shot["file"]))
            print(shot["file"])
    finally:
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "gdpr_demo")
