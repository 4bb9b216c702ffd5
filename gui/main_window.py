"""The main window: the form beside the timeline, the summary below. All wiring lives here.

Data flows one way: the form emits a Scenario, the window plans it once, and the
timeline and the summary render that same immutable Plan.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.demo import DemoSetup
from core.files import BadScenarioFile, load_scenario, save_scenario
from core.launcher import APP_NAME
from core.plan import Plan
from core.planner import plan
from core.scenario import Scenario
from core.versions import PLANNED_KERAS_VERSION, keras_version_note
from gui.demo_panel import DemoPanel
from gui.export import ExportOptions, Sheet, ask_export_options, caption_for, copy_to_clipboard, export, timeline_legend
from gui.form import ScenarioForm
from gui.resources import Trap, presets, traps
from gui.summary import SummaryPanel
from gui.theme import THEMES, Look, apply_to_application, look_for, system_is_dark
from gui.timeline import TimelineView

MAX_RECENT = 8
FILE_FILTER = "Scenario files (*.json);;All files (*)"
THEME_NAMES = {"system": "Follow the &system", "light": "&Light", "dark": "&Dark"}
VERSION_CHECK_DELAY_MS = 300
PRESENTING_TIMELINE_SHARE = 0.68  # of the height beside the form, in presentation mode


class MainWindow(QMainWindow):
    def __init__(self, scenario: Scenario | None = None):
        super().__init__()
        self.settings = QSettings()
        self.file_path: Path | None = None
        self.modified = False
        self.ask_before_closing = True
        self.plan: Plan | None = None
        self._loading = False

        self.form = ScenarioForm()
        self.timeline = TimelineView()
        self.summary = SummaryPanel()
        self.preset_box = QComboBox()
        self.preset_box.addItem("Presets...")
        self._presets = presets()
        self._traps = traps()
        self.trap: Trap | None = None
        for name, description, _scenario in self._presets:
            self.preset_box.addItem(name)
            self.preset_box.setItemData(self.preset_box.count() - 1, description, Qt.ItemDataRole.ToolTipRole)
        self.preset_box.activated.connect(self._preset_chosen)

        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(self.preset_box)
        left_column.addWidget(self.form)
        scroll = self.form_panel = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(330)
        self.form_button = QToolButton()
        self.form_button.setObjectName("form_button")
        self.form_button.setAutoRaise(True)
        self.form_button.setText("Form")
        self.form_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.form_button.clicked.connect(lambda: self.set_form_shown(not self.form_panel.isVisibleTo(self)))
        self.timeline.bar.insertWidget(0, self.form_button)
        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.addWidget(self.timeline)
        self.right_split.addWidget(self.summary)
        self.right_split.setStretchFactor(0, 3)
        self.right_split.setStretchFactor(1, 2)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(scroll)
        self.main_split.addWidget(self.right_split)
        self.main_split.setStretchFactor(1, 1)
        self.setCentralWidget(self.main_split)

        self.version_label = QLabel(f"Keras {PLANNED_KERAS_VERSION} semantics")
        self.statusBar().addPermanentWidget(self.version_label)
        # Reading package metadata takes tens of milliseconds: done once the window is on screen
        # (a zero timeout would run before the first paint).
        QTimer.singleShot(VERSION_CHECK_DELAY_MS, self.check_keras_version)

        self.demo = DemoPanel()
        self.summary.addTab(self.demo, "Live demo")
        self.demo.playhead.connect(self.timeline.set_playhead)
        self.demo.setupChanged.connect(self._demo_setup)

        # The look: a theme (following the desktop unless chosen) and presentation mode (F5).
        self.base_font = QApplication.font()
        self.presenting = False
        self._before_presenting: tuple[bool, list[int]] = (True, [])
        choice = str(self.settings.value("view/theme", "system"))
        self.theme = choice if choice in THEMES else "system"
        self.look: Look = look_for(dark=False, presenting=False)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

        self._build_menus()
        self.form.scenarioChanged.connect(self._scenario_changed)
        self.form.problemChanged.connect(self._problem_changed)
        self.timeline.hovered.connect(self._hovered)
        self._restore_state()
        self._apply_look()

        self._loading = True
        self.form.set_scenario(scenario or self._presets[0][2])
        self._loading = False
        self._update_title()

    # ------------------------------------------------------------ menus

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open...", QKeySequence.StandardKey.Open, self.open_dialog)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self._action(file_menu, "&Save", QKeySequence.StandardKey.Save, self.save)
        self._action(file_menu, "Save &As...", QKeySequence("Ctrl+Shift+S"), self.save_as)
        export_menu = file_menu.addMenu("&Export")
        for what, view in (("timeline", lambda: self.timeline.plot), ("loss plot", lambda: self.demo.plot)):
            for kind in ("PNG", "SVG"):
                self._action(
                    export_menu,
                    f"{what.capitalize()} as {kind}...",
                    None,
                    lambda _checked=False, w=what, v=view, k=kind: self.export_dialog(w, v(), k),
                )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence("Ctrl+Q"), self.close)  # StandardKey.Quit is empty on some desktops
        edit_menu = self.menuBar().addMenu("&Edit")
        self._action(
            edit_menu,
            "&Copy the timeline as a picture",
            QKeySequence.StandardKey.Copy,
            lambda: self.copy_picture(self.timeline.plot),
        )
        self._action(
            edit_menu, "Copy the &loss plot as a picture", QKeySequence("Ctrl+Shift+C"), lambda: self.copy_picture(self.demo.plot)
        )
        view_menu = self.menuBar().addMenu("&View")
        for axis, shortcut in (("steps", "Ctrl+1"), ("samples", "Ctrl+2"), ("passes", "Ctrl+3")):
            self._action(view_menu, f"x axis: {axis}", QKeySequence(shortcut), lambda a=axis: self.timeline.set_axis(a))
        self._action(view_menu, "&Fit the plan in view (0 on the timeline)", QKeySequence("Ctrl+0"), self.timeline.frame)
        view_menu.addSeparator()
        self.presenting_action = self._action(view_menu, "&Presentation mode", QKeySequence("F5"), self.set_presenting)
        self.presenting_action.setCheckable(True)
        self.form_action = self._action(view_menu, "Show the f&orm", QKeySequence("Ctrl+B"), self.set_form_shown)
        self.form_action.setCheckable(True)
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_actions = QActionGroup(self)
        for choice, words in THEME_NAMES.items():
            action = self._action(theme_menu, words, None, lambda _checked=False, c=choice: self.set_theme(c))
            action.setCheckable(True)
            action.setData(choice)
            self.theme_actions.addAction(action)
        play_menu = self.menuBar().addMenu("&Play")
        timeline = self.timeline
        self._action(play_menu, "&Play or pause (Space on the timeline)", QKeySequence("Ctrl+Space"), timeline.toggle_playing)
        self._action(play_menu, "&Next batch (Right)", QKeySequence("Ctrl+Right"), lambda: timeline.step(1))
        self._action(play_menu, "P&revious batch (Left)", QKeySequence("Ctrl+Left"), lambda: timeline.step(-1))
        self._action(play_menu, "Next &epoch (Down)", QKeySequence("Ctrl+Down"), lambda: timeline.step_epoch(1))
        self._action(play_menu, "Previous e&poch (Up)", QKeySequence("Ctrl+Up"), lambda: timeline.step_epoch(-1))
        self._action(play_menu, "&First batch (Home)", QKeySequence("Ctrl+Home"), timeline.go_to_start)
        self._action(play_menu, "&Last batch (End)", QKeySequence("Ctrl+End"), timeline.go_to_end)
        demo_menu = self.menuBar().addMenu("&Demo")
        self._action(demo_menu, "&Run or cancel the demo fit", QKeySequence("Ctrl+R"), self.run_demo)
        traps_menu = self.menuBar().addMenu("&Traps")
        for trap in self._traps:
            action = traps_menu.addAction(trap.name)
            action.setToolTip(trap.explanation)
            action.triggered.connect(lambda _checked=False, t=trap: self.open_trap(t))
        self._action(view_menu, "F&ull screen", QKeySequence("F11"), self.toggle_full_screen)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", QKeySequence.StandardKey.HelpContents, self.show_shortcuts)
        self._action(help_menu, "&About EpochScope", None, self._about)
        self._refresh_recent_menu()

    def _action(self, menu, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # ------------------------------------------------------------ the one data flow

    def run_demo(self) -> None:
        self.timeline.stop_playing()
        self.summary.setCurrentWidget(self.demo)
        self.demo.toggle()

    @Slot(object)
    def _demo_setup(self, setup: DemoSetup) -> None:
        """A scaled-down demo runs its own plan: show that one, so the playhead lands on its batches."""
        if setup.plan is not None and setup.scenario != (self.plan.scenario if self.plan else None):
            self.timeline.set_plan(setup.plan)
            self.statusBar().showMessage("The timeline shows the demo's scaled-down plan; edit any field to return.", 10000)

    @Slot(object)
    def _scenario_changed(self, scenario: Scenario) -> None:
        self.demo.set_scenario(scenario)
        self.plan = plan(scenario)
        if self.trap is not None and scenario != self.trap.scenario:
            self.trap = None  # edited away from the trap: its story no longer applies
            self.summary.show_trap(None)
        self.timeline.set_plan(self.plan)
        self.summary.set_plan(self.plan)
        if not self._loading:
            self.modified = True
            self._update_title()
        if self.plan.outcome == "error":
            self.statusBar().showMessage(f"Keras refuses this setup: {self.plan.error}")
        else:
            self.statusBar().clearMessage()

    @Slot(str)
    def _problem_changed(self, problem: str) -> None:
        if problem:
            self.statusBar().showMessage(f"{problem} (the plan shown is the last good one)")

    @Slot(str)
    def _hovered(self, words: str) -> None:
        if words:
            self.statusBar().showMessage(words, 5000)

    def open_trap(self, trap: Trap) -> None:
        """One click: the trap's scenario in the form, its story and fix above the summary."""
        self.trap = trap
        self._loading = True
        self.form.set_scenario(trap.scenario)
        self._loading = False
        self.summary.show_trap(trap)
        self.statusBar().showMessage(f"Trap: {trap.name}", 10000)

    def open_trap_named(self, key: str) -> bool:
        trap = next((trap for trap in self._traps if trap.key == key), None)
        if trap is None:
            known = ", ".join(trap.key for trap in self._traps)
            self.statusBar().showMessage(f"There is no trap {key!r}; the traps are: {known}")
            return False
        self.open_trap(trap)
        return True

    @Slot(int)
    def _preset_chosen(self, index: int) -> None:
        if index <= 0:
            return
        name, description, scenario = self._presets[index - 1]
        self.form.set_scenario(scenario)
        self.preset_box.setCurrentIndex(0)
        self.statusBar().showMessage(f"{name}: {description}", 10000)

    # ------------------------------------------------------------ files

    def open_dialog(self) -> None:
        start = str(self.file_path.parent) if self.file_path else str(self.settings.value("last_folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", start, FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Open a scenario file; a bad one is explained and changes nothing."""
        try:
            scenario = load_scenario(path)
        except BadScenarioFile as error:
            self._complain("Could not open the scenario", str(error))
            return False
        self._loading = True
        self.form.set_scenario(scenario)
        self._loading = False
        self.file_path = Path(path)
        self.modified = False
        self._remember(self.file_path)
        self._update_title()
        return True

    def save(self) -> bool:
        if self.file_path is None:
            return self.save_as()
        return self._save_to(self.file_path)

    def save_as(self) -> bool:
        start = str(self.file_path or Path(str(self.settings.value("last_folder", str(Path.home())))) / "scenario.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario", start, FILE_FILTER)
        if not path:
            return False
        if not path.endswith(".json"):
            path += ".json"
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        if self.plan is None or self.form.problem:
            self._complain("Nothing saved", f"Fix the form first: {self.form.problem}")
            return False
        try:
            save_scenario(path, self.plan.scenario)
        except OSError as error:
            self._complain("Could not save the scenario", f"{path}: {error.strerror or error}")
            return False
        self.file_path = path
        self.modified = False
        self._remember(path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def export_dialog(self, what: str, view, kind: str) -> bool:
        """File > Export: the options (size, legend, caption, playhead), then where to save."""
        options = ask_export_options(self, what, kind, ExportOptions.remembered(self.settings), view.width())
        if options is None:
            return False
        options.remember(self.settings)
        suffix = kind.lower()
        start = Path(str(self.settings.value("last_folder", str(Path.home())))) / f"{what.replace(' ', '-')}.{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, f"Export the {what}", str(start), f"{kind} (*.{suffix})")
        if not path:
            return False
        if not path.lower().endswith(f".{suffix}"):
            path += f".{suffix}"
        return self.export_to(view, path, what, options)

    def export_to(self, view, path: str | Path, what: str = "timeline", options: ExportOptions | None = None) -> bool:
        """Write the picture without asking: the options given, or those last chosen (2x, legend, caption)."""
        options = options or ExportOptions.remembered(self.settings)
        try:
            export(view, path, self._sheet(view, what, options), options.scale)
        except OSError as error:
            self._complain("Could not export", f"{path}: {error.strerror or error}")
            return False
        self.statusBar().showMessage(f"Exported the {what} to {path}", 5000)
        return True

    def copy_picture(self, view) -> None:
        """Edit > Copy: the same picture as an export with the options last chosen."""
        what = "timeline" if view is self.timeline.plot else "loss plot"
        options = ExportOptions.remembered(self.settings)
        copy_to_clipboard(view, self._sheet(view, what, options), options.scale)
        self.statusBar().showMessage("Copied as a picture: paste it into your slides.", 5000)

    def _sheet(self, view, what: str, options: ExportOptions) -> Sheet:
        """What an export paints around the plot: the legend and caption if chosen; the playhead only if asked."""
        timeline = view is self.timeline.plot
        return Sheet(
            title=f"EpochScope {what}",
            legend=timeline_legend(self.timeline.look) if timeline and options.legend else (),
            caption=caption_for(self.plan.scenario) if options.caption and self.plan is not None else "",
            left_out=() if timeline and options.playhead else (self.timeline.playhead,),
            text_colour=self.look.text,
            background=self.look.plot_background,
        )

    def _complain(self, title: str, text: str) -> None:
        self.statusBar().showMessage(text, 15000)
        if self.isVisible():
            QMessageBox.warning(self, title, text)

    def _remember(self, path: Path) -> None:
        recent = [str(path.resolve())] + [p for p in self.recent_files() if p != str(path.resolve())]
        self.settings.setValue("recent_files", recent[:MAX_RECENT])
        self.settings.setValue("last_folder", str(path.resolve().parent))
        self._refresh_recent_menu()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            return [value]
        return [str(item) for item in (value or [])]

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_file(p))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def _update_title(self) -> None:
        name = self.file_path.name if self.file_path else "untitled"
        self.setWindowTitle(f"{name}{' *' if self.modified else ''} - {APP_NAME}")

    # ------------------------------------------------------------ theme and presentation mode

    def set_theme(self, choice: str, remember: bool = True) -> None:
        """The theme "system" follows the desktop's light or dark setting, live; "light" and "dark" stay."""
        self.theme = choice
        if remember:
            self.settings.setValue("view/theme", choice)
        self._apply_look()

    @Slot(Qt.ColorScheme)
    def _system_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.theme == "system" and self.isVisible():
            self._apply_look()

    def set_presenting(self, presenting: bool) -> None:
        """For a room: large type, thick lines, full-contrast text, the form folded away, the timeline taller."""
        if presenting == self.presenting:
            return
        total = sum(self.right_split.sizes())
        if presenting:
            self._before_presenting = (self.form_panel.isVisibleTo(self), self.right_split.sizes())
            self.presenting = True
            self._apply_look()
            self.set_form_shown(False, remember=False)
            self.right_split.setSizes([round(total * PRESENTING_TIMELINE_SHARE), round(total * (1 - PRESENTING_TIMELINE_SHARE))])
            self.statusBar().showMessage("Presentation mode: F5 to leave, Ctrl+B shows the form, F11 full screen.", 10000)
        else:
            form_shown, sizes = self._before_presenting
            self.presenting = False
            self._apply_look()
            self.set_form_shown(form_shown, remember=False)
            if sizes:
                # Once the layouts have taken in the everyday type: until then the summary's
                # minimum height is the presentation one, and the splitter would keep it.
                QTimer.singleShot(0, lambda: self.right_split.setSizes(sizes))

    def set_form_shown(self, shown: bool, remember: bool = True) -> None:
        self.form_panel.setVisible(shown)
        self.form_action.setChecked(shown)
        self.form_button.setArrowType(Qt.ArrowType.LeftArrow if shown else Qt.ArrowType.RightArrow)
        self.form_button.setToolTip(("Hide" if shown else "Show") + " the form (Ctrl+B)")
        if remember and not self.presenting:
            self.settings.setValue("window/form_shown", shown)

    @Slot()
    def check_keras_version(self) -> None:
        """Say so in the status bar when the installed Keras is not the one the plans describe."""
        note = keras_version_note()
        if note:
            self.version_label.setText(f"Keras {PLANNED_KERAS_VERSION} semantics (installed Keras differs)")
            self.version_label.setToolTip(note)
            self._colour_version_label()

    def _colour_version_label(self) -> None:
        """In the warning colour when it warns (its tooltip then says why)."""
        self.version_label.setStyleSheet(f"color: {self.look.alarm};" if self.version_label.toolTip() else "")

    def _apply_look(self) -> None:
        dark = system_is_dark() if self.theme == "system" else self.theme == "dark"
        self.look = look_for(dark=dark, presenting=self.presenting)
        apply_to_application(self.look, self.base_font)
        for view in (self.form, self.timeline, self.summary, self.demo):
            if view.look != self.look:  # each view starts in the everyday light look
                view.apply_look(self.look)
        self._colour_version_label()
        self.presenting_action.setChecked(self.presenting)
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == self.theme)

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def shortcuts(self) -> list[tuple[str, str]]:
        """(keys, what they do): every menu action with a shortcut, then the timeline's own keys."""
        listed = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            for action in menu.actions() if menu else []:
                if not action.shortcut().isEmpty():
                    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                    listed.append((keys, f"{menu_action.text().replace('&', '')}: {action.text().replace('&', '')}"))
        listed += [
            ("Space", "Timeline: play or pause the playhead"),
            ("Left / Right", "Timeline: previous / next batch"),
            ("Up / Down", "Timeline: previous / next epoch"),
            ("Home / End", "Timeline: first / last batch"),
            ("+ / - / 0", "Timeline: zoom in / zoom out / fit the plan"),
            ("Shift + arrows", "Timeline: pan"),
        ]
        return listed

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{keys}</b></td><td>{what}</td></tr>" for keys, what in self.shortcuts())
        QMessageBox.information(self, "Keyboard shortcuts", f"<table cellpadding='3'>{rows}</table>")

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About EpochScope",
            f"EpochScope shows which batches Keras {PLANNED_KERAS_VERSION} feeds to every epoch, batch by batch.",
        )

    # ------------------------------------------------------------ window state

    def _restore_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for key, splitter in (("window/main_split", self.main_split), ("window/right_split", self.right_split)):
            state = self.settings.value(key)
            if state is not None:
                splitter.restoreState(state)
        self.set_form_shown(str(self.settings.value("window/form_shown", "true")).lower() != "false", remember=False)
        axis = self.settings.value("timeline/axis", "samples")
        if axis in ("steps", "samples", "passes"):
            self.timeline.set_axis(str(axis))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.modified and self.ask_before_closing and self.isVisible():
            answer = QMessageBox.question(
                self,
                "Save changes?",
                "This scenario has changes that are not saved. Save them?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel or (answer == QMessageBox.StandardButton.Save and not self.save()):
                event.ignore()
                return
        self.demo.shutdown()
        self.set_presenting(False)  # the layout and type to remember are the everyday ones
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/main_split", self.main_split.saveState())
        self.settings.setValue("window/right_split", self.right_split.saveState())
        self.settings.setValue("timeline/axis", self.timeline.axis)
        super().closeEvent(event)
