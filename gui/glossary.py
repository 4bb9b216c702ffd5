"""Help > Glossary: the words the app uses, each with a small example. Imported when first asked."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

# (word, what it means, a small example): one running example, 100 samples in batches of 32.
GLOSSARY = (
    (
        "Sample",
        "One example the model learns from: one row of x (and its label in y).",
        "MNIST has 60,000 training samples, each one picture of a digit.",
    ),
    (
        "Batch",
        "The samples the model sees at once, for one update of its weights. The batch size is how many "
        "(fit(batch_size=...) for arrays, .batch(B) for tf.data). When the samples do not divide evenly, "
        "the last batch of a pass is short.",
        "100 samples in batches of 32: batches of 32, 32, 32 and a short one of 4.",
    ),
    (
        "Step",
        "One batch trained: Keras reads a batch, computes the loss and updates the weights. Keras' progress bar counts steps.",
        "Training on the 4 batches above is 4 steps.",
    ),
    (
        "Epoch",
        "One round of fit(epochs=...): a number of steps, then the end-of-epoch work (validation, callbacks). "
        "Without steps_per_epoch an epoch is one pass over the data; with it, exactly that many steps, "
        "wherever they fall in the data.",
        "steps_per_epoch=3 on the 4 batches above: epoch 1 is batches 1-3, epoch 2 gets only the short batch 4.",
    ),
    (
        "Pass",
        "One full read of the data, from its first sample to its last. An epoch and a pass are the same only "
        "when steps_per_epoch is not set. The timeline's 'passes' axis shows where each batch falls.",
        "With .repeat() and steps_per_epoch=10, one epoch of 10 batches of 32 is 3.2 passes over 100 samples.",
    ),
    (
        "Iterator",
        "What hands Keras the next batch. Keras 3 keeps one iterator across epochs when steps_per_epoch is "
        "set, so an epoch continues where the last one stopped (the black triangle on the timeline); when the "
        "data runs out, the next epoch starts a fresh iterator from sample 0.",
        "Epoch 2 above starts at sample 96, where epoch 1 stopped, not at sample 0.",
    ),
    (
        "Validation run",
        "After an epoch's training, Keras evaluates the validation data (fit(validation_data=...) or "
        "validation_split=...) without updating the weights. Every run starts again from the first "
        "validation batch; validation_steps limits its batches, validation_freq chooses the epochs.",
        "10,000 validation samples in batches of 64: 157 validation steps after every epoch.",
    ),
    (
        "Repeat",
        "tf.data's .repeat() makes the data start again after its last sample, forever: then only "
        "steps_per_epoch can end an epoch. .repeat().batch(B) makes every batch full; .batch(B).repeat() "
        "keeps each pass's short batch. A generator does the same with a while True: loop.",
        "100 samples, .batch(32).repeat(): 32, 32, 32, 4, 32, 32, 32, 4, ...",
    ),
)


def glossary_html() -> str:
    rows = "".join(
        f"<h3 style='margin-bottom:2px'>{html.escape(word)}</h3><p style='margin-top:0'>{html.escape(meaning)}"
        f"<br><i>Example:</i> {html.escape(example)}</p>"
        for word, meaning, example in GLOSSARY
    )
    return f"<p>The words EpochScope uses, with one small example each.</p>{rows}"


class GlossaryDialog(QDialog):
    """A window beside the main one (not modal): read it while using the timeline."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Glossary")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.text = QTextBrowser()
        self.text.setHtml(glossary_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        column = QVBoxLayout(self)
        column.addWidget(self.text, 1)
        column.addWidget(buttons)
        self.resize(520, 560)
