"""Issue 14 in the window: code imported through the real menu actions, a drop and the paste box; the form's
marks and relations; and the form's withheld fields (a lesson's hidden controls)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QGroupBox, QLabel, QMessageBox

SPLIT = {"train": {"samples": 1000, "batch_size": 32}, "epochs": 2, "validation": {"split": 0.2}}


def label_of(form, key):
    return next(label for label in form.findChildren(QLabel) if label.buddy() is form.field_widget(key))


def test_withheld_fields_hide_their_rows_whatever_the_form_says(window, qtbot):
    shown = window(SPLIT)
    form = shown.form
    assert form.epochs.isVisible() and label_of(form, "epochs").isVisible()
    form.set_withheld_fields({"epochs", "steps_per_epoch", "train.endless"})
    assert not form.epochs.isVisible() and not label_of(form, "epochs").isVisible()
    assert not form.steps_per_epoch.isVisible() and form.initial_epoch.isVisible()
    assert form.samples.isVisible() and not form.endless.isVisible()  # the box shares the samples' row
    # The form's own logic still runs underneath: a flow shows its shuffle row, unless withheld.
    form.set_withheld_fields({"train.flow_shuffle"})
    assert form.epochs.isVisible() and form.endless.isVisible()
    form.source.setCurrentIndex(form.source.findData("image_data_generator"))
    assert not form.flow_shuffle.isVisible()
    form.set_withheld_fields(())
    assert form.flow_shuffle.isVisible()
    form.source.setCurrentIndex(form.source.findData("arrays"))
    assert not form.flow_shuffle.isVisible()  # the logic hides it again once the source has no flow
    # A group whose every row is withheld hides as a whole, and comes back with them.
    keras_box = form.findChild(QGroupBox, "keras_box")
    form.set_withheld_fields({"keras", "replicas"})
    assert not keras_box.isVisible() and keras_box.isHidden()
    form.set_withheld_fields(set())
    assert keras_box.isVisible()
    with pytest.raises(ValueError, match=r"no field train\.nonsense"):
        form.set_withheld_fields({"train.nonsense"})
    assert form.withheld_fields() == frozenset()


# ---------------------------------------------------------------- code into the form, as a person brings it

SCRIPT = """import numpy as np
from tensorflow import keras

x_train = np.random.rand(1000, 10)
y_train = np.random.rand(1000, 1)
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x_train, y_train, batch_size=64, epochs=5, validation_split=0.2)
"""
SCRIPT_LINES = {"train.samples": 4, "train.batch_size": 8, "epochs": 8, "validation.split": 8}

# The samples come in as a function's argument: unknown to the reader, but the steps follow them.
ARGUMENT = """import math


def train(model, x_train, y_train):
    batch_size = 50
    steps = math.ceil(len(x_train) / batch_size)
    model.fit(x_train, y_train, batch_size=batch_size, epochs=2, steps_per_epoch=steps)
"""

TWO_CALLS = """import numpy as np

x = np.zeros((600, 4))
y = np.zeros((600,))
model.fit(x, y, batch_size=100, epochs=1)
model.fit(x, y, batch_size=30, epochs=7)
"""

PIPELINE = """import tensorflow as tf

train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000).batch(64, drop_remainder=True).repeat()
val = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(32)
model.fit(train, epochs=3, steps_per_epoch=100, validation_data=val, validation_steps=5, validation_freq=2)
"""

KERAS_2 = """import numpy as np
from keras.utils import Sequence


class Batches(Sequence):
    def __len__(self):
        return 25

    def __getitem__(self, index):
        return np.zeros((32, 4)), np.zeros((32,))


model.fit_generator(Batches(), epochs=4, workers=4)
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class ChosenFile(list):
    """The files File > Import code's dialog answers with, last first; `asked` records each time it was opened."""

    def __init__(self):
        super().__init__()
        self.asked: list[tuple] = []

    def answer(self, *args, **kwargs):
        self.asked.append(args)
        return (str(self[-1]), "") if self else ("", "")


