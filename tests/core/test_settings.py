from pathlib import Path

import pytest

from xingcheng.core.settings import Settings, SettingsError, load_settings


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(__import__("os").environ):
        if key.startswith("XINGCHENG_"):
            monkeypatch.delenv(key)
    s = load_settings()
    assert s.data_dir == Path("var")
    assert s.resolved_database_url.startswith("sqlite:///")
    assert s.resolved_database_url.endswith("var/xingcheng.db")
    assert s.language == "zh-CN"


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINGCHENG_PORT", "9001")
    monkeypatch.setenv("XINGCHENG_PLUGINS", "a.b, c.d")
    s = load_settings()
    assert s.port == 9001
    assert s.plugins == ["a.b", "c.d"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("XINGCHENG_PORT", "eighty"),
        ("XINGCHENG_PORT", "70000"),
        ("XINGCHENG_LANGUAGE", "fr"),
        ("XINGCHENG_CITY_CODE", "changsha"),
        ("XINGCHENG_MAX_BODY_BYTES", "-1"),
    ],
)
def test_malformed_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert name in str(info.value)


def test_secret_setting_never_appears_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINGCHENG_SECRET_KEY", "super-secret-value")
    monkeypatch.setenv("XINGCHENG_PORT", "x")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "super-secret-value" not in str(info.value)


def test_signing_key_is_generated_once_and_private(tmp_path: Path) -> None:
    s = load_settings(data_dir=tmp_path)
    first = s.signing_key()
    assert first == load_settings(data_dir=tmp_path).signing_key()
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_every_setting_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"XINGCHENG_{name.upper()}" in doc, f"XINGCHENG_{name.upper()} missing from docs/configuration.md"
