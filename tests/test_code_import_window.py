"""Issue 14 in the window: code imported through the real menu actions, a drop and the paste box; the form's
marks and relations; and the form's withheld fields (a lesson's hidden controls)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QGroupBox, QLabel

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
