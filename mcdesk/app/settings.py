"""Where the app keeps its settings and files (platformdirs' user folders), and what it
remembers between launches: recent workbooks and the last run settings."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs

from engine.spec import DEFAULT_SEED

log = logging.getLogger(__name__)

__all__ = ["AppSettings", "config_dir", "data_dir"]

MAX_RECENT = 10


def config_dir() -> Path:
    """``MCDESK_CONFIG_DIR``, else the platform's user config folder for mcdesk."""
    return Path(os.environ.get("MCDESK_CONFIG_DIR") or platformdirs.user_config_dir("mcdesk"))


def data_dir() -> Path:
    """``MCDESK_DATA_DIR``, else the platform's user data folder (uploads, projects)."""
    return Path(os.environ.get("MCDESK_DATA_DIR") or platformdirs.user_data_dir("mcdesk"))


@dataclass
class AppSettings:
    recent: list[str] = field(default_factory=list)
    trials: int = 10_000
    seed: int = DEFAULT_SEED
    sampling: str = "mc"
    backend: str = "auto"

    @classmethod
    def path(cls) -> Path:
        return config_dir() / "settings.json"

    @classmethod
    def load(cls) -> AppSettings:
        """The saved settings; defaults when there are none or the file is broken."""
        try:
            data = json.loads(cls.path().read_text(encoding="utf-8"))
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            out = cls(**known)
            out.recent = [str(p) for p in out.recent if isinstance(p, str)][:MAX_RECENT]
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable settings %s: %s", cls.path(), exc)
            return cls()
        from engine.errors import McdeskError

        from .workspace import RunSettings

        try:  # a value the run panel cannot show (hand-edited, another version) breaks the page
            RunSettings(out.trials, out.seed, out.sampling, out.backend).validated()
        except (McdeskError, TypeError) as exc:  # TypeError: a list as the backend
            log.warning("ignoring the saved run settings in %s: %s", cls.path(), exc)
            return cls(recent=out.recent)
        return out

    def save(self) -> None:
        path = self.path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            log.warning("cannot save settings to %s: %s", path, exc)

    def add_recent(self, book: Path | str) -> None:
        text = str(Path(book).resolve())
        self.recent = [text, *[p for p in self.recent if p != text]][:MAX_RECENT]
