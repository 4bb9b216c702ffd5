"""Reading a 5,000-line notebook into a scenario must take under a second (issue 14).

The notebook is built here: 250 code cells of 20 lines each, in the style of a long course notebook
(imports, data loading, preprocessing, model definitions, a fit call in a few cells, prints).
Run: python benchmarks/bench_import.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.code_import import read_code_file

LINES = 5_000
LIMIT_S = 1.0

_CELL = """import numpy as np
import keras
BATCH_{n} = 32 + {n} % 7
x_{n} = np.random.rand(1000 + {n}, 16)
y_{n} = np.random.randint(0, 2, size=(1000 + {n},))
x_{n} = x_{n}.astype("float32") / 255.0
steps_{n} = len(x_{n}) // BATCH_{n}
ds_{n} = tf.data.Dataset.from_tensor_slices((x_{n}, y_{n}))
ds_{n} = ds_{n}.shuffle(1000).batch(BATCH_{n}).prefetch(2)
def make_{n}(units):
    return keras.Sequential([keras.layers.Dense(units), keras.layers.Dense(1)])
model = make_{n}(8)
model.compile(optimizer="adam", loss="mse", steps_per_execution=2)
for i in range(3):
    print(i, x_{n}.shape, steps_{n})
history = None
if {n} % 50 == 0:
    history = model.fit(ds_{n}, epochs=3, steps_per_epoch=steps_{n})
results = {{"cell": {n}, "steps": steps_{n}}}
print(results)"""


def notebook() -> dict:
    cells = [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": _CELL.format(n=n)}
        for n in range(LINES // 20)
    ]
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.ipynb"
        path.write_text(json.dumps(notebook()), encoding="utf-8")
        started = time.perf_counter()
        reading = read_code_file(path)
        elapsed = time.perf_counter() - started
    lines = reading.source.count("\n") + 1
    print(f"read a {lines:,}-line notebook ({len(reading.calls)} fit calls) in {elapsed:.3f} s (limit {LIMIT_S:g} s)")
    return 0 if elapsed < LIMIT_S and lines >= LINES else 1


if __name__ == "__main__":
    sys.exit(main())
