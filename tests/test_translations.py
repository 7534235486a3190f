"""The Spanish catalogue: valid for msgfmt (Spanish has three plural forms), and the compiled file
the site reads is the source file compiled (a .po edited without compilemessages leaves the site
in English for those texts)."""

import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale" / "es" / "LC_MESSAGES"


@pytest.fixture
def msgfmt():
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt is missing (apt-get install gettext)")
    return shutil.which("msgfmt")


def test_the_catalogue_is_valid_and_compiled(msgfmt, tmp_path):
    # As `manage.py compilemessages` runs it.
    result = subprocess.run([msgfmt, "--check-format", "--check", "-o", str(tmp_path / "django.mo"),
                             str(LOCALE / "django.po")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "django.mo").read_bytes() == (LOCALE / "django.mo").read_bytes(), \
        "locale/es/LC_MESSAGES/django.mo is not django.po compiled: run manage.py compilemessages -l es"
