"""Prepares the emulator for the schemathesis run and prints the values it needs as
`NAME=value` lines: a user signed in twice on one device through the Frontend API, as the core
does it (tickets from the control API, native headers, the device token bare in
`Authorization`), so the run has a session to mint tokens for and another one to end.

Usage: python sign_in.py EMULATOR_URL
"""

import json
import sys
import urllib.parse
import urllib.request

NATIVE_HEADERS = {"clerk-api-version": "2026-05-12", "x-mobile": "1"}


def call(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers, json.load(response)


def ticket(base, user_id):
    _, body = call(
        f"{base}/__emulator/sign_in_tokens",
        json.dumps({"user_id": user_id}).encode(),
        {"content-type": "application/json"},
    )
    return body["token"]


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
    device_token, session_id = sign_in(base, ticket(base, "user_schemathesis"), None)
    device_token, ending_session_id = sign_in(base, ticket(base, "user_schemathesis"), device_token)
    print(f"CLERK_DEVICE_TOKEN={device_token}")
    print(f"CLERK_SESSION_ID={session_id}")
    print(f"CLERK_ENDING_SESSION_ID={ending_session_id}")


if __name__ == "__main__":
    main()
