"""mcdesk.app.settings: the app's folders and what it remembers between launches."""

from __future__ import annotations

import json
import logging

import pytest

from mcdesk.app.settings import MAX_RECENT, AppSettings, config_dir, data_dir


@pytest.fixture(autouse=True)
def conf(tmp_path, monkeypatch):
    monkeypatch.setenv("MCDESK_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("MCDESK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "conf"


def test_folders_from_env(conf, tmp_path):
    assert config_dir() == conf
    assert data_dir() == tmp_path / "data"
    assert AppSettings.path() == conf / "settings.json"


def test_folders_default_to_platformdirs(monkeypatch):
    import platformdirs

    monkeypatch.delenv("MCDESK_CONFIG_DIR")
    monkeypatch.delenv("MCDESK_DATA_DIR")
    assert str(config_dir()) == platformdirs.user_config_dir("mcdesk")
    assert str(data_dir()) == platformdirs.user_data_dir("mcdesk")


def test_missing_file_gives_defaults(conf, caplog):
    with caplog.at_level(logging.WARNING):
        s = AppSettings.load()
    assert s == AppSettings(recent=[], trials=10_000, seed=1, sampling="mc", backend="auto")
    assert not caplog.records  # a first launch is not worth a warning
    assert not conf.exists()


@pytest.mark.parametrize("text", ["{broken", "[1, 2]", '"text"', '{"trials": 5, "recent": 3}',
                                  "\xff\xfe"])
def test_broken_file_gives_defaults_and_a_warning(conf, caplog, text):
    conf.mkdir()
    (conf / "settings.json").write_bytes(text.encode("latin-1"))
    with caplog.at_level(logging.WARNING, logger="mcdesk.app.settings"):
        s = AppSettings.load()
    assert s == AppSettings()
    assert any("ignoring unreadable settings" in r.getMessage() for r in caplog.records)


def test_save_load_round_trip(conf, tmp_path):
    s = AppSettings(trials=1234, seed=9, sampling="lhs", backend="numba")
    s.add_recent(tmp_path / "a.xlsx")
    s.save()
    assert (conf / "settings.json").is_file()
    assert not (conf / "settings.tmp").exists()
    data = json.loads((conf / "settings.json").read_text())
    assert data == {"recent": [str((tmp_path / "a.xlsx").resolve())], "trials": 1234, "seed": 9,
                    "sampling": "lhs", "backend": "numba"}
    assert AppSettings.load() == s


def test_unknown_keys_ignored_and_bad_recent_entries_dropped(conf):
    conf.mkdir()
    (conf / "settings.json").write_text(json.dumps(
        {"trials": 77, "theme": "dark", "recent": ["/a.xlsx", 5, None, "/b.xlsx"]}))
    s = AppSettings.load()
    assert s.trials == 77 and s.recent == ["/a.xlsx", "/b.xlsx"]
    assert s.seed == 1


def test_recent_capped_when_loaded(conf):
    conf.mkdir()
    (conf / "settings.json").write_text(json.dumps({"recent": [f"/b{k}.xlsx" for k in range(25)]}))
    assert AppSettings.load().recent == [f"/b{k}.xlsx" for k in range(MAX_RECENT)]


def test_add_recent_dedup_and_cap(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = AppSettings()
    for k in range(15):
        s.add_recent(tmp_path / f"b{k}.xlsx")
    assert MAX_RECENT == 10
    assert s.recent == [str(tmp_path / f"b{k}.xlsx") for k in range(14, 4, -1)]
    s.add_recent("b7.xlsx")  # relative path: the same file, moved to the front, not repeated
    assert s.recent[0] == str(tmp_path / "b7.xlsx")
    assert s.recent.count(str(tmp_path / "b7.xlsx")) == 1 and len(s.recent) == 10
    s.add_recent(tmp_path / "sub" / ".." / "b9.xlsx")
    assert s.recent[:2] == [str(tmp_path / "b9.xlsx"), str(tmp_path / "b7.xlsx")]
    assert len(set(s.recent)) == len(s.recent) == 10


def test_save_failure_is_a_warning(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MCDESK_CONFIG_DIR", str(blocker / "conf"))
    with caplog.at_level(logging.WARNING, logger="mcdesk.app.settings"):
        AppSettings(trials=5).save()  # no exception
    assert any("cannot save settings" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("bad", [{"sampling": "sobol"}, {"backend": "tpu"}, {"backend": ["numba"]},
                                 {"trials": "many"}, {"trials": 0}, {"seed": -1}])
def test_invalid_run_settings_give_defaults_and_a_warning(conf, caplog, bad):
    # the run panel cannot show such values (NiceGUI raises on a toggle value not offered)
    conf.mkdir()
    (conf / "settings.json").write_text(json.dumps({"recent": ["/a.xlsx"], "trials": 500, **bad}))
    with caplog.at_level(logging.WARNING, logger="mcdesk.app.settings"):
        s = AppSettings.load()
    assert s == AppSettings(recent=["/a.xlsx"])  # the recent list is still good
    assert any("ignoring the saved run settings" in r.getMessage() for r in caplog.records)


def test_valid_run_settings_kept_without_warning(conf, caplog):
    conf.mkdir()
    (conf / "settings.json").write_text(json.dumps({"trials": 2000, "seed": 0, "sampling": "lhs",
                                                    "backend": "cupy"}))
    with caplog.at_level(logging.WARNING, logger="mcdesk.app.settings"):
        s = AppSettings.load()
    assert (s.trials, s.seed, s.sampling, s.backend) == (2000, 0, "lhs", "cupy")
    assert not caplog.records
