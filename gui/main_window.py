"""The main window: the form beside the timeline, the summary below. All wiring lives here.

Data flows one way: the form emits a Scenario, the window plans it once, and the
timeline and the summary render that same immutable Plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMargins, QRect, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.files import BadScenarioFile, load_scenario, save_scenario
from core.keras.fit import plan
from core.launcher import APP_NAME
from core.plan import Plan
from core.scenario import Scenario
from core.versions import PLANNED_KERAS_VERSION, keras_version_note, planned_version
from gui.demo_panel import DemoPanel
from gui.features import install_features
from gui.form import ScenarioForm
from gui.lessons import is_lesson_file, leave_lesson, open_lesson
from gui.resources import Trap, presets, traps
from gui.summary import SummaryPanel
from gui.theme import THEMES, Look, apply_to_application, look_for, system_is_dark
from gui.timeline import TIMELINE_KEYS, TimelineView

if TYPE_CHECKING:  # loaded when first used, not on the start path: the demo's core, the exports, the compare view
    from core.demo import DemoSetup
    from gui.compare_view import CompareView
    from gui.export import ExportOptions, Sheet

MAX_RECENT = 8
BACKEND_WORDS = {"jax": " on JAX", "torch": " on PyTorch"}  # in the status bar's "Keras 3.15.1 on JAX semantics"
FILE_FILTER = "Scenario files (*.json);;All files (*)"
THEME_NAMES = {"system": "Follow the &system", "light": "&Light", "dark": "&Dark"}
VERSION_CHECK_DELAY_MS = 300
PRESENTING_TIMELINE_SHARE = 0.68  # of the height beside the form, in presentation mode
TIMELINE_SHARE = 0.58  # of the height beside the form, everyday: the summary's warnings stay in view
DEMO_SHARE = 0.55  # of the window's height, for a running demo's tab (give_the_demo_room)
PRESENTING_DEMO_SHARE = 0.6
DEFAULT_SIZE = QSize(1280, 720)  # a shared screen; smaller when the screen is
# The window manager's frame before it is known (title bar and borders): a common size, corrected once shown.
FRAME_GUESS = QMargins(4, 32, 4, 4)
FIRST_LAUNCH_HINT = (
    "<b>New here?</b> Try <a href='trap:floor_ceil_mismatch'>Traps &gt; steps_per_epoch = N // B</a>, "
    "then click the timeline and press <b>Space</b> to watch Keras feed it batch by batch. "
    "Hover any field or number for what it means; <a href='glossary:'>Help &gt; Glossary</a> explains the words."
)

# What the form shows: every field as typed, and the trap whose story is open (or None).
FormState = tuple[dict[str, object], Trap | None]


class FormChange(QUndoCommand):
    """One step of the history: a person's edit of a field, a trap or a preset. It holds the form
    before and after, so undo and redo put back the fields, the trap's story and (through the
    stack's clean state) whether the file is saved."""

    TYPING = 1  # the id shared by typed edits; consecutive typing in one box merges into one step

    def __init__(
        self, window: MainWindow, text: str, before: FormState, after: FormState, typed_key: str = "", replaced: bool = False
    ):
        super().__init__(text)
        self.window = window
        self.before = before
        self.after = after
        self.typed_key = typed_key
        self.replaced = replaced  # the whole form replaced by a trap or a preset, untouched since
        self._pushed_done = True  # pushed after it happened: the stack's first redo() has nothing to do

    def id(self) -> int:
        return self.TYPING if self.typed_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, FormChange) or other.typed_key != self.typed_key:
            return False
        self.after = other.after
        self.setObsolete(self.after == self.before)  # typed and then typed back: no step at all
        return True

    def redo(self) -> None:
        if self._pushed_done:
            self._pushed_done = False
            return
        self.window.show_form_state(self.after)

    def undo(self) -> None:
        self.window.show_form_state(self.before)


def ask_export_options(*args):
    """File > Export's options dialog, from gui.export, which loads on the first export, not at start."""
    from gui.export import ask_export_options as ask

    return ask(*args)


