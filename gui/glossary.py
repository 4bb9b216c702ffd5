"""Help > Glossary: the words the app uses, each with a small example. Imported when first asked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from gui.markup import escape

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
    (
        "tf.keras 2",
        "The Keras inside TensorFlow 2 before Keras 3, the tf.keras of most courses and answers written before "
        "2024. It now comes from the tf-keras package, and TensorFlow uses it when TF_USE_LEGACY_KERAS=1 is set "
        "before TensorFlow is imported. Its fit differs from Keras 3's: when the data runs out it ends the whole "
        "fit, and its keras.utils.Sequence plays the part of Keras 3's PyDataset.",
        "steps_per_epoch=3 for 3 epochs on the 4 batches above: epoch 2 gets only the short batch, then tf.keras 2 "
        "stops; Keras 3 would start epoch 3 from the first batch.",
    ),
    (
        "Backend",
        "The library Keras 3 computes with: TensorFlow, JAX or PyTorch. It is chosen once, by KERAS_BACKEND set "
        "before Keras is imported. fit feeds the same batches on every backend, except that PyTorch refuses "
        "compile(steps_per_execution=...) above 1. tf.data datasets still need TensorFlow installed.",
        'os.environ["KERAS_BACKEND"] = "jax" before import keras: the same fit, computed by JAX.',
    ),
    (
        "JAX",
        "Google's library for fast array arithmetic, one of Keras 3's backends (KERAS_BACKEND=jax).",
        "The 4 batches above are the same 32, 32, 32 and 4 on JAX as on TensorFlow.",
    ),
    (
        "PyTorch",
        "Meta's deep-learning library, one of Keras 3's backends (KERAS_BACKEND=torch). It runs one batch "
        "at a time: compile(steps_per_execution=...) must stay 1 with it.",
        "compile(steps_per_execution=4) on PyTorch: fit raises a ValueError; leave it at 1.",
    ),
    (
        "Replica / device",
        "A device is a processor that trains: a GPU, or a share of the CPU. Under MirroredStrategy each device "
        "holds a replica, a full copy of the model: the replicas train on their parts of each batch side by side, "
        "and their gradients are added up for one shared weight update.",
        "4 devices: 4 copies of the model, each trained on a quarter of every batch of 32 (8 samples).",
    ),
    (
        "MirroredStrategy",
        "TensorFlow's way to train one model on several devices of one machine: make "
        "strategy = tf.distribute.MirroredStrategy() first, build and compile the model inside "
        "with strategy.scope():, then call fit as usual. The first batch of training, and of every validation "
        "run, must split evenly across the devices, or fit fails. Without GPUs, the CPU can be split into "
        "logical devices to try it (the code tab shows how).",
        "batch_size=32 on 3 devices: 32 does not split into 3 equal shares, so fit fails; 30 or 33 works.",
    ),
    (
        "Global batch",
        "With several devices, the batch fit takes from the data, before it is split among them: batch_size "
        "counts it, and steps_per_epoch and the progress bar count global batches, as on one device.",
        "100 samples, batch_size=32 on 4 devices: the same 4 steps of 32, 32, 32 and 4 as on one device.",
    ),
    (
        "Per-replica batch",
        "One device's share of a global batch: ceil(B / R) samples of a batch of B over R devices, handed out in "
        "device order, so the last devices can get fewer samples, or none.",
        "A global batch of 32 on 4 devices: 8 each. The short batch of 4: 1 each. A batch of 3: 1, 1, 1 and 0.",
    ),
)


def glossary_html() -> str:
    rows = "".join(
        f"<h3 style='margin-bottom:2px'>{escape(word)}</h3><p style='margin-top:0'>{escape(meaning)}"
        f"<br><i>Example:</i> {escape(example)}</p>"
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
