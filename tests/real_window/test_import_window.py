"""Code import in a real X session (Xvfb + openbox): Edit > Paste code clicked in the real menu, the code pasted
from the real clipboard with Ctrl+V, read with a real click on the box's button, and the form filled as one
undoable step (a real Ctrl+Z). Clicks, not shortcuts, open and close the box: a key whose press opens or closes
a window has its release delivered to the other one."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

MINE = {"train": {"samples": 500, "source": "arrays", "batch_size": 50}, "epochs": 4}
CODE = """import numpy as np

x = np.random.rand(2000, 8)
y = np.random.rand(2000)
model.fit(x, y, batch_size=128, epochs=6)
"""


def test_paste_code_from_the_edit_menu_reads_what_ctrl_v_pasted(real_window, press_keys, click, qtbot):
    window = real_window(MINE)
    menu_bar = window.menuBar()
    edit = window.menus["edit"]
    click(menu_bar, menu_bar.actionGeometry(edit.menuAction()).center())
    qtbot.waitUntil(edit.isVisible, timeout=5000)
    click(edit, edit.actionGeometry(window.code_import.paste_action).center())
    qtbot.waitUntil(lambda: window.code_import.paste_box is not None and window.code_import.paste_box.isVisible(), timeout=5000)
    box = window.code_import.paste_box
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box.editor, timeout=5000)
    QApplication.clipboard().setText(CODE)
    press_keys("ctrl+v")
    assert box.editor.toPlainText() == CODE
    click(box.read_button, box.read_button.rect().center())
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
    scenario = window.plan.scenario
    assert (scenario.train.samples, scenario.train.batch_size, scenario.epochs) == (2000, 128, 6)
    assert window.form.mark_words("train.batch_size") == "from your code, line 5"
    assert window.summary.currentWidget() is window.code_import.panel
    window.timeline.plot.setFocus()
    press_keys("ctrl+z")  # the whole import is one step
    assert window.plan.scenario.train.samples == 500 and window.form.marks() == {}
    QApplication.clipboard().clear()


def test_ctrl_i_in_a_form_box_imports_the_file_chosen(real_window, press_keys, qtbot, tmp_path, monkeypatch):
    # The shortcut works with the cursor in a number box (no box takes Ctrl+I); the file dialog, which would
    # wait for a person, answers with the file.
    from PySide6.QtWidgets import QFileDialog

    script = tmp_path / "train.py"
    script.write_text(CODE, encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(script), "")))
    window = real_window(MINE)
    window.form.epochs.setFocus()
    press_keys("ctrl+i")
    assert window.plan.scenario.train.batch_size == 128 and window.undo_action.text() == "&Undo code from train.py"
