# This repository's examples/image_data_generator.json written as the code a student would have.
import numpy as np
import keras
from keras.preprocessing.image import ImageDataGenerator

images = np.zeros((100, 8, 8, 3))
labels = np.zeros((100,))
generator = ImageDataGenerator(validation_split=0.2)
model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(
    generator.flow(images, labels, batch_size=32, subset="training"),
    validation_data=generator.flow(images, labels, batch_size=32, subset="validation"),
    epochs=5,
)
