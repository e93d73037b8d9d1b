"""A local stub of Paystack's HTTP API (a real HTTP server on a free port; nothing leaves the machine).

The ``paystack`` fixture starts it and points PAYSTACK_BASE_URL at it, with PAYMENT_PROVIDER ``paystack``. It
plays what the platform uses: transactions (initialize, verify), the bank list (paged by cursor), account
resolution, transfer recipients. Each request is recorded in ``requests``; ``fail_next`` answers the next one
with a 500, ``stall_next`` holds the next one until the client has given up (its timeout).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

SECRET = "sk_test_local_stub"

# Paystack's Nigerian bank list, in two cursor pages (a real one has ~300 banks): one inactive, one deleted.
BANK_PAGES = [
    [
        {"name": "Access Bank", "code": "044", "active": True, "is_deleted": False, "type": "nuban"},
        {"name": "Guaranty Trust Bank", "code": "058", "active": True, "is_deleted": False, "type": "nuban"},
        {"name": "Closed Bank", "code": "999", "active": False, "is_deleted": False, "type": "nuban"},
    ],
    [
        {"name": "Zenith Bank", "code": "057", "active": True, "is_deleted": False, "type": "nuban"},
        {"name": "Kuda Bank", "code": "50211", "active": True, "is_deleted": False, "type": "nuban"},
        {"name": "Gone Bank", "code": "998", "active": True, "is_deleted": True, "type": "nuban"},
    ],
]
# The accounts the stub's banks know: (bank code, number) -> name.
ACCOUNTS = {("058", "0123456789"): "ADAEZE NGOZI OKAFOR", ("044", "1234567890"): "TUNDE BELLO"}


class Paystack:
    """What the stub knows: initialized transactions and how each one ended, accounts, recipients made."""

    def __init__(self):
        self.transactions: dict[str, dict] = {}
        self.recipients: list[dict] = []
        self.accounts = dict(ACCOUNTS)
        self.requests: list[tuple[str, str, dict]] = []
        self.fail_next = False
        self.stall_next = False
        self.release = threading.Event()  # set at teardown: a stalled request ends then

    def paths(self, method: str | None = None) -> list[str]:
        return [path for verb, path, _ in self.requests if method in (None, verb)]


@pytest.fixture
def paystack(settings):
    state = Paystack()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, code, body):
            raw = json.dumps(body).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except OSError:  # the client gave up (a stalled request): nobody to answer
                pass

        def _authorized(self):
            return self.headers.get("Authorization") == f"Bearer {SECRET}"

        def _trouble(self) -> bool:
            """Answer the next request badly if asked to; True when it was."""
            if state.stall_next:
                state.stall_next = False
                state.release.wait(10)
                self._answer(200, {"status": True, "data": {}})
                return True
            if state.fail_next:
                state.fail_next = False
                self._answer(500, {"status": False, "message": "down"})
                return True
            return False

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(("POST", self.path, body))
            if self._trouble():
                return None
            if not self._authorized():
                return self._answer(401, {"status": False, "message": "Invalid key"})
            if self.path == "/transaction/initialize":
                state.transactions[body["reference"]] = {**body, "status": "ongoing"}
                url = f"https://checkout.paystack.example/{body['reference']}"
                return self._answer(
                    200, {"status": True, "data": {"authorization_url": url, "reference": body["reference"]}}
                )
            if self.path == "/transferrecipient":
                if body.get("type") != "nuban" or (body.get("bank_code"), body.get("account_number")) not in (
                    state.accounts
                ):
                    return self._answer(400, {"status": False, "message": "Account number is invalid"})
                code = f"RCP_stub{len(state.recipients) + 1:04d}"
                state.recipients.append({**body, "recipient_code": code})
                data = {"recipient_code": code, "type": "nuban", "name": body["name"], "active": True}
                return self._answer(201, {"status": True, "message": "Transfer recipient created", "data": data})
            return self._answer(404, {"status": False})

        def do_GET(self):
            url = urlsplit(self.path)
            query = {name: values[-1] for name, values in parse_qs(url.query).items()}
            state.requests.append(("GET", self.path, query))
            if self._trouble():
                return None
            if not self._authorized():
                return self._answer(401, {"status": False, "message": "Invalid key"})
            if url.path == "/bank":
                return self._banks(query)
            if url.path == "/bank/resolve":
                name = state.accounts.get((query.get("bank_code"), query.get("account_number")))
                if name is None:
                    message = "Could not resolve account name. Check parameters or try again."
                    return self._answer(422, {"status": False, "message": message})
                data = {"account_number": query["account_number"], "account_name": name, "bank_id": 9}
                return self._answer(200, {"status": True, "message": "Account number resolved", "data": data})
            reference = url.path.rsplit("/", 1)[-1]
            found = state.transactions.get(reference)
            if found is None:
                return self._answer(404, {"status": False, "message": "Transaction reference not found"})
            data = {
                "reference": reference,
                "status": found["status"],
                "amount": found.get("paid", found["amount"]),
                "currency": found.get("paid_currency", "NGN"),
            }
            return self._answer(200, {"status": True, "data": data})

        def _banks(self, query):
            if query.get("country") != "nigeria" or query.get("currency") != "NGN":
                return self._answer(200, {"status": True, "data": [], "meta": {"next": None}})
            page = 1 if query.get("next") == "cursor-2" else 0
            following = "cursor-2" if page == 0 else None
            meta = {"next": following, "previous": None, "perPage": int(query.get("perPage", 50))}
            body = {"status": True, "message": "Banks retrieved", "data": BANK_PAGES[page], "meta": meta}
            return self._answer(200, body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.PAYMENT_PROVIDER = "paystack"
    settings.PAYSTACK_SECRET_KEY = SECRET
    settings.PAYSTACK_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
