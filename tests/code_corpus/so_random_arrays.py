# Modelled on a typical minimal reproducible example in a Stack Overflow question
# (https://stackoverflow.com/help/minimal-reproducible-example) with random NumPy data.
import numpy as np
from tensorflow import keras

x = np.random.rand(1000, 10)
y = np.random.rand(1000, 1)
x_val = np.random.rand(200, 10)
y_val = np.random.rand(200, 1)

model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, batch_size=32, epochs=10, validation_data=(x_val, y_val), validation_batch_size=50, shuffle=False)
