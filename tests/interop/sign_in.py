"""Prepares the emulator for the schemathesis run and prints the values it needs as
`NAME=value` lines: a user of the instance with an organization membership (registered through
the control API, so the client's user objects carry `organization_memberships` for the spec to
judge), signed in twice on one device through the Frontend API as the core does it (tickets
from the control API, native headers, the device token bare in `Authorization`): once into the
organization, the session the run mints tokens for, and once without, the session it ends.

Usage: python sign_in.py EMULATOR_URL
"""

import json
import sys
import urllib.parse
import urllib.request

NATIVE_HEADERS = {"clerk-api-version": "2026-05-12", "x-mobile": "1"}
USER_ID = "user_schemathesis"
MEMBERSHIP = {"organization_id": "org_schemathesis", "slug": "schemathesis", "name": "Schemathesis", "role": "org:admin"}


def call(url, data=None, headers=None, method="POST"):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers, json.load(response)


def control(base, method, path, body):
    _, answer = call(f"{base}/__emulator{path}", json.dumps(body).encode(), {"content-type": "application/json"}, method)
    return answer


def ticket(base, user_id, org_id=None):
    body = {"user_id": user_id, **({"org_id": org_id} if org_id else {})}
    return control(base, "POST", "/sign_in_tokens", body)["token"]


def sign_in(base, ticket, device_token):
    headers = {**NATIVE_HEADERS, "content-type": "application/x-www-form-urlencoded"}
    if device_token:
        headers["authorization"] = device_token
    form = urllib.parse.urlencode({"strategy": "ticket", "ticket": ticket}).encode()
    response_headers, body = call(f"{base}/v1/client/sign_ins?_is_native=true", form, headers)
    session_id = body["response"]["created_session_id"]
    return response_headers.get("authorization") or device_token, session_id


def main():
    base = sys.argv[1].rstrip("/")
    control(base, "PUT", f"/users/{USER_ID}", {"organization_memberships": [MEMBERSHIP]})
    in_org = ticket(base, USER_ID, MEMBERSHIP["organization_id"])
    device_token, session_id = sign_in(base, in_org, None)
    device_token, ending_session_id = sign_in(base, ticket(base, USER_ID), device_token)
    print(f"CLERK_DEVICE_TOKEN={device_token}")
    print(f"CLERK_USER_ID={USER_ID}")
    print(f"CLERK_SESSION_ID={session_id}")
    print(f"CLERK_ENDING_SESSION_ID={ending_session_id}")


if __name__ == "__main__":
    main()
