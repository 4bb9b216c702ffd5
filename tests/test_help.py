"""Issue 10, items 8 and 9: help in the window (tooltips, the glossary, a first-launch hint) and
the words a student reads (no internal codes, Repeat in the words of the source, plurals)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from core.scenario import scenario_from_dict
from gui.form import FIELD_HELP
from gui.resources import presets, traps
from gui.summary import KEY_NUMBER_HELP
from tests.conftest import PROJECT

KERAS_ARGUMENT = re.compile(r"fit\(|compile\(|tf\.data|\.batch")
ENDLESS = {"train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "after_batch"}, "epochs": 3}
REFUSED = {"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "validation": {"split": 0.2}}
KINDS = [presets()[i][2] for i in range(len(presets()))] + [trap.scenario for trap in traps()]
STOPPED = {"keras": "2", "train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 3, "steps_per_epoch": 3}
DEVICES = {"replicas": 4, "train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 2}
KINDS += [scenario_from_dict(ENDLESS), scenario_from_dict(REFUSED), scenario_from_dict(STOPPED), scenario_from_dict(DEVICES)]


def test_every_form_field_says_what_it_is_its_keras_argument_and_its_default(window):
    # Each field, and its row's label, has a tooltip naming the Keras argument and the default.
    from PySide6.QtWidgets import QFormLayout, QLabel

    shown = window({"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "validation": {"samples": 10}})
    form = shown.form
    for key, words in FIELD_HELP.items():
        assert KERAS_ARGUMENT.search(words) and ("Default" in words or "default" in words), key
        widget = form.field_widget(key)
        assert words in widget.toolTip(), key
    titles = [
        item.widget()
        for layout in form.findChildren(QFormLayout)
        for row in range(layout.rowCount())
        if (item := layout.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
    ]
    titled = [title for title in titles if isinstance(title, QLabel) and title.text()]
    # Every row (the flavour's Keras and Devices among them) but the six checkboxes that carry their own words and
    # the two pipelines' steps.
    assert len(titled) == 21
    assert all(title.toolTip() in FIELD_HELP.values() for title in titled)


def test_a_disabled_field_says_why_first_and_keeps_its_help(window):
    # Arrays have no drop_remainder: the tooltip gives that reason, then what the field is.
    from gui.form import WHY_ARRAYS_NO_DROP

    shown = window({"train": {"samples": 10}})
    tip = shown.form.drop_remainder.toolTip()
    assert tip.startswith(WHY_ARRAYS_NO_DROP) and FIELD_HELP["train.drop_remainder"] in tip


@pytest.mark.parametrize(
    "scenario", KINDS, ids=lambda s: f"{s.train.source}-{s.train.samples}-{s.epochs}-keras{s.keras}-x{s.replicas}"
)
def test_every_key_number_has_its_own_tooltip_and_no_plural_slips(window, scenario):
    # Each key number row explains itself (never the catch-all); nothing reads "epoch(s)" or "1 passes".
    shown = window()
    shown.form.set_scenario(scenario)
    shown_labels = [label for label in shown.summary.number_labels if not label.isHidden()]
    assert shown_labels
    specific = {words for _keyword, words in KEY_NUMBER_HELP}
    for label in shown_labels:
        assert any(words in label.toolTip() for words in specific), label.toolTip()
    words = shown.summary.key_numbers_text() + shown.summary.text.toPlainText() + shown.statusBar().currentMessage()
    assert "(s)" not in words
    assert not re.search(r"\b1 (passes|samples|steps|epochs|batches)\b", words), words


def test_a_flavours_key_numbers_say_where_fit_ends_and_how_many_devices_with_their_help(window):
    # tf.keras 2 running out: "Fit ends early" with why; 4 devices: "Devices" with what a global batch is.
    shown = window(STOPPED)
    assert "Fit ends early in epoch 2" in shown.summary.key_numbers_text()
    shown.form.set_scenario(scenario_from_dict(DEVICES))
    assert "Devices 4" in shown.summary.key_numbers_text()
    tips = [label.toolTip() for label in shown.summary.number_labels if not label.isHidden()]
    assert any(tip.startswith("Devices: 4") and "global batch" in tip for tip in tips), tips


def test_the_glossary_opens_beside_the_window_with_an_example_for_each_word(window, qtbot):
    # Help > Glossary: a non-modal window with sample, batch, step, epoch, pass, iterator and validation run, and
    # the words of the flavours: tf.keras 2, backend, JAX, PyTorch, replica / device, MirroredStrategy, global and
    # per-replica batch.
    shown = window()
    help_menu = next(a for a in shown.menuBar().actions() if a.text() == "&Help").menu()
    next(a for a in help_menu.actions() if a.text().startswith("&Glossary")).trigger()
    glossary = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.windowTitle() == "Glossary")
    assert glossary.isVisible() and not glossary.isModal()
    text = glossary.text.toPlainText()
    words = ("Sample", "Batch", "Step", "Epoch", "Pass", "Iterator", "Validation run")
    words += ("tf.keras 2", "Backend", "JAX", "PyTorch", "Replica / device", "MirroredStrategy", "Global batch")
    for word in (*words, "Per-replica batch"):
        assert re.search(rf"^{re.escape(word)}\n.+\nExample: .+", text, re.MULTILINE), word
    assert QApplication.activeModalWidget() is None  # the window stays usable
    glossary.close()


def test_the_glossary_is_not_built_at_start_up(tmp_path):
    # Start-up stays fast: the glossary's module is imported only when asked for.
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from gui.main_window import MainWindow\n"
        "window = MainWindow(first_launch_hint=True)\n"
        "window.show(); app.processEvents()\n"
        "print('gui.glossary' in sys.modules)\n"
        "window.show_glossary()\n"
        "print('gui.glossary' in sys.modules)\n"
        "window.ask_before_closing = False; window.close()\n"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120, env=env)
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_the_first_launch_hint_shows_once_and_its_link_opens_the_trap(qtbot):
    # First launch: a hint above the summary; its link opens the floor trap; "Got it" hides it for good.
    from gui.main_window import MainWindow

    first = MainWindow(first_launch_hint=True)
    first.ask_before_closing = False
    qtbot.addWidget(first)
    first.show()
    summary = first.summary
    assert summary.hint.isVisibleTo(first) and "Space" in summary.hint_text.text()
    summary.hint_text.linkActivated.emit("trap:floor_ceil_mismatch")
    assert first.summary.trap is not None and first.summary.trap.key == "floor_ceil_mismatch"
    summary.hint_close.click()
    assert not summary.hint.isVisibleTo(first)
    assert first.settings.value("help/first_launch_hint_seen", False, type=bool)
    again = MainWindow(first_launch_hint=True)
    qtbot.addWidget(again)
    assert not again.summary.hint.isVisibleTo(again) and again.summary.hint.isHidden()


def test_a_hint_left_open_is_not_shown_at_the_next_launch(qtbot):
    # Shown once: closing the window with the hint still open remembers that it was seen.
    from gui.main_window import MainWindow

    first = MainWindow(first_launch_hint=True)
    first.ask_before_closing = False
    qtbot.addWidget(first)
    first.show()
    assert not first.summary.hint.isHidden()
    first.close()
    again = MainWindow(first_launch_hint=True)
    qtbot.addWidget(again)
    assert again.summary.hint.isHidden()


def test_repeat_choices_are_worded_for_the_chosen_source(window):
    # A Python generator offers loops, not .batch(B).repeat(); tf.data offers the two pipelines.
    shown = window({"train": {"samples": 100, "source": "generator", "batch_size": 32}})
    repeat = shown.form.repeat
    generator_words = [repeat.itemText(i) for i in range(repeat.count())]
    assert not any(".repeat()" in words or ".batch(" in words for words in generator_words)
    assert repeat.itemText(repeat.findData("after_batch")) == "loops over its batches forever (while True)"
    assert repeat.itemText(repeat.findData("before_batch")) == "cycles samples into full batches, forever"
    shown.form.source.setCurrentIndex(shown.form.source.findData("dataset"))
    assert repeat.itemText(repeat.findData("after_batch")).startswith(".batch(B).repeat()")
    assert repeat.itemText(repeat.findData("before_batch")).startswith(".repeat().batch(B)")


def test_a_problem_is_named_in_the_forms_words_and_the_plan_marked_stale(window):
    # A bad batch size: "Batch size: ..." (not "train.batch_size: ..."), and the timeline says its plan is stale.
    shown = window({"train": {"samples": 100, "source": "dataset", "batch_size": 32}})
    shown.form.batch_size.setText("0")
    shown.form.batch_size.textEdited.emit("0")
    assert shown.form.problem.startswith("Batch size: ") and "train.batch_size" not in shown.form.problem
    assert shown.timeline.stale_reason == shown.form.problem
    shown.form.batch_size.setText("16")
    shown.form.batch_size.textEdited.emit("16")
    assert shown.timeline.stale_reason is None and shown.plan.scenario.train.batch_size == 16
