"""Fixtures of the flaghal package's tests.

They run against an installed package and a FlagHAL install (scripts/test.sh:
a venv under target/, `pip install ./python`, FLAGHAL_LIBRARY pointing at the
relocated install). Environment:

- FLAGHAL_LIBRARY: the libflaghal.so to test (else the package's own lookup).
- FLAGHAL_TEST_INSTALLED=1: refuse to run when `import flaghal` found the
  source tree instead of the installed package (run pytest from outside
  python/, not with `python -m pytest` there).
- FLAGHAL_TEST_REQUIRE_PLUGINS: comma-separated plugin names that must each
  contribute a device (default "cpu"), so a backend that silently lost its
  device fails the run instead of shrinking it.

Tests that take a `device` argument run once per visible device. The kernel
bundle is built once per session with the install's flaghal-kernel from the
install's example kernels (share/flaghal/examples/kernels).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

import flaghal

KERNELS = ("vector_add", "scale")


def pytest_report_header(config: Any) -> list[str]:
    lines = [f"flaghal package: {Path(flaghal.__file__).parent}"]
    try:
        lines.append(f"libflaghal: {flaghal.library_path()} (API {'.'.join(map(str, flaghal.api_version()))})")
        lines.append("devices: " + ", ".join(f"{d.ordinal} {d.properties.plugin_name}" for d in flaghal.devices()))
    except flaghal.FlagHALError as error:  # the tests that need it fail and say why
        lines.append(f"libflaghal: not loaded: {error}")
    return lines


def pytest_configure(config: Any) -> None:
    source = Path(__file__).resolve().parents[1] / "flaghal"
    if os.environ.get("FLAGHAL_TEST_INSTALLED") == "1" and Path(flaghal.__file__).resolve().parent == source:
        raise pytest.UsageError(f"FLAGHAL_TEST_INSTALLED=1 but flaghal was imported from the source tree ({source})")


def pytest_generate_tests(metafunc: Any) -> None:
    if "device" in metafunc.fixturenames:
        found = flaghal.devices()
        metafunc.parametrize("device", found, ids=[f"{d.ordinal}-{d.properties.plugin_name}" for d in found])


def required_plugins() -> list[str]:
    return [p for p in os.environ.get("FLAGHAL_TEST_REQUIRE_PLUGINS", "cpu").split(",") if p]


def install_prefix() -> Path:
    """The FlagHAL install the library belongs to (PREFIX/lib/libflaghal.so.1)."""
    path = Path(flaghal.library_path())
    if not path.is_absolute():
        pytest.fail(f"the tests need FLAGHAL_LIBRARY set to an install's lib/libflaghal.so.1, not {path}")
    return path.resolve().parent.parent


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """vector_add and scale in one bundle (every image flaghal-kernel writes)."""
    prefix = install_prefix()
    tool = prefix / "bin" / "flaghal-kernel"
    sources = [prefix / "share" / "flaghal" / "examples" / "kernels" / f"{k}.fhk" for k in KERNELS]
    missing = [str(p) for p in [tool, *sources] if not p.exists()]
    if missing:
        pytest.fail(f"the FlagHAL install at {prefix} lacks {missing}")
    out = tmp_path_factory.mktemp("kernels") / "examples.fhbundle"
    subprocess.run([str(tool), "build", "--committed", *map(str, sources), "-o", str(out)], check=True)
    return out.read_bytes()


@pytest.fixture
def cpu_device() -> flaghal.Device:
    for d in flaghal.devices():
        if d.properties.plugin_name == "cpu":
            return d
    pytest.fail("no CPU-plugin device is visible")
