import re
from pathlib import Path

from django.conf import settings


def test_every_environment_variable_read_by_the_settings_is_in_env_example() -> None:
    source = (Path(settings.BASE_DIR) / "facepay" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))
    example = (Path(settings.BASE_DIR) / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert read, "the settings read their variables through django-environ"
    assert read - listed == set()
