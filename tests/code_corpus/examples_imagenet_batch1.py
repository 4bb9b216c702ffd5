# This repository's examples/imagenet_batch1.json written as the code a student would have
# (ImageNet from TensorFlow Datasets, https://www.tensorflow.org/datasets/catalog/imagenet2012, one image a batch).
import tensorflow as tf
import tensorflow_datasets as tfds

train = tfds.load("imagenet2012", split="train", as_supervised=True).batch(1)
validation = tfds.load("imagenet2012", split="validation", as_supervised=True).batch(1)
model = tf.keras.applications.ResNet50(weights=None)
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
model.fit(train, epochs=1000, validation_data=validation, shuffle=False)