@pytest.fixture
def chosen_file(monkeypatch):
    """File > Import code's dialog answers with the file a test names (a native dialog would block)."""
    chosen = ChosenFile()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(chosen.answer))
    return chosen


@pytest.fixture
def warnings_shown(monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, title, text, *a: shown.append((title, text))))
    return shown


def import_through_the_menu(window, chosen, path):
    chosen.append(path)
    window.code_import.import_action.trigger()


def test_file_import_code_fills_the_form_marks_each_field_and_shows_the_code(window, tmp_path, chosen_file):
    shown = window(SPLIT)
    before = shown.form.snapshot()
    import_through_the_menu(shown, chosen_file, write(tmp_path, "train.py", SCRIPT))
    scenario = shown.plan.scenario
    assert (scenario.train.samples, scenario.train.batch_size, scenario.epochs) == (1000, 64, 5)
    assert scenario.validation.split == 0.2
    form = shown.form
    for key, line in SCRIPT_LINES.items():
        assert form.mark_words(key) == f"from your code, line {line}", key
        assert form.findChild(QLabel, f"mark:{key}").isVisible()
    assert form.mark_words("initial_epoch") == ""  # the code does not name it: Keras' default, unmarked
    # The code beside the form, as read, its lines highlighted; the status bar says what came in.
    panel = shown.code_import.panel
    assert shown.summary.currentWidget() is panel and panel.isVisible()
    assert panel.code.toPlainText() == SCRIPT and panel.code.isReadOnly()
    assert set(SCRIPT_LINES.values()) <= panel.code.marked_lines
    assert "Read train.py: " in shown.statusBar().currentMessage()
    # One step of the history, and the file is modified; undo gives the form and its (absent) marks back.
    assert shown.undo_action.text() == "&Undo code from train.py" and shown.isWindowModified()
    shown.undo_action.trigger()
    assert shown.form.snapshot() == before and form.marks() == {}
    assert not form.findChild(QLabel, "mark:epochs").isVisible()
    shown.redo_action.trigger()
    assert form.mark_words("epochs") == "from your code, line 8" and shown.plan.scenario.epochs == 5


def test_typing_my_own_value_takes_the_mark_away_and_opening_a_file_takes_them_all(window, qtbot, tmp_path, chosen_file):
    shown = window(SPLIT)
    import_through_the_menu(shown, chosen_file, write(tmp_path, "train.py", SCRIPT))
    form = shown.form
    form.epochs.selectAll()
    qtbot.keyClicks(form.epochs, "9")
    assert shown.plan.scenario.epochs == 9 and form.mark_words("epochs") == ""
    assert form.mark_words("train.batch_size") == "from your code, line 8"  # the others stay
    shown.undo_action.trigger()  # undoing my edit brings the code's value and its mark back
    assert form.epochs.text() == "5" and form.mark_words("epochs") == "from your code, line 8"
    scenario_file = tmp_path / "mine.json"
    scenario_file.write_text(json.dumps(SPLIT), encoding="utf-8")
    assert shown.open_file(scenario_file)
    assert form.marks() == {} and shown.code_import.panel.code.marked_lines == set()


