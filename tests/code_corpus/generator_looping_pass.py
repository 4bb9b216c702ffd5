# Modelled on the "infinite generator over the batches" pattern of Keras 2 tutorials
# (e.g. "A detailed example of how to use data generators with Keras", https://stanford.edu/~shervine/blog/keras-how-to-generate-data-on-the-fly).
import math

import numpy as np
import keras

N_SAMPLES = 600
BATCH = 32
features = np.zeros((N_SAMPLES, 4))
labels = np.zeros((N_SAMPLES,))


def looping_batches(x, y, bs):
    while True:
        for i in range(0, len(x), bs):
            yield x[i:i + bs], y[i:i + bs]


steps = math.ceil(N_SAMPLES / BATCH)
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(looping_batches(features, labels, BATCH), steps_per_epoch=steps, epochs=4)
