"""The app's pages: the workbook page (open, inputs, outputs, preflight, run, results) and,
on a team instance, the sign-in routes (``login.py``) and the upload guard (``uploads.py``).
``register(config)`` wires them; ``main.py`` runs them."""

from __future__ import annotations

import importlib
import json
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from nicegui import app, run, ui

from engine.check import CheckReport, check_model, notes, summary
from engine.errors import McdeskError
from engine.spec import SimulationSpec

from . import charts, export, project
from .export_panel import ExportPanel
from .inputs_panel import InputDialog, InputsList, OutputsList
from .login import register_login, session_id
from .names_dialog import NamesDialog
from .notices import confirm
from .results_view import ResultsView
from .run_panel import RunPanel
from .security import LoginGuard, SessionTable
from .settings import AppSettings
from .uploads import UploadGuard, bind_page
from .workbook_view import WorkbookView, display_value
from .workspace import Workspace, warm_backends

log = logging.getLogger(__name__)

__all__ = ["AppConfig", "register"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class AppConfig:
    """How the app is served: a desktop launch (one local user, the example open) or a team
    instance (login, per-user storage, 10 MB uploads)."""

    data_dir: Path
    team: bool = False
    max_upload_bytes: int = 100 * 2**20
    users: dict[str, str] = field(default_factory=dict)   # name -> password hash (team)
    example: Path | None = None                           # opened at the first visit
    remote_url: str | None = None
    remote_token: str | None = None
    remember_settings: bool = True                        # desktop: recent files, settings


class Workspaces:
    """One workspace per user (the local user on the desktop), kept while the app runs."""

    def __init__(self, config: AppConfig) -> None:
        self.config = config
        self._by_user: dict[str, Workspace] = {}

    def get(self, user: str) -> Workspace:
        ws = self._by_user.get(user)
        if ws is None:
            cfg = self.config
            ws = Workspace()  # the upload limit is checked on uploads, not on files opened by path
            if cfg.remote_url:
                ws.remote = _remote_factory(cfg, ws)
            if not cfg.team and cfg.remember_settings:
                saved = AppSettings.load()
                ws.settings.trials, ws.settings.seed = saved.trials, saved.seed
                ws.settings.sampling, ws.settings.backend = saved.sampling, saved.backend
            self._by_user[user] = ws
            if cfg.example is not None:
                self._open_example(ws, user)
            elif cfg.team:
                self._open_last(ws, user)
        return ws

    def _open_last(self, ws: Workspace, user: str) -> None:
        """After a restart, a team user finds the workbook they opened last (and its project)."""
        books = [p for p in self.folder(user).iterdir()
                 if p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(".")]
        if books:
            _open_with_project(ws, max(books, key=lambda p: p.stat().st_mtime))

    def folder(self, user: str) -> Path:
        """The user's own folder: uploads and projects (never shared between users)."""
        path = self.config.data_dir / "users" / user
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _open_example(self, ws: Workspace, user: str) -> None:
        """A copy of the example in the user's folder (so its project can be saved beside
        it); the first time, the example's spec becomes that project."""
        example = self.config.example
        assert example is not None
        dest = self.folder(user) / example.name
        fresh = not dest.exists()
        if fresh:
            shutil.copy(example, dest)
        _open_with_project(ws, dest)
        spec = example.with_name(example.stem + ".spec.json")
        if fresh and spec.exists() and ws.model is not None:
            s = SimulationSpec.load(spec)
            ws.inputs = {i.cell: i for i in s.inputs}
            ws.outputs = list(s.outputs)
            project.beside_path(dest).write_bytes(project.project_bytes(ws))


def _open_with_project(ws: Workspace, path: Path) -> None:
    """Open a workbook the app opens by itself, with its saved project; a failure is logged
    and leaves the workspace empty."""
    try:
        ws.open(path)
        project.find_project(ws)
    except McdeskError as exc:
        log.warning("cannot open %s: %s", path, exc)


def _remote_factory(cfg: AppConfig, ws: Workspace):
    def make():
        from remote.client import RemoteBackend  # noqa: PLC0415 - optional part

        return RemoteBackend.for_workspace(cfg.remote_url, cfg.remote_token, ws)

    return make


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.() -]", "_", Path(name).name).strip() or "workbook.xlsx"
    return stem[:120]