def test_an_unknown_sample_count_is_asked_for_and_the_steps_follow_it(window, qtbot, tmp_path, chosen_file):
    shown = window(SPLIT)
    import_through_the_menu(shown, chosen_file, write(tmp_path, "loop.py", ARGUMENT))
    form = shown.form
    assert form.mark_words("train.samples").startswith("Fill in: your code does not say")
    assert form.mark_words("steps_per_epoch") == "your code computes it: ceil(training samples / batch size), kept as you type"
    notes = shown.code_import.panel.notes_text()
    assert "Training samples: your code does not say; the plan assumes 1,000 until you type it in the form" in notes
    assert "Steps per epoch follows ceil(training samples / batch size) as you type them" in notes
    assert shown.statusBar().currentMessage() == "Read loop.py: 3 fields from your code, 1 field to fill in (marked in the form)."
    form.samples.selectAll()
    qtbot.keyClicks(form.samples, "1234")
    assert form.steps_per_epoch.text() == "25" and shown.plan.scenario.steps_per_epoch == 25  # ceil(1234 / 50)
    assert form.mark_words("train.samples") == ""
    qtbot.keyClicks(form.samples, "0")  # 12340 samples: ceil(12340 / 50) = 247
    assert form.steps_per_epoch.text() == "247"
    # Typing my own steps ends the relation: the samples no longer change them.
    form.steps_per_epoch.selectAll()
    qtbot.keyClicks(form.steps_per_epoch, "3")
    form.samples.selectAll()
    qtbot.keyClicks(form.samples, "99")
    assert form.steps_per_epoch.text() == "3" and form.mark_words("steps_per_epoch") == ""


def test_a_dropped_notebook_is_imported_and_a_dropped_scenario_opens(window, tmp_path):
    shown = window(SPLIT)
    cells = [{"cell_type": "markdown", "source": ["# Training\n"]}, {"cell_type": "code", "source": SCRIPT.splitlines(True)}]
    notebook = tmp_path / "course.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    assert drop(shown, notebook, on=shown.form.samples)  # on a box: for the window, not the path typed into it
    assert shown.plan.scenario.train.batch_size == 64 and shown.form.mark_words("epochs") == "from your code, line 8"
    assert shown.undo_action.text() == "&Undo code from course.ipynb" and shown.undo_stack.count() == 1
    scenario_file = tmp_path / "dropped.json"
    scenario_file.write_text(json.dumps(SPLIT), encoding="utf-8")
    assert drop(shown, scenario_file)
    assert shown.file_path == scenario_file and shown.plan.scenario.epochs == 2 and shown.form.marks() == {}
    # Anything else is not taken: the window does not accept the drag.
    assert not drop(shown, write(tmp_path, "notes.txt", "model.fit(x)"))


