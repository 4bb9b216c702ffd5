# Modelled on a course exercise's hand-written batch generator (one pass with a short last batch),
# in the style of the Keras guide "Training & evaluation with the built-in methods"
# (https://keras.io/guides/training_with_built_in_methods/).
import numpy as np
import keras

x_train = np.random.rand(1000, 8)
y_train = np.random.rand(1000, 1)


def batches(x, y, batch_size):
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(batches(x_train, y_train, 64), epochs=3)
