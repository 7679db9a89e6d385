#!/usr/bin/env python3
"""usage: scripts/check-etl-summary.py FUNCTION_ERROR_FILE SUMMARY_FILE

After a deploy: the ETL function's answer to one invocation (`aws lambda invoke`'s
`FunctionError`, which is `None` when the function succeeded, and its payload). Passes only when
the run succeeded and the table holds the series: `"status": "ok"`, a newest day, and days
inserted, updated or unchanged (with states configured, state days too).
"""
import json
import sys


def check(function_error: str, summary: dict) -> list[str]:
    problems = []
    if function_error.strip() not in ("", "None"):
        problems.append(f"the function failed ({function_error.strip()}): {summary}")
        return problems
    if summary.get("status") != "ok":
        problems.append(f"status is {summary.get('status')!r}, not 'ok'")
    if not summary.get("last_date"):
        problems.append("no newest day (last_date)")
    days = sum(summary.get(k) or 0 for k in ("inserted", "updated", "unchanged"))
    if days == 0:
        problems.append("no national day loaded")
    states = summary.get("states")
    if isinstance(states, dict) and sum(states.get(k) or 0 for k in ("inserted", "updated", "unchanged")) == 0:
        problems.append("states are configured, but no state day was loaded")
    return problems


def main(error_path: str, summary_path: str) -> int:
    with open(error_path, encoding="utf-8") as f:
        function_error = f.read()
    with open(summary_path, encoding="utf-8") as f:
        try:
            summary = json.load(f)
        except json.JSONDecodeError as e:
            print(f"check-etl-summary.py: the answer is not JSON: {e}", file=sys.stderr)
            return 1
    problems = check(function_error, summary)
    for p in problems:
        print(f"check-etl-summary.py: {p}", file=sys.stderr)
    if not problems:
        print(f"the ETL loaded: newest day {summary['last_date']}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
