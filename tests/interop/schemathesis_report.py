"""Judges one schemathesis run for scripts/test-interop: every selected operation must have run
and passed, nothing else may have run, and schemathesis must have exited with status 0.

A `<skipped>` case is a failure (it checked nothing), and so is a selected operationId the spec
no longer has (renamed there, it would select nothing) or one the JUnit report does not list.

Usage: python schemathesis_report.py SPEC JUNIT EXIT_STATUS OPERATION_ID...
Prints one line per check and `schemathesis report: N passed, M failed`; exits 0 when nothing
failed, 1 when something did, 2 when the spec or the report cannot be read.
"""

import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import yaml

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    reason: str = ""


def operation_labels(spec, operation_ids):
    """operationId -> the label schemathesis reports it under (`POST /path`), or None when the
    spec has no such operation."""
    found = {}
    for path, item in (spec.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                found.setdefault(operation.get("operationId"), f"{method.upper()} {path}")
    return {op: found.get(op) for op in operation_ids}


def read_cases(junit_text):
    """Test case label -> list of outcomes (`failure`, `error`, `skipped`) with their messages;
    an empty list is a pass."""
    cases = {}
    for case in ET.fromstring(junit_text).iter("testcase"):
        outcomes = cases.setdefault(case.get("name", ""), [])
        for kind in ("failure", "error", "skipped"):
            for element in case.findall(kind):
                message = element.get("message") or (element.text or "").strip()
                outcomes.append((kind, message.splitlines()[0] if message else ""))
    return cases


def judge(labels, cases, exit_status):
    """The verdicts: one per selected operation, one per case that ran unselected, and one for a
    non-zero exit status."""
    verdicts = []
    for op, label in labels.items():
        name = f"{op} ({label})" if label else op
        if label is None:
            verdicts.append(Verdict(name, False, "not in the spec (renamed or removed?)"))
        elif label not in cases:
            verdicts.append(Verdict(name, False, "selected but did not run"))
        elif cases[label]:
            reason = "; ".join(f"{kind}: {message}" if message else kind for kind, message in cases[label])
            verdicts.append(Verdict(name, False, reason))
        else:
            verdicts.append(Verdict(name, True))
    selected = set(labels.values())
    for label in cases:
        if label not in selected:
            verdicts.append(Verdict(label, False, "ran but was not selected"))
    if exit_status != 0:
        verdicts.append(Verdict("schemathesis exit status", False, f"{exit_status}, not 0"))
    return verdicts


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    spec_path, junit_path, exit_status, operation_ids = argv[0], argv[1], argv[2], argv[3:]
    try:
        with open(spec_path, encoding="utf-8") as spec_file:
            spec = yaml.load(spec_file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        with open(junit_path, encoding="utf-8") as junit_file:
            cases = read_cases(junit_file.read())
        status = int(exit_status)
    except (OSError, ValueError, yaml.YAMLError, ET.ParseError) as error:
        print(f"schemathesis report: cannot judge the run: {error}", file=sys.stderr)
        return 2
    verdicts = judge(operation_labels(spec, operation_ids), cases, status)
    for verdict in verdicts:
        print(f"ok    {verdict.name}" if verdict.ok else f"FAIL  {verdict.name}: {verdict.reason}")
    failed = sum(not v.ok for v in verdicts)
    print(f"schemathesis report: {len(verdicts) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
