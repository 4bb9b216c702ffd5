# Modelled on the Keras API documentation of fit's validation_freq (https://keras.io/api/models/model_training_apis/#fit-method).
import numpy as np
import keras

data = np.random.rand(3000, 5)
targets = np.random.rand(3000)
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(data[:2500], targets[:2500], validation_data=(data[2500:], targets[2500:]), epochs=10,
          validation_freq=[1, 5, 10], batch_size=100)
