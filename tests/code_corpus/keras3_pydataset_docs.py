# Modelled on the Keras 3 API documentation of keras.utils.PyDataset (https://keras.io/api/utils/python_utils/#pydataset-class).
import math

import keras
import numpy as np


class CIFAR10PyDataset(keras.utils.PyDataset):

    def __init__(self, x_set, y_set, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x_set, y_set
        self.batch_size = batch_size

    def __len__(self):
        # Return number of batches.
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        low = idx * self.batch_size
        high = min(low + self.batch_size, len(self.x))
        return self.x[low:high], self.y[low:high]


x = np.random.random((1000, 32, 32, 3))
y = np.random.randint(0, 10, size=(1000,))
train = CIFAR10PyDataset(x, y, batch_size=64, workers=4, use_multiprocessing=True)

model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(train, epochs=3)
