"""Schemathesis hooks for scripts/test-interop (loaded through SCHEMATHESIS_HOOKS).

The script registers a user on the emulator and signs it in first, and exports the user's id
and the ids of two of its sessions.
"""

import os

import schemathesis
from hypothesis import strategies as st

FRONTEND_API = "Clerk Frontend API"
# Templates the emulator has by default.
TEMPLATES = ["test", "firebase"]


BACKEND_API = "Clerk Backend API"
ERRORS = {"$ref": "#/components/responses/ClerkErrors"}
AUTHENTICATION_INVALID = {"$ref": "#/components/responses/AuthenticationInvalid"}

# Where the published Backend API spec leaves out responses Clerk sends, it is amended here and
# nowhere else, one status per operation and with the reason; the checks stay on for all else.
BACKEND_API_AMENDMENTS = {
    # Every Backend API route needs the secret key (the spec's global `bearerAuth`), and
    # schemathesis sends requests without it; these operations omit the 401 for that.
    ("/sign_in_tokens", "post"): {"401": AUTHENTICATION_INVALID, "400": ERRORS},
    ("/jwks", "get"): {"401": AUTHENTICATION_INVALID},
    # These bound `expires_in_seconds` (30..315360000) and take a JSON body, yet list no
    # answer for a value out of bounds (422, as Clerk's other validation errors) or a body Clerk
    # cannot read (400 `request_body_invalid`, e.g. clerk/clerk-sdk-python#85).
    ("/sessions/{session_id}/tokens", "post"): {"400": ERRORS, "422": ERRORS},
    ("/sessions/{session_id}/tokens/{template_name}", "post"): {"400": ERRORS, "422": ERRORS},
}


def _api(operation):
    return operation.schema.raw_schema.get("info", {}).get("title")


@schemathesis.hook
def before_load_schema(context, raw_schema):
    if raw_schema.get("info", {}).get("title") != BACKEND_API:
        return
    for (path, method), responses in BACKEND_API_AMENDMENTS.items():
        documented = raw_schema["paths"][path][method]["responses"]
        for status, response in responses.items():
            # An amendment the spec has caught up with is dropped, not silently kept.
            assert status not in documented, f"{method} {path} now documents {status}: drop the amendment"
            documented[status] = response


@schemathesis.hook
def before_call(context, case, kwargs):
    # Native clients put `_is_native=true` in the query of every Frontend API request: the
    # spec's `ProductionNativeFlag` scheme, which it does not attach to every operation.
    if _api(case.operation) == FRONTEND_API:
        case.query = {**(case.query or {}), "_is_native": "true"}


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    # Made-up ids only ever reach the 404s. Half the cases name the signed-in session (and a
    # template that exists), so the success responses are checked against the spec too. Ending
    # the signed-in session would turn every later token request into a 401: sign-out works on
    # the second session of the same client.
    if not path_parameters or "session_id" not in path_parameters:
        return st.just(path_parameters)
    ending = context.operation.path.endswith("/end")
    known = {"session_id": os.environ["CLERK_ENDING_SESSION_ID" if ending else "CLERK_SESSION_ID"]}
    if "template_name" in path_parameters:
        return st.sampled_from(TEMPLATES).map(
            lambda name: [path_parameters, {**path_parameters, **known, "template_name": name}]
        ).flatmap(st.sampled_from)
    return st.sampled_from([path_parameters, {**path_parameters, **known}])


@schemathesis.hook
def flatmap_body(context, body):
    # Made-up user ids only ever reach the 404 (the emulator knows its users, as Clerk does).
    # Half the sign-in tokens name the registered user, so the success responses are checked
    # against the spec too.
    if context.operation.path != "/sign_in_tokens" or not isinstance(body, dict) or "user_id" not in body:
        return st.just(body)
    return st.sampled_from([body, {**body, "user_id": os.environ["CLERK_USER_ID"]}])
