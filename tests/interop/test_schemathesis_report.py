"""The schemathesis report judge on made-up runs: scripts/test-interop runs these first, so the
judge cannot quietly stop failing what it must fail.

Usage: python -m unittest discover -s tests/interop -p 'test_*.py'
"""

import contextlib
import io
import unittest

from schemathesis_report import judge, main, operation_labels, read_cases

SPEC = {
    "paths": {
        "/v1/client": {"get": {"operationId": "getClient"}, "parameters": []},
        "/v1/client/sign_ins": {"post": {"operationId": "createSignIn"}},
    }
}
SELECTED = ["getClient", "createSignIn"]


def report(*cases):
    body = "".join(cases)
    return f'<?xml version="1.0"?><testsuites><testsuite name="schemathesis">{body}</testsuite></testsuites>'


PASSED = ('<testcase name="GET /v1/client" time="0.1" />', '<testcase name="POST /v1/client/sign_ins" time="0.1" />')


def failures(cases_xml, exit_status=0, selected=SELECTED):
    verdicts = judge(operation_labels(SPEC, selected), read_cases(report(*cases_xml)), exit_status)
    return [(v.name, v.reason) for v in verdicts if not v.ok]


class JudgeTest(unittest.TestCase):
    def test_a_clean_run_passes(self):
        self.assertEqual(failures(PASSED), [])

    def test_a_skipped_case_fails(self):
        skipped = '<testcase name="POST /v1/client/sign_ins"><skipped type="skipped">no cases</skipped></testcase>'
        self.assertEqual(failures([PASSED[0], skipped]), [("createSignIn (POST /v1/client/sign_ins)", "skipped: no cases")])

    def test_failures_and_errors_fail(self):
        failed = '<testcase name="GET /v1/client"><failure type="failure" message="Response violates schema" /></testcase>'
        errored = '<testcase name="POST /v1/client/sign_ins"><error type="error">Connection refused\nmore</error></testcase>'
        self.assertEqual(
            failures([failed, errored]),
            [
                ("getClient (GET /v1/client)", "failure: Response violates schema"),
                ("createSignIn (POST /v1/client/sign_ins)", "error: Connection refused"),
            ],
        )

    def test_a_selected_operation_that_did_not_run_fails(self):
        self.assertEqual(failures([PASSED[0]]), [("createSignIn (POST /v1/client/sign_ins)", "selected but did not run")])

    def test_an_operation_renamed_in_the_spec_fails(self):
        self.assertEqual(
            failures(PASSED, selected=["getClient", "createSignIn", "getClientOld"]),
            [("getClientOld", "not in the spec (renamed or removed?)")],
        )

    def test_a_case_nobody_selected_fails(self):
        extra = '<testcase name="DELETE /v1/client" time="0.1" />'
        self.assertEqual(failures([*PASSED, extra]), [("DELETE /v1/client", "ran but was not selected")])

    def test_a_non_zero_exit_status_fails_even_with_a_clean_report(self):
        self.assertEqual(failures(PASSED, exit_status=1), [("schemathesis exit status", "1, not 0")])


class MainTest(unittest.TestCase):
    def run_main(self, argv):
        with contextlib.redirect_stderr(io.StringIO()) as said:
            status = main(argv)
        return status, said.getvalue()

    def test_an_unreadable_report_is_an_error_not_a_pass(self):
        status, said = self.run_main(["/nonexistent/spec.yml", "/nonexistent/report.xml", "0", "getClient"])
        self.assertEqual((status, "cannot judge" in said), (2, True))

    def test_no_selection_is_a_usage_error(self):
        status, said = self.run_main(["spec.yml", "report.xml", "0"])
        self.assertEqual((status, "Usage:" in said), (2, True))


if __name__ == "__main__":
    unittest.main()
