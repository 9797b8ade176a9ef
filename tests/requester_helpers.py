"""The hosted profile's requester area and participant links through werkzeug's test
client: a served simulator that verifies signatures, a participant's browser and the
requester's."""

from __future__ import annotations

import base64
import re
from html import unescape

from page_helpers import Browser

from pytest_mturk.doors.http.signatures import Secret
from pytest_mturk.doors.requester import links
from pytest_mturk.doors.requester.hosting import hosting_of

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Hosted(Browser):
    """A browser of a served simulator with the requester area on (``--credentials``)."""

    def __init__(self, simulator, **backend) -> None:
        super().__init__(simulator, **backend)
        self.backend.access.credentials = {KEY: Secret(SECRET)}

    def another(self) -> Hosted:
        """Another browser (cookies of its own) of the same server."""
        other = Hosted.__new__(Hosted)
        other.backend = self.backend
        other.client = type(self.client)(self.client.application)
        return other

    @property
    def hosting(self):
        return hosting_of(self.backend)

    @property
    def secret(self) -> bytes:
        return self.hosting.secret

    def link(self, group_id: str) -> str:
        """The group's participant link, as a path."""
        return links.link("", self.secret, group_id)

    def join(self, group_id: str, **query):
        extra = "".join(f"&{name}={value}" for name, value in query.items())
        return self.get(self.link(group_id) + extra)

    def csrf(self, path: str = "/requester/sign-in") -> str:
        found = re.search(r'name="csrf_token" value="([^"]*)"', self.get(path).get_data(True))
        assert found, path
        return unescape(found.group(1))

    def requester_sign_in(self, key: str = KEY, secret: str = SECRET):
        return self.post(
            "/requester/sign-in",
            data={"access_key": key, "secret_key": secret, "csrf_token": self.csrf()},
        )


def basic(key: str = KEY, secret: str = SECRET) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