def drop(window, path, on=None):
    """Drag a file from a file manager onto the window (or a widget in it) and let go, as real drag events
    with what a file manager offers (the file's URL, and the URL as text); True when taken."""
    url = QUrl.fromLocalFile(str(path))
    mime = QMimeData()
    mime.setUrls([url])
    mime.setText(url.toString())
    target = on or window.timeline.plot.viewport()
    where = QPointF(target.width() / 2, target.height() / 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(where.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    dropped = QDropEvent(where, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, dropped)
    return dropped.isAccepted()


def test_paste_code_reads_what_is_pasted_and_bad_code_is_one_line_in_the_box(window, qtbot):
    shown = window(SPLIT)
    before = shown.form.snapshot()
    shown.code_import.paste_action.trigger()
    box = shown.code_import.paste_box
    qtbot.waitExposed(box)
    assert not box.read_button.isEnabled()  # nothing to read yet
    QApplication.clipboard().setText("model.fit(x_train, y_train, epochs=3,\n")  # cut off mid-call
    qtbot.keyClick(box.editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(box.read_button, Qt.MouseButton.LeftButton)
    assert box.isVisible() and box.problem.isVisible()
    assert "\n" not in box.problem.text() and box.problem.text()
    assert shown.form.snapshot() == before and shown.undo_stack.count() == 0
    box.editor.selectAll()
    QApplication.clipboard().setText(SCRIPT)
    qtbot.keyClick(box.editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert not box.problem.isVisible()
    qtbot.mouseClick(box.read_button, Qt.MouseButton.LeftButton)
    assert not box.isVisible()
    assert shown.plan.scenario.train.batch_size == 64 and shown.undo_action.text() == "&Undo code from pasted code"
    QApplication.clipboard().clear()


def test_a_file_that_is_not_code_is_said_in_one_line_and_the_form_is_left_alone(window, tmp_path, chosen_file, warnings_shown):
    shown = window(SPLIT)
    before = shown.form.snapshot()
    for name, content in (("broken.py", "def (:\n"), ("nofit.py", "import numpy as np\nx = np.zeros(3)\n")):
        import_through_the_menu(shown, chosen_file, write(tmp_path, name, content))
        _title, text = warnings_shown[-1]
        assert text.startswith(f"Could not import {name}: ") and "\n" not in text and "Traceback" not in text
        assert shown.statusBar().currentMessage() == text
    binary = tmp_path / "weights.py"
    binary.write_bytes(bytes(range(256)) * 40)
    import_through_the_menu(shown, chosen_file, binary)
    assert warnings_shown[-1][1].startswith("Could not import weights.py: ")
    assert shown.form.snapshot() == before and shown.undo_stack.count() == 0


def test_my_unsaved_edits_are_asked_about_before_code_replaces_them(window, qtbot, tmp_path, chosen_file, monkeypatch):
    shown = window(SPLIT)
    shown.ask_before_closing = True
    shown.form.epochs.selectAll()
    qtbot.keyClicks(shown.form.epochs, "7")
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Cancel)
    )
    import_through_the_menu(shown, chosen_file, write(tmp_path, "train.py", SCRIPT))
    assert asked == ["Save changes?"] and chosen_file.asked == []  # cancelled before any dialog
    assert shown.plan.scenario.epochs == 7
    assert drop(shown, tmp_path / "train.py") and shown.plan.scenario.epochs == 7 and len(asked) == 2


def test_several_fit_calls_offer_a_choice_and_choosing_reads_again(window, qtbot, tmp_path, chosen_file):
    shown = window(SPLIT)
    import_through_the_menu(shown, chosen_file, write(tmp_path, "two.py", TWO_CALLS))
    calls = shown.code_import.panel.calls
    assert calls.isVisible() and [calls.itemText(i) for i in range(calls.count())] == [
        "fit call 1 of 2, line 5",
        "fit call 2 of 2, line 6",
    ]
    assert calls.currentIndex() == 1 and shown.plan.scenario.train.batch_size == 30  # the last call, as Keras ends with it
    calls.setFocus()
    qtbot.keyClick(calls, Qt.Key.Key_Up)
    assert shown.plan.scenario.train.batch_size == 100 and shown.plan.scenario.epochs == 1
    assert shown.form.mark_words("train.batch_size") == "from your code, line 5" and calls.currentIndex() == 0
    assert shown.undo_action.text() == "&Undo code from two.py, fit call 1 of 2"
    shown.undo_action.trigger()
    assert shown.plan.scenario.train.batch_size == 30


def test_keras_2_code_is_explained_in_a_trap_style_box(window, qtbot, tmp_path, chosen_file):
    shown = window(SPLIT)
    import_through_the_menu(shown, chosen_file, write(tmp_path, "old.py", KERAS_2))
    panel = shown.code_import.panel
    notes = panel.notes_text()
    assert notes.strip().startswith("Keras 2 code\nLine 13: fit_generator is Keras 2; Keras 3 has no fit_generator")
    assert "workers=" in notes and "is not fixed by the code" not in notes  # said in the form's words instead
    assert "Training samples: your code does not say; the plan assumes 1,000 until you type it in the form" in notes
    assert shown.plan.scenario.train.source == "pydataset" and shown.plan.scenario.epochs == 4
    assert shown.look.trap_background.lower() in panel.notes.toHtml().lower()
    # Its link plans the same code as tf.keras 2 ran it: the form's Keras chooser, one step of the history.
    click_link(qtbot, panel.notes, "Plan it as tf.keras 2 ran it")
    assert shown.plan.scenario.keras == "2" and shown.undo_action.text() == "&Undo edit of Keras flavour"
    assert "Plan it as" not in panel.notes_text()


def click_link(qtbot, browser, words):
    """A real click on the words of a link in a text browser."""
    found = browser.document().find(words)
    assert not found.isNull(), words
    found.setPosition(found.selectionStart() + 2)
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=browser.cursorRect(found).center())


def test_clicking_into_a_marked_field_shows_its_line_and_a_mark_link_shows_it_too(window, qtbot, tmp_path, chosen_file):
    shown = window(SPLIT)
    import_through_the_menu(shown, chosen_file, write(tmp_path, "long.py", "\n" * 300 + SCRIPT))
    panel = shown.code_import.panel
    code = panel.code

    def line_in_view():
        return code.cursorForPosition(code.viewport().rect().center()).blockNumber() + 1

    assert abs(line_in_view() - 308) <= 2  # the fit call read, in the middle of the view
    code.verticalScrollBar().setValue(0)
    shown.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shown)
    qtbot.mouseClick(shown.form.samples, Qt.MouseButton.LeftButton)
    assert abs(line_in_view() - 304) <= 2 and code.textCursor().blockNumber() == 303
    shown.summary.setCurrentIndex(0)  # the summary in view: a mark's link brings the code back
    label = shown.form.findChild(QLabel, "mark:train.batch_size")
    assert label.text().count("<a ") == 1
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=link_point(qtbot, label))
    assert shown.summary.currentWidget() is panel and code.textCursor().blockNumber() == 307


