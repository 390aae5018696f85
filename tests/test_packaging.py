"""An installed copy (a container image) has everything a checkout has: code, SQL, demo data.

The wheel is built offline from the development environment's setuptools.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import REPO


def test_the_wheel_carries_every_module_the_sql_and_the_demo(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"sts_bot/{p.relative_to(REPO / 'bot')}" for p in (REPO / "bot").rglob("*.py")}
    expected |= {
        f"sts_queries/{p.relative_to(REPO / 'queries')}"
        for pattern in ("*.py", "*.sql")
        for p in (REPO / "queries").rglob(pattern)
    }
    expected |= {f"sts_queries/demo/{p.name}" for p in (REPO / "data").iterdir() if p.is_file()}
    assert expected - names == set()
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "sts = sts_bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