class MainWindow(QMainWindow):
    def __init__(self, scenario: Scenario | None = None, first_launch_hint: bool = False):
        super().__init__()
        self.settings = QSettings()
        # The look: a theme (following the desktop unless chosen) and presentation mode (F5). The application's
        # style, palette and type are set before any widget exists, so that no widget is told of a change: set
        # after them, the palette had every widget repolished before the first paint (some 400 events).
        self.base_font = QApplication.font()
        self.presenting = False
        self._before_presenting: tuple[bool, list[int]] = (True, [])
        choice = str(self.settings.value("view/theme", "system"))
        self.theme = choice if choice in THEMES else "system"
        self.look: Look = look_for(dark=False, presenting=False)  # each view starts in it; _apply_look sets the chosen one
        apply_to_application(self._chosen_look(), self.base_font)
        self.file_path: Path | None = None
        # "Save changes?" before unsaved work is closed or replaced (off for scripted windows).
        self.ask_before_closing = True
        self.plan: Plan | None = None
        # The history of the form: its clean state is the saved file, so it also says whether the file is modified.
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self._glossary: QDialog | None = None
        self.compare_view: CompareView | None = None  # made when first asked for
        self._fitted_size: QSize | None = None  # the size fit_to_screen chose, until someone resizes
        self._shown_before = False

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
        self.compare_button = QToolButton()
        self.compare_button.setObjectName("compare_button")
        self.compare_button.setAutoRaise(True)
        self.compare_button.setText("Compare")
        self.compare_button.setToolTip("Compare this scenario under two Keras flavours, or against another (Ctrl+K)")
        self.compare_button.clicked.connect(self.show_compare)
        self.timeline.bar.insertWidget(1, self.compare_button)
        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.addWidget(self.timeline)
        self.right_split.addWidget(self.summary)
        self.right_split.setStretchFactor(0, 3)
        self.right_split.setStretchFactor(1, 2)
        self.right_split.setSizes([round(1000 * TIMELINE_SHARE), round(1000 * (1 - TIMELINE_SHARE))])
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(scroll)
        self.main_split.addWidget(self.right_split)
        self.main_split.setStretchFactor(1, 1)
        self.setCentralWidget(self.main_split)

        self.version_label = QLabel(f"Keras {PLANNED_KERAS_VERSION} semantics")
        self._keras_differs = False  # the installed Keras 3 is not the one the plans describe (check_keras_version)
        self.statusBar().addPermanentWidget(self.version_label)
        # Reading package metadata takes tens of milliseconds: done once the window is on screen
        # (a zero timeout would run before the first paint).
        QTimer.singleShot(VERSION_CHECK_DELAY_MS, self.check_keras_version)

        self.demo = DemoPanel()
        self.summary.addTab(self.demo, "Live demo")
        self.demo.playhead.connect(self.timeline.set_playhead)
        self.demo.setupChanged.connect(self._demo_setup)
        self.demo.runningChanged.connect(self._demo_running)

        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

        self._build_menus()
        install_features(self)
        self.form.scenarioChanged.connect(self._scenario_changed)
        self.form.problemChanged.connect(self._problem_changed)
        self.form.fieldsEdited.connect(self._fields_edited)
        self.timeline.hovered.connect(self._hovered)
        self.summary.hintLinkActivated.connect(self._hint_link)
        self.summary.hintDismissed.connect(self._hint_dismissed)
        self._restore_state()
        self._apply_look()

        self.form.set_scenario(scenario or self._presets[0][2])
        self._update_title()
        if first_launch_hint and not self.settings.value("help/first_launch_hint_seen", False, type=bool):
            self.summary.show_hint(FIRST_LAUNCH_HINT)

    # ------------------------------------------------------------ menus

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        # Features kept in modules of their own add their actions to these (gui.features.install).
        self.menus: dict[str, QMenu] = {"file": file_menu}
        self.add_action(file_menu, "&Open...", QKeySequence.StandardKey.Open, self.open_dialog)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.add_action(file_menu, "&Save", QKeySequence.StandardKey.Save, self.save)
        self.add_action(file_menu, "Save &As...", QKeySequence("Ctrl+Shift+S"), self.save_as)
        export_menu = self.menus["export"] = file_menu.addMenu("&Export")
        for what, view in (("timeline", lambda: self.timeline.plot), ("loss plot", lambda: self.demo.plot)):
            for kind in ("PNG", "SVG"):
                self.add_action(
                    export_menu,
                    f"{what.capitalize()} as {kind}...",
                    None,
                    lambda w=what, v=view, k=kind: self.export_dialog(w, v(), k),
                )
        file_menu.addSeparator()
        self.add_action(file_menu, "&Quit", QKeySequence("Ctrl+Q"), self.close)  # StandardKey.Quit is empty on some desktops
        edit_menu = self.menus["edit"] = self.menuBar().addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.undo_action.setObjectName("undo")  # its words change with what it undoes
        self.redo_action.setObjectName("redo")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        self.add_action(
            edit_menu,
            "&Copy the timeline as a picture",
            QKeySequence.StandardKey.Copy,
            lambda: self.copy_picture(self.timeline.plot),
        )
        self.add_action(
            edit_menu, "Copy the &loss plot as a picture", QKeySequence("Ctrl+Shift+C"), lambda: self.copy_picture(self.demo.plot)
        )
        view_menu = self.menus["view"] = self.menuBar().addMenu("&View")
        for axis, shortcut in (("steps", "Ctrl+1"), ("samples", "Ctrl+2"), ("passes", "Ctrl+3")):
            self.add_action(view_menu, f"x axis: {axis}", QKeySequence(shortcut), lambda a=axis: self.timeline.set_axis(a))
        self.add_action(view_menu, "&Fit the plan in view (0 on the timeline)", QKeySequence("Ctrl+0"), self.timeline.frame)
        view_menu.addSeparator()
        self.presenting_action = self.add_action(
            view_menu, "&Presentation mode", QKeySequence("F5"), self.set_presenting, checkable=True
        )
        self.form_action = self.add_action(
            view_menu, "Show the f&orm", QKeySequence("Ctrl+B"), self.set_form_shown, checkable=True
        )
        self.compare_action = self.add_action(
            view_menu, "&Compare two plans (Keras flavours, N // B and ceil)...", QKeySequence("Ctrl+K"), self.show_compare
        )
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_actions = QActionGroup(self)
        for choice, words in THEME_NAMES.items():
            action = self.add_action(theme_menu, words, None, lambda c=choice: self.set_theme(c))
            action.setCheckable(True)
            action.setData(choice)
            self.theme_actions.addAction(action)
        play_menu = self.menus["play"] = self.menuBar().addMenu("&Play")
        timeline = self.timeline
        self.add_action(play_menu, "&Play or pause (Space on the timeline)", QKeySequence("Ctrl+Space"), timeline.toggle_playing)
        self.add_action(play_menu, "&Next batch (Right)", QKeySequence("Ctrl+Right"), lambda: timeline.step(1))
        self.add_action(play_menu, "P&revious batch (Left)", QKeySequence("Ctrl+Left"), lambda: timeline.step(-1))
        self.add_action(play_menu, "Next &epoch (Down)", QKeySequence("Ctrl+Down"), lambda: timeline.step_epoch(1))
        self.add_action(play_menu, "Previous e&poch (Up)", QKeySequence("Ctrl+Up"), lambda: timeline.step_epoch(-1))
        self.add_action(play_menu, "&First batch (Home)", QKeySequence("Ctrl+Home"), timeline.go_to_start)
        self.add_action(play_menu, "&Last batch (End)", QKeySequence("Ctrl+End"), timeline.go_to_end)
        demo_menu = self.menus["demo"] = self.menuBar().addMenu("&Demo")
        self.add_action(demo_menu, "&Run or cancel the demo fit", QKeySequence("Ctrl+R"), self.run_demo)
        traps_menu = self.menus["traps"] = self.menuBar().addMenu("&Traps")
        traps_menu.setToolTipsVisible(True)
        for trap in self._traps:
            action = self.add_action(traps_menu, trap.name, None, lambda t=trap: self.open_trap(t))
            action.setToolTip(trap.explanation)
        self.add_action(view_menu, "F&ull screen", QKeySequence("F11"), self.toggle_full_screen)
        help_menu = self.menus["help"] = self.menuBar().addMenu("&Help")
        self.add_action(help_menu, "&Glossary: sample, batch, step, epoch, pass...", None, self.show_glossary)
        self.add_action(help_menu, "&Keyboard shortcuts", QKeySequence.StandardKey.HelpContents, self.show_shortcuts)
        self.add_action(help_menu, "&About EpochScope", None, self._about)
        self._refresh_recent_menu()

    def add_action(self, menu, text, shortcut, slot: Callable, checkable: bool = False) -> QAction:
        """A menu action. QAction.triggered passes `checked`: only a checkable action's slot receives it,
        every other slot is called with no argument (a lambda's default would otherwise take it)."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setCheckable(checkable)
        if checkable:
            action.triggered.connect(lambda checked: slot(bool(checked)))
        else:
            action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # ------------------------------------------------------------ the one data flow

    def run_demo(self) -> None:
        self.timeline.stop_playing()
        self.summary.setCurrentWidget(self.demo)
        self.demo.toggle()

    @Slot(bool)
    def _demo_running(self, running: bool) -> None:
        if running:
            self.give_the_demo_room()

    def give_the_demo_room(self) -> None:
        """A running demo's tab gets 55% of the window's height (60% in presentation mode, where its type is 1.6 times
        larger): its buttons, verdict, legend and controls take about half of that, and a third of the window left
        the loss curves a strip. The timeline keeps the rest, its playhead in view."""
        sizes = self.right_split.sizes()
        total = sum(sizes)
        share = PRESENTING_DEMO_SHARE if self.presenting else DEMO_SHARE
        wanted = min(math.ceil(self.height() * share), total - self.timeline.minimumSizeHint().height())
        if total > 0 and sizes[1] < wanted:
            self.right_split.setSizes([total - wanted, wanted])

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
            self._set_trap(None)  # moved away from the trap: its story no longer applies
        self.timeline.set_plan(self.plan)
        self.summary.set_plan(self.plan)
        self._show_semantics()
        if self.compare_view is not None and self.compare_view.isVisible():
            self.compare_view.set_scenario(scenario)
        if self.plan.outcome == "error":
            self.statusBar().showMessage(f"Keras refuses this setup: {self.plan.error}")
        else:
            self.statusBar().clearMessage()

    @Slot(str)
    def _problem_changed(self, problem: str) -> None:
        self.timeline.set_stale(problem or None)
        if problem:
            self.statusBar().showMessage(f"{problem} (the plan shown is the last good one)")

    @Slot(str, object, object)
    def _fields_edited(self, key: str, before: dict[str, object], after: dict[str, object]) -> None:
        """A person changed a field: one step of the history (typing on in the same box merges into it)."""
        trap_before = self.trap
        if trap_before is not None and self.form.current_scenario() != trap_before.scenario:
            self._set_trap(None)
        typed_key = key if self.form.is_typed(key) else ""
        words = self.form.field_words(key)
        self.undo_stack.push(FormChange(self, f"edit of {words}", (before, trap_before), (after, self.trap), typed_key))

    def _set_trap(self, trap: Trap | None) -> None:
        self.trap = trap
        self.summary.show_trap(trap)

    def show_form_state(self, state: FormState) -> None:
        """Put the form and the trap's story back as they were (undo and redo)."""
        fields, trap = state
        self._set_trap(trap)  # first: the restored scenario then matches it and keeps it
        self.form.restore(fields)

    def replace_form(self, words: str, scenario: Scenario, trap: Trap | None) -> None:
        """A trap or a preset takes the whole form: one step of the history, and the file is modified."""
        before = (self.form.snapshot(), self.trap)
        self._set_trap(trap)
        self.form.set_scenario(scenario)
        after = (self.form.snapshot(), trap)
        if after != before:
            self.undo_stack.push(FormChange(self, words, before, after, replaced=True))

    @Slot(str)
    def _hovered(self, words: str) -> None:
        if words:
            self.statusBar().showMessage(words, 5000)

    def open_trap(self, trap: Trap) -> bool:
        """One click: the trap's scenario in the form, its story and fix above the summary."""
        if not self.keep_unsaved_work_safe():
            return False
        self.replace_form(f"trap {trap.name}", trap.scenario, trap)
        self.statusBar().showMessage(f"Trap: {trap.name}", 10000)
        return True

    @property
    def gallery(self) -> list[Trap]:
        """The traps of the Traps menu, read once when the window was built (lessons and lines name them)."""
        return self._traps

    def trap_named(self, key: str) -> Trap | None:
        return next((trap for trap in self._traps if trap.key == key), None)

    def open_trap_named(self, key: str) -> bool:
        trap = self.trap_named(key)
        if trap is None:
            known = ", ".join(trap.key for trap in self._traps)
            self.statusBar().showMessage(f"There is no trap {key!r}; the traps are: {known}")
            return False
        self.open_trap(trap)
        return True

    @Slot(int)
    def _preset_chosen(self, index: int) -> None:
        self.preset_box.setCurrentIndex(0)
        if index <= 0 or not self.keep_unsaved_work_safe():
            return
        name, description, scenario = self._presets[index - 1]
        self.replace_form(f"preset {name}", scenario, None)
        self.statusBar().showMessage(f"{name}: {description}", 10000)

    @property
    def modified(self) -> bool:
        """The form differs from the file as saved (or opened)."""
        return not self.undo_stack.isClean()

    def _unsaved_work(self) -> bool:
        """Modified by a person's own edits: an untouched trap or preset loses nothing when replaced."""
        if not self.modified:
            return False
        index = self.undo_stack.index()
        last = self.undo_stack.command(index - 1) if index > 0 else None
        return not (isinstance(last, FormChange) and last.replaced)

    def keep_unsaved_work_safe(self) -> bool:
        """Before anything replaces or closes unsaved work: "Save changes?" True means go on."""
        if not (self.ask_before_closing and self.isVisible() and self._unsaved_work()):
            return True
        name = self.file_path.name if self.file_path else "This scenario"
        answer = QMessageBox.question(
            self,
            "Save changes?",
            f"{name} has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # ------------------------------------------------------------ files

    def open_dialog(self) -> None:
        if not self.keep_unsaved_work_safe():
            return
        start = str(self.file_path.parent) if self.file_path else str(self.settings.value("last_folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", start, FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Open a scenario file, or a lesson at its first step; a bad one is explained and changes nothing."""
        if is_lesson_file(path):
            opened = open_lesson(self, path)
            if opened:
                self._remember(Path(path))
            return opened
        try:
            scenario = load_scenario(path)
        except BadScenarioFile as error:
            self.complain("Could not open the scenario", str(error))
            return False
        leave_lesson(self)  # a scenario of the person's own ends the lesson: its bar and hidden controls go
        self._set_trap(None)
        self.form.set_scenario(scenario)
        self.file_path = Path(path)
        self.undo_stack.clear()  # a new document: its history starts here, clean
        self._remember(self.file_path)
        self._update_title()
        return True

    def _open_recent(self, path: str) -> None:
        if self.keep_unsaved_work_safe():
            self.open_file(path)

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
            self.complain("Nothing saved", f"Fix the form first: {self.form.problem}")
            return False
        try:
            save_scenario(path, self.plan.scenario)
        except OSError as error:
            self.complain("Could not save the scenario", f"{path}: {error.strerror or error}")
            return False
        self.file_path = path
        self.undo_stack.setClean()
        self._remember(path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def export_dialog(self, what: str, view, kind: str) -> bool:
        """File > Export: the options (size, legend, caption, playhead), then where to save."""
        from gui.export import ExportOptions, export_size

        width = export_size(view.size()).width() if view is self.timeline.plot else view.width()
        options = ask_export_options(self, what, kind, ExportOptions.remembered(self.settings), width)
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
        from gui.export import ExportOptions, export, plot_to_export

        options = options or ExportOptions.remembered(self.settings)
        try:
            with plot_to_export(view, self.timeline, options.playhead) as plot:
                export(plot, path, self._sheet(view, what, options), options.scale)
        except OSError as error:
            self.complain("Could not export", f"{path}: {error.strerror or error}")
            return False
        self.statusBar().showMessage(f"Exported the {what} to {path}", 5000)
        return True

    def copy_picture(self, view) -> None:
        """Edit > Copy: the same picture as an export with the options last chosen."""
        from gui.export import ExportOptions, copy_to_clipboard, plot_to_export

        what = "timeline" if view is self.timeline.plot else "loss plot"
        options = ExportOptions.remembered(self.settings)
        with plot_to_export(view, self.timeline, options.playhead) as plot:
            copy_to_clipboard(plot, self._sheet(view, what, options), options.scale)
        self.statusBar().showMessage("Copied as a picture: paste it into your slides.", 5000)

    def _sheet(self, view, what: str, options: ExportOptions) -> Sheet:
        """What an export paints around the plot: the legend and the caption, if chosen."""
        from gui.export import Sheet, caption_for, timeline_legend

        timeline = view is self.timeline.plot
        return Sheet(
            title=f"EpochScope {what}",
            legend=timeline_legend(self.timeline.look, self.timeline.layout_model) if timeline and options.legend else (),
            caption=caption_for(self.plan.scenario) if options.caption and self.plan is not None else "",
            text_colour=self.look.text,
            background=self.look.plot_background,
        )

    def complain(self, title: str, text: str) -> None:
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
            action.triggered.connect(lambda _checked=False, p=path: self._open_recent(p))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    @Slot()
    def _update_title(self) -> None:
        """The file's name, with the usual * while it has unsaved changes."""
        name = self.file_path.name.replace("[*]", "[**]") if self.file_path else "untitled"  # "[**]" shows "[*]"
        self.setWindowTitle(f"{name}[*] - {APP_NAME}")
        self.setWindowModified(self.modified)

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
        self.form.check_installed()  # which Keras flavours can run for real here: asked off the start path too
        note = keras_version_note()
        if note:
            self._keras_differs = True
            self.version_label.setToolTip(note)
            self._show_semantics()

    def _show_semantics(self) -> None:
        """Which Keras the plan describes, in the status bar: the chosen flavour's version (tf-keras for tf.keras 2)."""
        scenario = self.plan.scenario if self.plan is not None else None
        if scenario is not None and scenario.keras == "2":
            words = f"tf.keras 2 (tf-keras {planned_version('2')}) semantics"
        else:
            backend = BACKEND_WORDS.get(scenario.backend, "") if scenario is not None else ""
            words = f"Keras {PLANNED_KERAS_VERSION}{backend} semantics"
            words += " (installed Keras differs)" if self._keras_differs else ""
        self.version_label.setText(words)
        self._colour_version_label()

    def _colour_version_label(self) -> None:
        """In the warning colour when it warns (its tooltip then says why)."""
        warns = self._keras_differs and "differs" in self.version_label.text()
        self.version_label.setStyleSheet(f"color: {self.look.alarm};" if warns else "")

    def _chosen_look(self) -> Look:
        dark = system_is_dark() if self.theme == "system" else self.theme == "dark"
        return look_for(dark=dark, presenting=self.presenting)

    def _apply_look(self) -> None:
        self.look = self._chosen_look()
        apply_to_application(self.look, self.base_font)
        for view in (self.form, self.timeline, self.summary, self.demo, self.compare_view):
            if view is not None and view.look != self.look:  # each view starts in the everyday light look
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
        return listed + TIMELINE_KEYS

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{keys}</b></td><td>{what}</td></tr>" for keys, what in self.shortcuts())
        QMessageBox.information(self, "Keyboard shortcuts", f"<table cellpadding='3'>{rows}</table>")

    def show_compare(self) -> None:
        """View > Compare: the scenario under two flavours (or against N // B, ceil, a preset, a file); made when first asked."""
        if self.plan is None:  # only before the form's first scenario
            return
        if self.compare_view is None:
            from gui.compare_view import COMPARE_SIZE, CompareView

            self.compare_view = CompareView(self.plan.scenario, self._presets, self)
            self.compare_view.apply_look(self.look)
            # Where the window is and as large (it fits the screen, frame included), or 1280x720 before it is shown.
            shown = self.isVisible()
            self.compare_view.resize(self.size() if shown else QSize(*COMPARE_SIZE))
            if shown:
                self.compare_view.move(self.pos())
        else:
            self.compare_view.set_scenario(self.plan.scenario)
        if self.compare_view.isVisible():  # already open, perhaps behind the window: bring it forward
            self.compare_view.raise_()
            self.compare_view.activateWindow()
        self.compare_view.show()

    def show_glossary(self) -> None:
        """The words of the app with a small example each; built when first asked (start-up stays fast)."""
        if self._glossary is None:
            from gui.glossary import GlossaryDialog

            self._glossary = GlossaryDialog(self)
        if self._glossary.isVisible():  # already open, perhaps behind the window: bring it forward
            self._glossary.raise_()
            self._glossary.activateWindow()
        self._glossary.show()

    @Slot(str)
    def _hint_link(self, target: str) -> None:
        kind, _, key = target.partition(":")
        if kind == "trap":
            self.open_trap_named(key)
        elif kind == "glossary":
            self.show_glossary()

    @Slot()
    def _hint_dismissed(self) -> None:
        self.settings.setValue("help/first_launch_hint_seen", True)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About EpochScope",
            f"EpochScope shows which batches Keras {PLANNED_KERAS_VERSION} feeds to every epoch, batch by batch.",
        )

    # ------------------------------------------------------------ window state

    def _restore_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(DEFAULT_SIZE)
        self.fit_to_screen()
        for key, splitter in (("window/main_split", self.main_split), ("window/right_split", self.right_split)):
            state = self.settings.value(key)
            if state is not None:
                splitter.restoreState(state)
        self.set_form_shown(str(self.settings.value("window/form_shown", "true")).lower() != "false", remember=False)
        axis = self.settings.value("timeline/axis", "samples")
        if axis in ("steps", "samples", "passes"):
            self.timeline.set_axis(str(axis))

    def fit_to_screen(self) -> None:
        """The whole window, frame included, on the screen's available area (a 720-pixel screen keeps
        its status bar in view): no larger than it, moved onto it if it hangs off."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        available = screen.availableGeometry()
        frame = self._frame_margins()
        room = QSize(
            available.width() - frame.left() - frame.right(), available.height() - frame.top() - frame.bottom()
        ).boundedTo(self.maximumSize())
        size = self.size().boundedTo(room).expandedTo(QSize(1, 1))
        if size != self.size():
            self.resize(size)
        outer = QRect(self.pos(), size.grownBy(frame))  # pos() is the frame's corner for a window
        x = min(max(outer.left(), available.left()), available.right() + 1 - outer.width())
        y = min(max(outer.top(), available.top()), available.bottom() + 1 - outer.height())
        if (x, y) != (outer.left(), outer.top()):
            self.move(x, y)
        self._fitted_size = self.size()

    def _frame_margins(self) -> QMargins:
        """The window manager's frame: known once the window is shown, guessed before."""
        handle = self.windowHandle()
        if handle is not None and self.isVisible():
            margins = handle.frameMargins()
            if not margins.isNull():
                return margins
        return FRAME_GUESS if QGuiApplication.platformName() not in ("offscreen", "minimal") else QMargins()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_before:
            self._shown_before = True
            # Once the window manager has framed it, fit again with the real frame, unless someone sized it since.
            QTimer.singleShot(200, self._refit_once_framed)

    @Slot()
    def _refit_once_framed(self) -> None:
        if self._fitted_size is not None and self.size() == self._fitted_size and not self.isFullScreen():
            self.fit_to_screen()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.keep_unsaved_work_safe():
            event.ignore()
            return
        if not self.summary.hint.isHidden():
            self.settings.setValue("help/first_launch_hint_seen", True)  # shown once: not again next time
        if self._glossary is not None:
            self._glossary.close()
        if self.compare_view is not None:
            self.compare_view.close()
        self.demo.shutdown()
        self.set_presenting(False)  # the layout and type to remember are the everyday ones
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/main_split", self.main_split.saveState())
        self.settings.setValue("window/right_split", self.right_split.saveState())
        self.settings.setValue("timeline/axis", self.timeline.axis)
        super().closeEvent(event)
