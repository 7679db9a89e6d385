#!/usr/bin/env python3
"""`make lint`: every tool the project installs is pinned, and installed from its pins.

- rust-toolchain.toml names a stable release (1.x.y), not a moving channel;
- every `cargo install` in the scripts, the Makefile and the workflows is `--locked`;
- every `pip install` there installs `--require-hashes` from a lock;
- each lock holds its requirements file's pins at the same versions, and the tools both the
  test and deploy locks pin (cargo-lambda, zig) are at one version in both.
Exits 1 naming each place that is not.
"""
import glob
import os
import re
import sys


def pins(path: str) -> dict:
    found = {}
    for line in open(path, encoding="utf-8"):
        if m := re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s\\;]+)", line):
            found[m.group(1).lower().replace("_", "-")] = m.group(3)
    return found


def main() -> int:
    errors = []
    toolchain = open("rust-toolchain.toml", encoding="utf-8").read()
    if not re.search(r'^channel = "1\.\d+\.\d+"$', toolchain, re.M):
        errors.append("rust-toolchain.toml: the channel is not a stable release (1.x.y)")

    scripts = sorted(p for p in glob.glob("scripts/*") if os.path.isfile(p))
    sources = ["Makefile"] + scripts + sorted(glob.glob(".github/workflows/*.yml"))
    for path in sources:
        if path.endswith("check-pins.py"):
            continue
        text = open(path, encoding="utf-8").read()
        # A command may continue over lines ending in a backslash.
        for number, command in enumerate(text.replace("\\\n", " ").splitlines(), 1):
            code = command.split("#", 1)[0] if not command.lstrip().startswith("say ") else ""
            if re.search(r"\bcargo\s+(\+\S+\s+)?install\b", code) and "--locked" not in code:
                errors.append(f"{path}: cargo install without --locked: {command.strip()}")
            if re.search(r"\bpip3?\"?\s+install\b", code) and "--require-hashes" not in code:
                errors.append(f"{path}: pip install without --require-hashes: {command.strip()}")

    locks = {"requirements-dev.txt": "requirements-dev.lock",
             "deploy/requirements.txt": "deploy/requirements.lock"}
    for wanted, lock in locks.items():
        held = pins(lock)
        for name, version in pins(wanted).items():
            if held.get(name) != version:
                errors.append(f"{lock}: {name} is {held.get(name)}, {wanted} pins {version}: "
                              f"run the pip-compile command at the top of {lock}")
    test, deploy = pins("requirements-dev.txt"), pins("deploy/requirements.txt")
    for name in sorted(set(test) & set(deploy)):
        if test[name] != deploy[name]:
            errors.append(f"{name}: {test[name]} for the tests, {deploy[name]} for the deploy")

    for error in errors:
        print(f"check-pins: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
