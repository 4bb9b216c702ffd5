"""Bring your own code (issue 14): a training script or notebook read into the form, in the window.

File > Import code... (a .py or .ipynb), a file dropped on the window, or Edit > Paste code... hand the
code to core.code_import, which reads it without running it. The scenario it finds takes the form as one
step of the history, with each field marked: the line of the code it came from, or that the code leaves
it open and what the plan assumes until the student types it. The code itself is shown in a tab beside
the summary, read-only with line numbers and the lines the fields came from highlighted; the reader's
notes are said there too, Keras 2 ones in a trap-style box. With several fit calls, a chooser reads
another. Code that cannot be read is said in one line, and the form is left as it was.

Only QActions and an event filter are made at start (install); the reader, the panel and the paste box
are loaded when first used, so start-up stays within its limit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDropEvent, QFont, QKeySequence, QPainter, QPaintEvent, QResizeEvent, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from gui.markup import escape
from gui.theme import Look

if TYPE_CHECKING:
    from core.code_import import CodeReading
    from gui.main_window import MainWindow

CODE_SUFFIXES = (".py", ".ipynb")
CODE_FILTER = "Python code (*.py *.ipynb);;All files (*)"


def install(window: MainWindow) -> None:
    """File > Import code..., Edit > Paste code..., and drops on the window."""
    window.code_import = CodeImport(window)


class CodeImport(QObject):
    """What the window does with code: read it, fill the form with it, show it."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.panel: CodePanel | None = None  # the tab that shows the code, made on the first import
        self.paste_box: PasteBox | None = None  # the Paste code box, made when first asked for
        self.reading: CodeReading | None = None  # what the code last imported said
        self.name = ""  # where that code came from, in words ("train.py", "pasted code")
        file_menu = window.menus["file"]
        self.import_action = window.add_action(
            file_menu, "&Import code (.py, .ipynb)...", QKeySequence("Ctrl+I"), self.import_dialog
        )
        # Beside Open..., not after Quit where add_action appends it.
        file_menu.removeAction(self.import_action)
        file_menu.insertAction(window.recent_menu.menuAction(), self.import_action)
        self.paste_action = window.add_action(
            window.menus["edit"], "&Paste code...", QKeySequence("Ctrl+Shift+V"), self.show_paste_box
        )
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    # ------------------------------------------------------------ the ways in

    def import_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        if not self.window.keep_unsaved_work_safe():
            return
        start = str(self.window.settings.value("code_import/folder", self.window.settings.value("last_folder", str(Path.home()))))
        path, _ = QFileDialog.getOpenFileName(self.window, "Import training code", start, CODE_FILTER)
        if path:
            self.window.settings.setValue("code_import/folder", str(Path(path).resolve().parent))
            self.read_file(Path(path))

    def import_file(self, path: str | Path) -> bool:
        """Read a .py or .ipynb file into the form; code that cannot be read is said in one line and changes nothing."""
        from core.code_import import CodeImportError, read_code_file

        try:
            reading = read_code_file(path)
        except CodeImportError as error:
            self._complain(f"Could not import {Path(path).name}: {error}")
            return False
        return self.show_reading(reading, Path(path).name)

    def import_text(self, text: str, name: str = "pasted code", call: int | None = None) -> str:
        """Read code given as text into the form; returns "" or the one line that says why it could not."""
        from core.code_import import CodeImportError, read_code

        try:
            reading = read_code(text, call=call)
        except CodeImportError as error:
            return str(error)
        return "" if self.show_reading(reading, name) else self.window.statusBar().currentMessage()

    def show_paste_box(self) -> None:
        """Edit > Paste code: a box to paste code into; reading it fills the form (the box stays open on bad code)."""
        if self.paste_box is None:
            self.paste_box = PasteBox(self.window, self._read_pasted)
        self.paste_box.start()

    def _read_pasted(self, text: str) -> str:
        if not self.window.keep_unsaved_work_safe():
            return "Nothing read: your changes are kept."
        return self.import_text(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A .py or .ipynb file dropped on the window is imported; a scenario .json opens as File > Open does."""
        if watched is self.window and isinstance(event, QDropEvent):  # QDragEnterEvent and QDragMoveEvent are drop events
            path = dropped_file(event)
            if path is None:
                return False
            event.acceptProposedAction()
            if event.type() == QEvent.Type.Drop:
                self.open_dropped(path)
            return True
        return False

    def open_dropped(self, path: Path) -> bool:
        return self.window.keep_unsaved_work_safe() and self.read_file(path)

    def read_file(self, path: Path) -> bool:
        """A scenario .json opens as File > Open does; anything else is read as code."""
        if path.suffix.lower() == ".json":
            return self.window.open_file(path)
        return self.import_file(path)

    # ------------------------------------------------------------ the form and the code

    def show_reading(self, reading: CodeReading, name: str) -> bool:
        """The scenario in the form (one step of the history), its fields marked, the code and its notes shown."""
        from core.scenario import ScenarioError, scenario_from_dict

        try:
            scenario = scenario_from_dict(reading.scenario)
        except ScenarioError as error:  # the reader promises a valid scenario: say it plainly if one slips through
            self._complain(f"Could not import {name}: the scenario read from it is not valid ({error}).")
            return False
        self.reading, self.name = reading, name
        window = self.window
        window.form.expect_marks(marks_of(reading))
        calls = len(reading.calls)
        words = f"code from {name}" + (f", fit call {reading.chosen + 1} of {calls}" if calls > 1 else "")
        window.replace_form(words, scenario, None)
        self._show_panel()
        window.statusBar().showMessage(status_words(reading, name), 15000)
        return True

    def choose_call(self, index: int) -> None:
        """Another fit call of the same code (0-based): read again with it, one more step of the history."""
        if self.reading is None or index == self.reading.chosen or not self.window.keep_unsaved_work_safe():
            if self.panel is not None and self.reading is not None:
                self.panel.show_reading(self.reading, self.name)  # the chooser back on the call shown
            return
        problem = self.import_text(self.reading.source, self.name, call=index + 1)
        if problem:
            self._complain(problem)

    def _show_panel(self) -> None:
        if self.panel is None:
            self.panel = CodePanel(self.window)
            self.panel.callChosen.connect(self.choose_call)
            self.window.form.markLineActivated.connect(self.show_line)
            self.window.form.marksChanged.connect(self._marks_changed)
            self.window.form.markedFieldFocused.connect(self._field_focused)
        assert self.reading is not None
        self.panel.show_tab()  # first: the code is scrolled to its fit call in the size it is shown at
        self.panel.show_reading(self.reading, self.name)

    def show_line(self, line: int) -> None:
        """A mark's line link: the code tab, scrolled to that line."""
        if self.panel is not None:
            self.panel.show_tab()
            self.panel.scroll_to_line(line)

    def _field_focused(self, line: int) -> None:
        """Clicking into a marked field scrolls the code to its line, when the code is in view."""
        if self.panel is not None and self.panel.is_current():
            self.panel.scroll_to_line(line)

    def _marks_changed(self) -> None:
        """The lines still behind the form's values stay highlighted; none once the form holds something else."""
        if self.panel is not None:
            marks = self.window.form.marks()
            self.panel.highlight_lines(sorted({mark.line for mark in marks.values() if mark.line}), bool(marks))

    def _complain(self, line: str) -> None:
        """Bad code: one clear line, in the status bar and, for a window on screen, a message box."""
        from PySide6.QtWidgets import QMessageBox

        self.window.statusBar().showMessage(line, 15000)
        if self.window.isVisible():
            QMessageBox.warning(self.window, "Could not import the code", line)


def dropped_file(event: QDropEvent) -> Path | None:
    """The first local .py, .ipynb or scenario .json among the dropped files, or None."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in (*CODE_SUFFIXES, ".json"):
                return path
    return None


# Dotted fields of the scenario that the form shows in another field's box.
FORM_KEYS = {"backend": "keras"}


def form_key(dotted: str) -> str:
    """The form's field for a dotted scenario field: "train.pipeline[2].size" is in the training pipeline's box."""
    owner = dotted.split("[", 1)[0]
    return FORM_KEYS.get(owner, owner)


def marks_of(reading: CodeReading) -> dict[str, object]:
    """Each field the code set (its line), left open (what the plan assumes), or computes from others (the formula)."""
    from gui.form import FieldMark

    marks: dict[str, FieldMark] = {}
    for dotted, line in reading.lines.items():
        marks.setdefault(form_key(dotted), FieldMark(line))
    for dotted in reading.unresolved:
        marks[form_key(dotted)] = FieldMark(None, assumed=assumed_words(reading.scenario, dotted))
    for dotted, formula in reading.relations.items():
        key = form_key(dotted)
        line = reading.lines.get(dotted)
        marks[key] = FieldMark(line, assumed=assumed_words(reading.scenario, dotted), formula=formula)
    return marks


def assumed_words(scenario: dict, dotted: str) -> str:
    """The value the scenario holds at a dotted field, as a person reads it ("1,000"); "" when it holds none."""
    value: object = scenario
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    return f"{value:,}" if isinstance(value, int) else str(value)


def status_words(reading: CodeReading, name: str) -> str:
    """What the import did, in one line: how many fields came from the code, how many are left to fill in."""
    from core.words import count_words

    words = f"Read {name}: {count_words(len(reading.lines), 'field')} from your code"
    to_fill = [dotted for dotted in reading.unresolved if dotted not in reading.relations]
    if to_fill:
        words += f", {count_words(len(to_fill), 'field')} to fill in (marked in the form)"
    return words + "."


# ------------------------------------------------------------ the code beside the form

TF_KERAS_2 = "2:tensorflow"  # the form's Keras chooser: tf.keras 2
# The reader's notes name the fit call for the command line; in the window the chooser does that.
CALL_OPTION_WORDS = ("--call N picks another.", "the chooser above picks another.")


def capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def keras_2_notes(reading: CodeReading) -> list[str]:
    """The notes about the Keras 2 ways the code uses (fit_generator, workers=...): said in the trap-style box."""
    return [note for note in reading.notes if any(way in note for way in reading.keras2)]


class CodePanel(QWidget):
    """The tab beside the summary: the code (line numbers, the lines the fields came from highlighted)
    and what the reader noted, with a chooser among several fit calls."""

    callChosen = Signal(int)  # 0-based index of the fit call to read

    def __init__(self, window: MainWindow):
        super().__init__()
        self.setObjectName("code_import_panel")
        self.window = window
        self.reading: CodeReading | None = None
        self._lines: list[int] = []  # highlighted: the lines the form's marked values came from
        self._current_line = 0  # the line last scrolled to (a mark's link, a field clicked into)
        self.code = NumberedCode()
        self.code.setObjectName("imported_code")
        self.title = QLabel()
        self.title.setObjectName("imported_code_title")
        self.title.setWordWrap(True)
        self.calls = QComboBox()
        self.calls.setObjectName("fit_calls")
        self.calls.setToolTip("Your code calls fit more than once: choose the call to plan (the form is read again).")
        self.calls.activated.connect(self.callChosen)
        self.notes = QTextBrowser()
        self.notes.setObjectName("imported_code_notes")
        self.notes.setOpenLinks(False)
        self.notes.anchorClicked.connect(self._link)
        side = QWidget()
        side_column = QVBoxLayout(side)
        side_column.setContentsMargins(0, 0, 0, 0)
        side_column.setSpacing(2)
        side_column.addWidget(self.title)
        side_column.addWidget(self.calls)
        side_column.addWidget(self.notes, 1)
        split = self.split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.code)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        window.summary.addTab(self, "Your code")
        self.apply_look(window.look)

    def show_tab(self) -> None:
        self.window.summary.setCurrentWidget(self)

    def is_current(self) -> bool:
        return self.window.summary.currentWidget() is self and self.isVisible()

    def show_reading(self, reading: CodeReading, name: str) -> None:
        self.reading = reading
        self.title.setText(f"<b>{escape(name)}</b>, as read (nothing in it was run)")
        if self.code.toPlainText() != reading.source:
            self.code.setPlainText(reading.source)
        self.calls.blockSignals(True)
        self.calls.clear()
        for number, line in enumerate(reading.calls, 1):
            self.calls.addItem(f"fit call {number} of {len(reading.calls)}, line {line}")
        self.calls.setCurrentIndex(reading.chosen)
        self.calls.blockSignals(False)
        self.calls.setVisible(len(reading.calls) > 1)
        self._lines = sorted(set(reading.lines.values()))
        self._current_line = reading.calls[reading.chosen] if reading.calls else 0
        self._render_notes()
        self._highlight()
        if self._current_line:
            self.scroll_to_line(self._current_line)

    def highlight_lines(self, lines: list[int], imported: bool) -> None:
        """The lines behind the values the form still holds from the code (a typed value loses its line)."""
        if not imported:
            self._current_line = 0
        self._lines = lines
        self._highlight()

    def scroll_to_line(self, line: int) -> None:
        block = self.code.document().findBlockByLineNumber(line - 1)
        if not block.isValid():
            return
        self._current_line = line
        cursor = QTextCursor(block)
        self.code.setTextCursor(cursor)
        self.code.centerCursor()
        self._highlight()

    def _highlight(self) -> None:
        """Lines the fields came from in a tint; the fit call shown, or the line last asked for, in a stronger one."""
        look = self.window.look
        selections = []
        for line, alpha in [(line, 0.18) for line in self._lines if line != self._current_line] + (
            [(self._current_line, 0.38)] if self._current_line else []
        ):
            block = self.code.document().findBlockByLineNumber(line - 1)
            if not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            colour = QColor(look.highlight)
            colour.setAlphaF(alpha)
            selection.format.setBackground(colour)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            selections.append(selection)
        self.code.setExtraSelections(selections)
        self.code.marked_lines = set(self._lines) | ({self._current_line} if self._current_line else set())
        self.code.gutter.update()

    def _render_notes(self) -> None:
        """Keras 2 notes in a trap-style box, then the fields to fill in (what the plan assumes), then the other notes."""
        reading = self.reading
        if reading is None:
            return
        look = self.window.look
        form = self.window.form
        old = keras_2_notes(reading)
        parts = []
        if old:
            said = "<br>".join(escape(note) for note in old)
            if form.flavour.currentData() != TF_KERAS_2:
                said += (
                    f"<br><a href='keras:{TF_KERAS_2}' style='color:{look.link}'>Plan it as tf.keras 2 ran it</a>: "
                    "if the data runs out before an epoch's steps are done, tf.keras 2 stops the whole fit, "
                    "where Keras 3 goes on with the next epoch."
                )
            border = max(1, round(look.axis_width))
            parts.append(
                f"<table width='100%' cellpadding='6' cellspacing='0' border='{border}' style='border-color:{look.trap_border};"
                f" border-style:solid'><tr><td bgcolor='{look.trap_background}' style='color:{look.text}'>"
                f"<b>Keras 2 code</b><br>{said}</td></tr></table>"
            )
        fill = []
        for dotted in reading.unresolved:
            assumed = assumed_words(reading.scenario, dotted)
            words = escape(capital(form.field_words(form_key(dotted))))
            formula = reading.relations.get(dotted)
            if formula:  # not to fill in: it follows the fields that are
                fill.append(f"<li><b>{words}</b> follows {escape(form.formula_words(formula))} as you type them</li>")
                continue
            assumed_said = f"; the plan assumes {escape(assumed)} until you type it in the form" if assumed else ""
            fill.append(f"<li><b>{words}</b>: your code does not say{assumed_said}</li>")
        if fill:
            heading = f"<p style='margin:4px 0 0 0'><b style='color:{look.alarm}'>Fill in</b></p>"
            parts.append(f"{heading}<ul style='margin-top:0'>{''.join(fill)}</ul>")
        # The reader's own line for each field to fill in names it by its key: the list above says it in the form's words.
        said_above = tuple(f"{dotted} is not fixed by the code" for dotted in reading.unresolved)
        rest = [note for note in reading.notes if note not in old and not note.startswith(said_above)]
        if rest:
            items = "".join(f"<li>{escape(note.replace(*CALL_OPTION_WORDS))}</li>" for note in rest)
            parts.append(f"<ul style='margin-top:2px'>{items}</ul>")
        if not parts:
            parts.append("<p>Every field the plan needs came from your code.</p>")
        self.notes.setHtml("".join(parts))

    def _link(self, url: QUrl) -> None:
        """The Keras 2 box's link: the form's Keras chooser on tf.keras 2, as a person's choice (one step of the history)."""
        chooser = self.window.form.flavour
        if url.scheme() == "keras" and (index := chooser.findData(url.path())) >= 0:
            chooser.setCurrentIndex(index)
            self._render_notes()

    def notes_text(self) -> str:
        return self.notes.toPlainText()

    def apply_look(self, look: Look) -> None:
        self.code.set_colours(look.muted, look.text)
        self._render_notes()
        self._highlight()

    def changeEvent(self, event: QEvent) -> None:
        """The window's theme or presentation mode changed the application's palette or type: follow its look."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange) and not self._applying:
            self._applying = True
            try:
                self.apply_look(self.window.look)
            finally:
                self._applying = False

    _applying = False


def monospaced() -> QFont:
    """A monospaced family only: the size still follows the application's type (presentation mode's larger one)."""
    font = QFont()
    font.setFamilies(["monospace"])
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class NumberedCode(QPlainTextEdit):
    """Read-only code with its line numbers in a gutter; the numbers of marked lines in bold."""

    def __init__(self):
        super().__init__()
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(monospaced())
        self.setCenterOnScroll(True)  # a line near the end can be centred too, so the line asked for is where the eye is
        self.marked_lines: set[int] = set()
        self._number_colour, self._marked_colour = QColor("#555555"), QColor("#141414")
        self.gutter = _Gutter(self)
        self.blockCountChanged.connect(self._fit_gutter)
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    def set_colours(self, numbers: str, marked: str) -> None:
        self._number_colour, self._marked_colour = QColor(numbers), QColor(marked)
        self._fit_gutter()
        self.gutter.update()

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * digits

    def _fit_gutter(self, *_args) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self.gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self.gutter)
        painter.fillRect(event.rect(), self.palette().color(self.palette().ColorRole.Window))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bold = QFont(self.font())
        bold.setBold(True)
        while block.isValid() and top <= event.rect().bottom():
            height = round(self.blockBoundingRect(block).height())
            if block.isVisible() and top + height >= event.rect().top():
                number = block.blockNumber() + 1
                marked = number in self.marked_lines
                painter.setFont(bold if marked else self.font())
                painter.setPen(self._marked_colour if marked else self._number_colour)
                painter.drawText(0, top, self.gutter.width() - 5, height, Qt.AlignmentFlag.AlignRight, str(number))
            top += height
            block = block.next()
        painter.end()


class _Gutter(QWidget):
    def __init__(self, code: NumberedCode):
        super().__init__(code)
        self.code = code

    def sizeHint(self) -> QSize:
        return QSize(self.code.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.code.paint_gutter(event)


class PasteBox(QDialog):
    """Edit > Paste code: paste a script, a notebook cell or a few lines with model.fit, then read it.
    Code that cannot be read is said in one line under the box, which stays open to fix it."""

    def __init__(self, window: MainWindow, read):
        super().__init__(window)
        self.setWindowTitle("Paste code")
        self.read = read  # text -> "" when read, else the line that says why not
        self.setObjectName("paste_code")
        hint = QLabel(
            "Paste your training code: a script, a notebook's cells, or a few lines with <b>model.fit(...)</b>. "
            "It is read, never run."
        )
        hint.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("paste_code_text")
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setFont(monospaced())
        self.editor.setPlaceholderText("model.fit(x_train, y_train, batch_size=32, epochs=5, validation_split=0.2)")
        self.problem = QLabel()
        self.problem.setObjectName("paste_code_problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.read_button = self.buttons.addButton("&Read the code", QDialogButtonBox.ButtonRole.AcceptRole)
        self.read_button.setObjectName("paste_code_read")
        self.buttons.accepted.connect(self._read)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(hint)
        column.addWidget(self.editor, 1)
        column.addWidget(self.problem)
        column.addWidget(self.buttons)
        self.editor.textChanged.connect(self._text_changed)
        self.resize(640, 420)

    def start(self) -> None:
        """Open (not blocking), its text kept from last time so a fix is a small edit."""
        self.problem.hide()
        self.read_button.setEnabled(bool(self.editor.toPlainText().strip()))
        if self.isVisible():  # already open, perhaps behind the window: bring it forward
            self.raise_()
            self.activateWindow()
        else:
            self.open()
        self.editor.setFocus()

    def _text_changed(self) -> None:
        self.read_button.setEnabled(bool(self.editor.toPlainText().strip()))
        self.problem.hide()

    def _read(self) -> None:
        problem = self.read(self.editor.toPlainText())
        if problem:
            look = self.parent().look
            self.problem.setStyleSheet(f"color: {look.alarm};")
            self.problem.setText(problem)
            self.problem.show()
            return
        self.accept()
