# Modelled on the Keras 2 ImageDataGenerator documentation, "flow with validation_split and subset"
# (https://keras.io/2.15/api/data_loading/image/#imagedatagenerator-class).
import numpy as np
from tensorflow import keras
from tensorflow.keras.preprocessing.image import ImageDataGenerator

x = np.random.rand(100, 32, 32, 3)
y = np.random.randint(0, 2, 100)

datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, validation_split=0.2)
datagen.fit(x)

train_flow = datagen.flow(x, y, batch_size=32, subset="training")
val_flow = datagen.flow(x, y, batch_size=32, subset="validation")

model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(train_flow, validation_data=val_flow, epochs=5)
