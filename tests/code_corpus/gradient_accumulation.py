# Modelled on the Keras 3 optimizer documentation of gradient_accumulation_steps
# (https://keras.io/api/optimizers/#base-optimizer-class).
import numpy as np
import keras

x_train = np.random.rand(640, 12)
y_train = np.random.rand(640, 1)
optimizer = keras.optimizers.AdamW(learning_rate=1e-3, gradient_accumulation_steps=4)
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer=optimizer, loss="mse", steps_per_execution=2)
model.fit(x_train, y_train, batch_size=16, epochs=2)
