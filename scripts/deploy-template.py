#!/usr/bin/env python3
"""usage: scripts/deploy-template.py TEMPLATE BUILD_DIR > deploy-template.yaml

The source template as the deploy job deploys it: each function's `CodeUri: .` becomes
BUILD_DIR/<its logical id> (where `sam build` left its bootstrap), and nothing else changes.
The deploy job deploys this, never the template `sam build` wrote, so nothing that ran in the
build job (hundreds of crates' build scripts) can change the stack: not a role, not a policy.
Fails unless every function's CodeUri is replaced exactly once and its bootstrap is executable.
"""
import os
import re
import sys


def main(template: str, build: str) -> int:
    functions, replaced, out = set(), {}, []
    resource = None
    with open(template, encoding="utf-8") as f:
        for line in f:
            if m := re.fullmatch(r"  ([A-Za-z0-9]+):\n", line):
                resource = m.group(1)
            if line == "    Type: AWS::Serverless::Function\n":
                functions.add(resource)
            if line == "      CodeUri: .\n":
                out.append(f"      CodeUri: {build}/{resource}\n")
                replaced[resource] = replaced.get(resource, 0) + 1
                continue
            out.append(line)
    errors = [f"{f}: `CodeUri: .` replaced {replaced.get(f, 0)} times"
              for f in sorted(functions) if replaced.get(f, 0) != 1]
    errors += [f"{r}: a CodeUri outside a function" for r in replaced if r not in functions]
    errors += [f"{build}/{f}/bootstrap is missing or not executable" for f in sorted(functions)
               if not os.access(os.path.join(build, f, "bootstrap"), os.X_OK)]
    if not functions:
        errors.append("no AWS::Serverless::Function in the template")
    for e in errors:
        print(f"deploy-template.py: {e}", file=sys.stderr)
    if errors:
        return 1
    sys.stdout.write("".join(out))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