class WorkbookPage:
    """Everything on the main page, for one browser tab."""

    def __init__(self, config: AppConfig, workspaces: Workspaces, user: str) -> None:
        self.config, self.workspaces, self.user = config, workspaces, user
        self.ws = workspaces.get(user)
        self.report: CheckReport | None = None
        # Quasar's uploader counts bytes sent as "0.0B / 0.00%" even after a file arrived
        ui.add_css(".q-uploader__subtitle { display: none; }")
        self._header()
        self.input_dialog = InputDialog(self.ws, self.changed)
        self.names_dialog = NamesDialog(self.ws, self.renamed)
        self.exports = ExportPanel(self.ws, lambda: self.workspaces.folder(self.user))
        view = self.ws.view
        with ui.tabs(on_change=lambda e: setattr(view, "tab", e.value)).classes("w-full") as tabs:
            model_tab = ui.tab("Model", icon="grid_on").mark("tab-model")
            self.results_tab = ui.tab("Results", icon="insights").mark("tab-results")
        self.tabs = tabs
        shown = self.results_tab if view.tab == "Results" and self.ws.result is not None \
            else model_tab  # a reload shows the tab the user was on
        with ui.tab_panels(tabs, value=shown).classes("w-full"):
            with ui.tab_panel(model_tab):
                with ui.row().classes("w-full no-wrap gap-4 items-start"):
                    with ui.column().classes("grow min-w-0"):
                        self._cell_bar()
                        self.view = WorkbookView(self.ws, self.select)
                    with ui.column().classes("w-[420px] shrink-0 gap-3"):
                        self._side_panel()
            with ui.tab_panel(self.results_tab):
                self.results = ResultsView(self.ws, report=self.exports.report)
        self.show_workbook()

    # ------------------------------------------------------------ layout
    def _header(self) -> None:
        with ui.header().classes("items-center gap-3 bg-primary text-white"):
            ui.label("mcdesk").classes("text-xl font-bold")
            self.book_label = ui.label("").classes("text-base").mark("book-name")
            ui.space()
            with ui.button("Project", icon="save").props("flat color=white"):
                with ui.menu():
                    ui.menu_item("Save project beside the workbook", self.save_project).mark(
                        "save-project")
                    ui.menu_item("Download project (.json)", self.download_project)
                    ui.menu_item("Download workbook with the project inside", self.download_book)
                    ui.menu_item("Load the saved project", self.load_project).mark("load-project")
            with ui.button("Export", icon="download").props("flat color=white").mark("export"):
                with ui.menu():
                    ui.menu_item("Statistics (.csv)", lambda: self.export("stats_csv")).mark(
                        "export-stats")
                    ui.menu_item("Result with names (RESULT.json)",
                                 lambda: self.export("result_json")).mark("export-result")
                    ui.menu_item("Samples (.csv)", lambda: self.exports.samples("csv")).mark(
                        "export-csv")
                    ui.menu_item("Samples (.parquet, for large runs)",
                                 lambda: self.exports.samples("parquet")).mark("export-parquet")
                    ui.menu_item("Statistics and samples (.xlsx)",
                                 lambda: self.exports.samples("xlsx")).mark("export-xlsx")
                    ui.menu_item("Report (.html)", lambda: self.exports.report("html"))
                    ui.menu_item("Report (.xlsx)", lambda: self.exports.report("xlsx"))
            if not self.config.team and self.config.remember_settings:
                recent = AppSettings.load().recent
                with ui.button("Recent", icon="history").props("flat color=white"):
                    with ui.menu():
                        for path in recent or []:
                            ui.menu_item(Path(path).name, lambda p=path: self.open_path(p))
                        if not recent:
                            ui.menu_item("(none yet)").props("disable")
            if self.config.team:
                ui.label(self.user).classes("text-sm").mark("user-name")
                with ui.element("form").props("method=post action=/logout"):
                    ui.element("input").props(f"type=hidden name=page value={ui.context.client.id}")
                    ui.button(icon="logout").props(
                        'type=submit flat round color=white aria-label="Sign out"').mark("logout")

    def _cell_bar(self) -> None:
        self.upload = ui.upload(label="Open a workbook: drop an .xlsx (or a project .json) here, "
                                "or click +", auto_upload=True,
                                max_file_size=self.config.max_upload_bytes,
                                on_upload=self.uploaded, on_rejected=self.rejected).props(
            f'accept="{",".join(WORKBOOK_SUFFIXES)},.json" flat bordered').classes(
            "w-full").style("max-height: 110px").mark("upload")
        with ui.row().classes("w-full items-end gap-2"):
            self.address: ui.input = ui.input("Cell", placeholder="Sheet!B2").classes("w-44").mark(
                "cell-address")
            self.address.on("keydown.enter", lambda: self.select(self.address.value))
            ui.button("Add input", icon="casino", on_click=self.add_input).mark("add-input")
            ui.button("Add output", icon="flag", on_click=self.add_output).props("outline").mark(
                "add-output")
            self.cell_info = ui.label("").classes("text-sm text-gray-700 grow truncate").mark(
                "cell-info")
        if not self.config.team:
            with ui.row().classes("w-full items-end gap-2"):
                self.path_input = ui.input("Open a workbook by path").classes("grow").mark("open-path")
                ui.button("Open", on_click=lambda: self.open_path(self.path_input.value)).props(
                    "outline").mark("open-path-button")

    def _side_panel(self) -> None:
        # the run first: visible without scrolling on a 1366x768 screen; the lists scroll
        with ui.card().classes("w-full gap-1 p-3").mark("run-card"):
            self.run_panel = RunPanel(self.ws, self.run_finished,
                                      remote_ready=self.ws.remote is not None,
                                      timed=lambda: self.results.show_metadata())
        with ui.card().classes("w-full gap-1 p-3"):
            with ui.row().classes("w-full items-center"):
                ui.label("Inputs").classes("text-lg font-medium")
                ui.space()
                ui.button("Names", icon="label", on_click=self.names_dialog.open).props(
                    "flat dense no-caps").mark("edit-names")
            with ui.scroll_area().classes("w-full h-56"):
                self.inputs_list = InputsList(self.ws, self.input_dialog.open, self.changed)
        with ui.card().classes("w-full gap-1 p-3"):
            ui.label("Outputs").classes("text-lg font-medium")
            with ui.scroll_area().classes("w-full h-40"):
                self.outputs_list = OutputsList(self.ws, self.changed)
        with ui.expansion("Preflight check", icon="fact_check", value=True).classes(
                "w-full").mark("preflight"):
            self.preflight = ui.column().classes("w-full gap-1")

    # ------------------------------------------------------------ workbook
    def show_workbook(self) -> None:
        ws = self.ws
        self.book_label.text = ws.book_name or "no workbook open"
        self.outputs_list.reset()
        self.refresh_model()
        self.results.refresh()
        self.run_panel.show_settings()
        self.preflight.clear()
        if ws.model is not None:
            with self.preflight:
                ui.label("Checking the workbook...").classes("text-sm text-gray-500")
            ui.timer(0.05, self.run_preflight, once=True)

    def refresh_model(self) -> None:
        self.view.refresh()
        self.inputs_list.refresh()
        self.outputs_list.refresh()

    def changed(self) -> None:
        self.refresh_model()
        self.run_panel.refresh_outputs()

    def renamed(self) -> None:
        self.changed()
        self.results.refresh()

    async def run_preflight(self) -> None:
        ws = self.ws
        model = ws.model
        if model is None:
            return
        error = ""
        try:
            report = await run.io_bound(check_model, model)
        except Exception as exc:  # noqa: BLE001 - the check must never break the page
            log.exception("preflight failed")
            report = None
            error = repr(exc)
        else:
            if report is None:  # the app is shutting down
                return
        if model is not ws.model:  # another workbook was opened meanwhile
            return
        self.report = report
        self.preflight.clear()
        with self.preflight:
            if report is None:
                ui.label(f"The check failed: {error}").classes("text-negative text-sm")
                return
            for line in notes(report):
                ui.label(line[0].upper() + line[1:]).classes("text-sm text-warning").mark(
                    "preflight-note")
            ok = report.compared == report.matches_cached and report.compared > 0
            ui.label(summary(report, ws.book_name)).classes(
                "text-sm " + ("text-positive" if ok else "text-warning")).mark("preflight-summary")
            for name, cells in sorted(report.unsupported_cells.items()):
                self._cells_line(f"Unsupported {name}", cells, "text-negative")
            if report.volatile_cells:
                self._cells_line("Volatile (RAND, NOW, ...)", report.volatile_cells, "")
            for cyc in report.circular:
                self._cells_line("Circular reference", cyc, "text-negative")
            if report.data_tables:
                self._cells_line("Data tables (left out)", report.data_tables, "text-warning")
            for m in report.mismatches[:5]:
                self._cells_line(f"Differs from Excel ({m.reason})", [m.cell], "text-warning")

    def _cells_line(self, label: str, cells: list[str], cls: str) -> None:
        with ui.row().classes("items-center gap-1"):
            ui.label(f"{label}:").classes(f"text-sm {cls}")
            for c in cells[:6]:
                ui.link(c).classes("text-sm cursor-pointer").on("click", lambda c=c: self.select(c))
            if len(cells) > 6:
                ui.label(f"and {len(cells) - 6} more").classes("text-sm")

    def select(self, cell: str) -> None:
        """Show a cell (clicked in the grid, typed, or linked from the preflight)."""
        try:
            ref = self.ws.cell(cell)
        except McdeskError as exc:
            ui.notify(str(exc), type="negative")
            return
        self.address.set_value(str(ref))
        c = self.ws.require_model().workbook.cell(ref)
        what = "empty" if c is None else display_value(self.ws.value(ref), c.number_format)
        formula = f"  {c.formula}" if c is not None and c.formula else ""
        role = " · input" if str(ref) in self.ws.inputs else (" · output" if str(ref) in self.ws.outputs else "")
        self.cell_info.text = f"{ref} = {what}{formula}{role}"
        if self.view.sheet != ref.sheet:
            self.view.refresh(ref.sheet)

    def add_input(self) -> None:
        if not self.address.value:
            ui.notify("Select a cell first (click it in the grid or type its address)", type="warning")
            return
        self.input_dialog.open(self.address.value)

    def add_output(self) -> None:
        if not self.address.value:
            ui.notify("Select a cell first (click it in the grid or type its address)", type="warning")
            return
        try:
            name = self.ws.add_output(self.address.value)
        except McdeskError as exc:
            ui.notify(str(exc), type="negative")
            return
        confirm(f"Output {name}")
        self.changed()

    # ------------------------------------------------------------ open
    def rejected(self) -> None:
        ui.notify(f"That file is over the upload limit of {self.config.max_upload_bytes / 2**20:g} MB",
                  type="negative")

    async def uploaded(self, e) -> None:
        name = e.file.name
        self.upload.reset()  # the drop zone is ready for the next file
        if e.file.size() > self.config.max_upload_bytes:  # checked before it is read
            self.rejected()
            return
        data = await e.file.read()
        if name.lower().endswith(".json"):
            self.apply_project_bytes(data, name)
            return
        if not name.lower().endswith(WORKBOOK_SUFFIXES):
            ui.notify(f"{name}: not an Excel workbook (.xlsx or .xlsm); "
                      f"{self.ws.book_name or 'nothing'} stays open", type="negative")
            return
        folder = self.workspaces.folder(self.user)
        dest = folder / _safe_name(name)
        tmp = dest.with_name(f".upload-{dest.name}")  # keeps the suffix openpyxl checks
        tmp.write_bytes(data)
        try:
            await self._open(tmp, name, final=dest)
        except McdeskError:
            tmp.unlink(missing_ok=True)
            return
        self._remember(dest)

    async def open_path(self, path: str | None) -> None:
        if not path:
            ui.notify("Type the path of an .xlsx file", type="warning")
            return
        p = Path(path).expanduser()
        if not p.is_file():
            ui.notify(f"{p}: no such file; {self.ws.book_name or 'nothing'} stays open", type="negative")
            return
        try:
            await self._open(p, p.name)
        except McdeskError:
            return
        self._remember(p)

    async def _open(self, path: Path, name: str, final: Path | None = None) -> None:
        """Open, keeping the current workbook on failure (the error is shown and re-raised).
        An upload is read from a temporary file, moved to ``final`` once it opened."""
        try:  # Workspace.open changes nothing unless the new workbook loaded
            await run.io_bound(self.ws.open, path, name)
        except McdeskError as exc:
            ui.notify(f"{name}: {exc}; {self.ws.book_name or 'nothing'} stays open",
                      type="negative", multi_line=True)
            raise
        except Exception as exc:  # noqa: BLE001 - a file we cannot read must not break the page
            log.exception("opening %s failed", name)
            ui.notify(f"{name}: cannot be opened ({exc!r}); {self.ws.book_name or 'nothing'} "
                      "stays open", type="negative")
            raise McdeskError(str(exc)) from exc
        ws = self.ws
        if final is not None:
            path.replace(final)
            ws.book_path = ws.require_model().workbook.path = final
        try:
            where = project.find_project(ws)
        except McdeskError as exc:
            ui.notify(f"The saved project was not loaded: {exc}", type="warning")
        else:
            if where:
                ui.notify(f"Loaded the project from {where}", type="info")
        confirm(f"Opened {name}")
        self.show_workbook()

    def _remember(self, path: Path) -> None:
        if not self.config.team and self.config.remember_settings:
            s = AppSettings.load()
            s.add_recent(path)
            s.save()

    # ------------------------------------------------------------ project
    def save_project(self) -> None:
        ws = self.ws
        if ws.book_path is None:
            ui.notify("Open a workbook first", type="warning")
            return
        self.run_panel.read_settings()
        try:
            ws.settings.validated()
            path = project.beside_path(ws.book_path)
            path.write_bytes(project.project_bytes(ws))
        except (McdeskError, OSError) as exc:
            ui.notify(f"The project was not saved: {exc}", type="negative")
            return
        confirm(f"Saved the project as {path.name}")

    def load_project(self) -> None:
        ws = self.ws
        if ws.book_path is None or not project.beside_path(ws.book_path).is_file():
            ui.notify("No saved project beside this workbook", type="warning")
            return
        self.apply_project_bytes(project.beside_path(ws.book_path).read_bytes(),
                                 project.beside_path(ws.book_path).name)

    def apply_project_bytes(self, data: bytes, name: str) -> None:
        try:
            project.apply_project(self.ws, data)
        except McdeskError as exc:
            ui.notify(f"{name}: {exc}; nothing was changed", type="negative", multi_line=True)
            return
        confirm(f"Loaded the project {name}")
        self.run_panel.show_settings()
        self.refresh_model()

    def download_project(self) -> None:
        if self.ws.model is None:
            ui.notify("Open a workbook first", type="warning")
            return
        self.run_panel.read_settings()
        ui.download.content(project.project_bytes(self.ws),
                            project.beside_path(Path(self.ws.book_name)).name)

    async def download_book(self) -> None:
        if self.ws.model is None:
            ui.notify("Open a workbook first", type="warning")
            return
        self.run_panel.read_settings()
        try:
            data = await run.io_bound(project.workbook_with_project, self.ws)
        except McdeskError as exc:
            ui.notify(str(exc), type="negative")
            return
        if data is not None:  # None: the app is shutting down
            ui.download.content(data, Path(self.ws.book_name).stem + " (mcdesk).xlsx")

    # ------------------------------------------------------------ run and results
    def run_finished(self) -> None:
        self.results.refresh()
        self.tabs.set_value(self.results_tab)
        if not self.config.team and self.config.remember_settings:
            s = AppSettings.load()
            st = self.ws.settings
            s.trials, s.seed, s.sampling, s.backend = st.trials, st.seed, st.sampling, st.backend
            s.save()

    async def export(self, what: str) -> None:
        result = self.ws.result
        if result is None:
            ui.notify("Run a simulation first", type="warning")
            return
        stem = Path(self.ws.book_name).stem or "mcdesk"
        inputs = list(result.samples.inputs) if result.samples is not None else []
        if what == "stats_csv":
            ui.download.content(export.statistics_csv(result, self.ws.labels(list(result.outputs))),
                                f"{stem} statistics.csv")
        else:  # RESULT.json as the CLI writes it, with the names given here
            cli = importlib.import_module("mcdesk.cli")
            names = ({c: self.ws.label(c) for c in inputs},
                     {c: self.ws.label(c) for c in result.outputs})
            data = cli.result_json(result, names)
            if result.precision:
                data["precision"] = result.precision
            ui.download.content((json.dumps(data, indent=2, default=str) + "\n").encode(),
                                f"{stem} RESULT.json")


def register(config: AppConfig) -> SessionTable | None:
    """Declare the pages and routes for ``config`` (call before ``ui.run``); on a team
    instance, the table of who is signed in.  The backends and plotly start loading here,
    when the app process starts, not when the first page is built."""
    warm_backends()
    charts.warm_in_background()
    workspaces = Workspaces(config)
    sessions = SessionTable(config.data_dir / "sessions.json") if config.team else None
    # added before ui.run adds SessionMiddleware, so it runs inside it and sees the session
    app.add_middleware(UploadGuard, max_bytes=config.max_upload_bytes,
                       signed_in=sessions.user if sessions else None)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @ui.page("/", title="mcdesk")
    def index(request: Request):
        if sessions is not None:
            user = sessions.user(session_id(request))
            if not user or user not in config.users:
                return RedirectResponse("/login")
        else:
            user = "local"
        bind_page(ui.context.client, user, session_id(request))
        WorkbookPage(config, workspaces, user)
        return None

    if sessions is not None:
        register_login(sessions, LoginGuard(config.users))
    return sessions
