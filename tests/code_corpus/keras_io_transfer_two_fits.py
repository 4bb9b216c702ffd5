# Modelled on keras.io "Transfer learning & fine-tuning" (https://keras.io/guides/transfer_learning/):
# train the new head, then fine-tune the whole model with a second fit.
import numpy as np
import keras

x = np.random.rand(2000, 150, 150, 3)
y = np.random.randint(0, 2, 2000)
base_model = keras.applications.Xception(weights=None, input_shape=(150, 150, 3), include_top=False)
base_model.trainable = False
inputs = keras.Input(shape=(150, 150, 3))
outputs = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling2D()(base_model(inputs)))
model = keras.Model(inputs, outputs)

model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.BinaryCrossentropy(from_logits=True))
model.fit(x, y, epochs=20, batch_size=64, validation_split=0.25)

base_model.trainable = True
model.compile(optimizer=keras.optimizers.Adam(1e-5), loss=keras.losses.BinaryCrossentropy(from_logits=True))
model.fit(x, y, epochs=30, initial_epoch=20, batch_size=64, validation_split=0.25)
