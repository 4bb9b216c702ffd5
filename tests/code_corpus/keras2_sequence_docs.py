# Modelled on the Keras 2 documentation of keras.utils.Sequence (https://keras.io/2.15/api/utils/python_utils/#sequence-class)
# and its use with fit_generator and worker processes.
import numpy as np
from tensorflow import keras


class CIFAR10Sequence(keras.utils.Sequence):

    def __init__(self, x_set, y_set, batch_size):
        self.x, self.y = x_set, y_set
        self.batch_size = batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / float(self.batch_size)))

    def __getitem__(self, idx):
        batch_x = self.x[idx * self.batch_size:(idx + 1) * self.batch_size]
        batch_y = self.y[idx * self.batch_size:(idx + 1) * self.batch_size]
        return np.array(batch_x), np.array(batch_y)


(x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
train_sequence = CIFAR10Sequence(x_train, y_train, 256)
test_sequence = CIFAR10Sequence(x_test, y_test, 256)

model = keras.applications.ResNet50(weights=None, classes=10, input_shape=(32, 32, 3))
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
model.fit_generator(generator=train_sequence, epochs=20, validation_data=test_sequence,
                    use_multiprocessing=True, workers=6)
