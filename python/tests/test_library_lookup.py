"""How the package finds libflaghal.so: $FLAGHAL_LIBRARY, the install prefix, the system loader path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import flaghal
from flaghal._locate import ENV_VAR, SONAME, candidates

PACKAGE_DIR = Path(flaghal.__file__).parent
PROBE = "import flaghal; print(flaghal.library_path()); print(flaghal.api_version())"


def run_python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """code in a new interpreter whose only lookup hints are env (cwd: python -c imports from it first)."""
    base = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "LD_LIBRARY_PATH", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-c", code], env={**base, **env}, cwd=cwd, capture_output=True, text=True)


def real_library() -> Path:
    return Path(flaghal.library_path()).resolve()


def test_candidates_in_order(tmp_path: Path) -> None:
    package = tmp_path / "lib" / "python3.11" / "site-packages" / "flaghal"
    package.mkdir(parents=True)
    assert candidates({}, package) == candidates({ENV_VAR: ""}, package)
    assert [c.origin for c in candidates({}, package)] == ["system loader path"]
    (tmp_path / "lib" / SONAME).write_bytes(b"")
    found = candidates({}, package)
    assert [(c.path, c.origin) for c in found] == [
        (str(tmp_path / "lib" / SONAME), "install prefix"),
        (SONAME, "system loader path"),
    ]
    explicit = candidates({ENV_VAR: "/opt/x/libflaghal.so.1"}, package)
    assert [(c.path, c.origin) for c in explicit] == [("/opt/x/libflaghal.so.1", f"${ENV_VAR}")]


def test_a_named_library_that_fails_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    lib_dir = real_library().parent
    result = run_python(PROBE, {ENV_VAR: str(tmp_path / "nope.so"), "LD_LIBRARY_PATH": str(lib_dir)}, tmp_path)
    assert result.returncode != 0
    assert "LibraryNotFoundError" in result.stderr and f"${ENV_VAR}" in result.stderr, result.stderr
    assert "nope.so" in result.stderr


def test_system_loader_path(tmp_path: Path) -> None:
    result = run_python(PROBE, {"LD_LIBRARY_PATH": str(real_library().parent)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == SONAME


def test_install_prefix_layout(tmp_path: Path) -> None:
    site = tmp_path / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    shutil.copytree(PACKAGE_DIR, site / "flaghal", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "lib" / SONAME).symlink_to(real_library())
    result = run_python(PROBE, {"PYTHONPATH": str(site)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == str(tmp_path / "lib" / SONAME)


def test_nothing_found_says_what_to_set(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    shutil.copytree(PACKAGE_DIR, site / "flaghal", ignore=shutil.ignore_patterns("__pycache__"))
    result = run_python(PROBE, {"PYTHONPATH": str(site)}, tmp_path)
    if result.returncode == 0:  # a libflaghal.so.1 in the ld.so cache answers the system path
        assert result.stdout.splitlines()[0] == SONAME
        return
    assert f"Set ${ENV_VAR}" in result.stderr and "LD_LIBRARY_PATH" in result.stderr, result.stderr