def link_point(qtbot, label):
    """Where a label's first link is: the pointer moved along its first line until the label shows the hand
    it shows over a link (laying the text out again in a QTextDocument of our own would only guess)."""
    y = label.contentsRect().top() + label.fontMetrics().height() // 2
    for x in range(label.contentsRect().left(), label.contentsRect().right(), 2):
        qtbot.mouseMove(label, QPoint(x, y))
        if label.cursor().shape() == Qt.CursorShape.PointingHandCursor:
            return QPoint(x + 4, y)
    raise AssertionError(f"no link in {label.text()!r}")


def test_the_code_follows_the_dark_theme_and_presentation_mode(window, tmp_path, chosen_file):
    shown = window(SPLIT)
    import_through_the_menu(shown, chosen_file, write(tmp_path, "train.py", SCRIPT))
    panel = shown.code_import.panel
    for theme, presenting in (("dark", False), ("dark", True), ("light", False)):
        shown.set_theme(theme, remember=False)
        shown.set_presenting(presenting)
        selections = panel.code.extraSelections()
        assert selections and all(s.format.background().color().name() == QColor(shown.look.highlight).name() for s in selections)
        assert panel.code.font().pointSizeF() == pytest.approx(QApplication.font().pointSizeF())
        assert shown.look.trap_background.lower() not in panel.notes.toHtml().lower() or theme == "light"
    shown.set_presenting(False)


def test_a_tf_data_pipeline_is_marked_as_a_whole_and_typing_a_step_takes_its_mark(window, qtbot, tmp_path, chosen_file):
    shown = window(SPLIT)
    import_through_the_menu(shown, chosen_file, write(tmp_path, "pipe.py", PIPELINE))
    form = shown.form
    scenario = shown.plan.scenario
    assert [step.op for step in scenario.train.pipeline] == ["shuffle", "batch", "repeat"]
    assert (scenario.steps_per_epoch, scenario.validation.steps, scenario.validation.freq) == (100, 5, 2)
    assert form.mark_words("train.pipeline") == "from your code, line 3"
    assert form.mark_words("validation.steps") == "from your code, line 5"
    for key in ("train.samples", "validation.samples"):  # neither array's length is in the code
        assert form.mark_words(key) == "Fill in: your code does not say (the plan assumes {} until then)".format(
            "1,000" if key == "train.samples" else "200"
        )
    size = form.pipeline.row(1).arguments["size"]
    size.selectAll()
    qtbot.keyClicks(size, "50")
    assert shown.plan.scenario.train.pipeline[1].size == 50 and form.mark_words("train.pipeline") == ""
    assert form.mark_words("validation.steps") == "from your code, line 5"
