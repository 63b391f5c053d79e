"""Run every benchmark under bench/ and print one JSON document with all their figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    # The benchmarks run on the configured database; make sure its schema is current.
    subprocess.run([sys.executable, str(HERE.parent / "manage.py"), "migrate", "--no-input", "-v", "0"], check=True)
    # The benchmarks remove what they wrote, the append-only rows included: they run as the owner role.
    env = dict(os.environ)
    if owner := env.pop("DATABASE_OWNER_URL", ""):
        env["DATABASE_URL"] = owner
    results = []
    for script in sorted(HERE.glob("*.py")):
        # a benchmark is a script; the modules beside them (a benchmark's settings and URLs) are not
        if script.name == "run.py" or '__name__ == "__main__"' not in script.read_text():
            continue
        completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False, env=env)
        if completed.returncode != 0:
            sys.stderr.write(completed.stderr)
            return completed.returncode
        results.append(json.loads(completed.stdout))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
