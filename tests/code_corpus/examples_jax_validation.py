# Modelled on keras.io "Getting started with Keras 3" choosing the backend with KERAS_BACKEND
# (https://keras.io/getting_started/#configuring-your-backend); the data matches examples/jax_validation.json.
import os

os.environ["KERAS_BACKEND"] = "jax"

import numpy as np
import keras

x = np.zeros((100, 4))
y = np.zeros((100,))
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=2, shuffle=False, validation_data=(np.zeros((20, 4)), np.zeros((20,))), validation_batch_size=10)
